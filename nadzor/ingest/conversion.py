"""The result of turning a non-OCDS file (TED XML, a spreadsheet) into OCDS 1.1 releases, and the one function
that hands such a result to the store through the ingest contract (``nadzor.ingest.api``).

Converters are pure: file in, ``Conversion`` out. Nothing is written until ``store_conversion`` runs, so
converters are tested without a store and a failed conversion leaves the store untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Conversion", "store_conversion", "rebuild_pending"]


@dataclass
class Conversion:
    """Releases made from one file, plus what could not be used and what needed a fix.

    ``releases``: (locator, release dict) pairs; ``quarantined``: (locator, reason, raw text) triples;
    ``warnings``: (locator, message) pairs. Locators are XPaths for XML and ``R12`` / ``R12:column`` for rows.
    """

    releases: list[tuple[str, dict]] = field(default_factory=list)
    quarantined: list[tuple[str, str, str | None]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    encoding: str | None = None
    format: str | None = None

    def extend(self, other: Conversion) -> None:
        """Append another file's results (used when one command converts several files)."""
        self.releases.extend(other.releases)
        self.quarantined.extend(other.quarantined)
        self.warnings.extend(other.warnings)


def store_conversion(store, path: Path | str, conversion: Conversion, *, adapter: str, rebuild: bool = True,
                     **info):
    """Archive ``path`` and store its converted releases, quarantined rows and warnings in one transaction.

    ``info`` is passed to ``begin_source`` (publisher, licence, origin_url, media_type, ...). Returns the
    ``IngestReport``; a file already ingested completely is skipped (``sources_skipped`` = 1).
    With ``rebuild=False`` the releases are only staged and their processes listed as pending (as
    ``nadzor ingest`` does per file); call ``rebuild_pending`` once after the last file. Rebuilding costs about
    a second per call whatever its size, so a folder of notices is much faster this way; a kill in between
    leaves the processes pending, and the next ingest finishes them.
    """
    from nadzor.ingest import api

    with store.transaction():
        source = api.begin_source(store, path, adapter=adapter, encoding=conversion.encoding,
                                  format=conversion.format, **info)
        if source.already_complete:
            report = api.IngestReport(sources_skipped=1)
            report.messages.append(f"{path}: already ingested, skipped")
            return report
        for locator, message in conversion.warnings:
            api.warn(store, source, locator, message)
        for locator, reason, raw in conversion.quarantined:
            api.quarantine(store, source, locator, reason, raw)
        if rebuild:
            report = api.ingest_releases(store, source, conversion.releases)
        else:
            report = api.stage_releases(store, source, conversion.releases)
        report.sources += 1
        report.quarantined += len(conversion.quarantined)
        report.warnings += len(conversion.warnings)
        api.finish_source(store, source, report)
    return report


def rebuild_pending(store) -> int:
    """Rebuild the processes staged by ``store_conversion(..., rebuild=False)``; return how many."""
    from nadzor.ingest import api

    return api.rebuild_pending(store)
