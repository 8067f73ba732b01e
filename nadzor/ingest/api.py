"""The ingest contract every source adapter uses (OCDS files, TED notices, spreadsheets, ...).

An adapter archives its input file with ``begin_source``, turns it into OCDS releases (or compiled releases),
each paired with a locator back into the file, and hands them to ``ingest_releases``. Anything it cannot use
goes to ``quarantine`` with the reason and the raw text; nothing is dropped silently.

Locators: a JSON pointer (``/releases/3``) in a JSON file; ``L12`` or ``L12/awards/0`` for line 12 of a
JSON-lines file; ``R12`` / ``R12:column`` for row 12 of a spreadsheet (header row is R1); an XPath for XML.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["SourceInfo", "IngestReport", "begin_source", "finish_source", "quarantine", "warn",
           "ingest_releases", "stage_releases", "rebuild_pending"]


@dataclass
class SourceInfo:
    """An archived input file being ingested."""

    source_id: str            # sha256 of the bytes
    original_path: str
    archived_path: Path
    size: int
    adapter: str
    media_type: str | None = None
    encoding: str | None = None
    format: str | None = None
    publisher: str | None = None
    licence: str | None = None
    published_date: str | None = None
    ocds_version: str | None = None
    origin_url: str | None = None
    retrieved_at: datetime | None = None
    already_complete: bool = False   # True if this exact file was fully ingested before: skip it


@dataclass
class IngestReport:
    """What an ingest did. Re-running the same input gives zero new releases."""

    sources: int = 0
    sources_skipped: int = 0
    releases: int = 0
    duplicates: int = 0
    quarantined: int = 0
    warnings: int = 0
    processes_updated: int = 0
    messages: list[str] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        for name in ("sources", "sources_skipped", "releases", "duplicates", "quarantined", "warnings",
                     "processes_updated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.messages.extend(other.messages)


def now() -> datetime:
    return datetime.now(timezone.utc)


def begin_source(store, path: Path | str, *, adapter: str, data: bytes | None = None, **info) -> SourceInfo:
    """Archive ``path`` (or ``data`` read from stdin) by sha256 and return its SourceInfo.

    ``info`` may set media_type, encoding, format, publisher, licence, origin_url, retrieved_at.
    If the same bytes were completely ingested before, ``already_complete`` is True and the caller skips them.
    """
    from nadzor.ingest import ocds

    return ocds.begin_source(store, path, adapter=adapter, data=data, **info)


def finish_source(store, source: SourceInfo, report: IngestReport) -> None:
    """Mark the source complete (in the same transaction as its rows) with its counts."""
    from nadzor.ingest import ocds

    ocds.finish_source(store, source, report)


def quarantine(store, source: SourceInfo | None, locator: str, reason: str, raw: str | bytes | None) -> None:
    """Keep what cannot be used, with the reason and the raw text."""
    from nadzor.ingest import ocds

    ocds.quarantine(store, source, locator, reason, raw)


def warn(store, source: SourceInfo | None, locator: str, message: str) -> None:
    """Record a warning about something that was used but needed a fix (e.g. decoded as ISO-8859-1)."""
    from nadzor.ingest import ocds

    ocds.warn(store, source, locator, message)


def ingest_releases(store, source: SourceInfo, docs: Iterable[tuple[str, object]]) -> IngestReport:
    """Store OCDS releases or compiled releases, given as (locator, parsed JSON) pairs, and rebuild the
    processes they touch (ocdsmerge for individual releases). Invalid items are quarantined, not raised.

    Call inside ``with store.transaction():`` together with begin/finish so a kill leaves nothing half-done.
    """
    from nadzor.ingest import ocds

    return ocds.ingest_release_docs(store, source, docs)


def stage_releases(store, source: SourceInfo, docs: Iterable[tuple[str, object]]) -> IngestReport:
    """Store releases like ``ingest_releases`` but leave their processes pending, so an adapter reading many
    files rebuilds once at the end with ``rebuild_pending`` (rebuilding per file is much slower)."""
    from nadzor.ingest import ocds

    return ocds.ingest_release_docs(store, source, docs, rebuild=False)


def rebuild_pending(store) -> int:
    """Rebuild every process with releases not yet compiled (in its own transactions); return how many."""
    from nadzor.ingest import ocds

    return ocds.rebuild_processes(store)
