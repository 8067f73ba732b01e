"""Ingest files through a named source adapter (TED, a table mapping, a third-party adapter)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nadzor.exceptions import InputError

__all__ = ["ingest_with_adapter", "convert_with_adapter", "expand_paths"]

_SUFFIXES = {"ted": (".xml",), "table": (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json")}


def expand_paths(paths, kind: str) -> list[Path]:
    """Expand folders into the files an adapter of ``kind`` reads (sorted); raise ``InputError`` if a path is
    missing or nothing is left."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in _SUFFIXES[kind]))
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"no such file or folder: {p}")
    if not out:
        raise InputError("no input files found")
    return out


def ingest_with_adapter(store, paths, adapter: str | Path, *, sheet: str | None = None,
                        progress: Callable | None = None):
    """Convert and store ``paths`` (files or folders) with the adapter or mapping YAML ``adapter``.

    Returns the summed ``IngestReport``. Each file is one transaction: a failure keeps earlier files.
    """
    from nadzor.adapters import get_adapter

    a = get_adapter(adapter)
    return a.ingest(store, expand_paths(paths, a.metadata.kind), sheet=sheet, progress=progress)


def convert_with_adapter(paths, adapter: str | Path, *, sheet: str | None = None):
    """Convert ``paths`` without storing anything (to check a mapping); return one merged ``Conversion``
    whose locators are prefixed with the file name."""
    from nadzor.adapters import get_adapter
    from nadzor.ingest.conversion import Conversion

    a = get_adapter(adapter)
    total = Conversion()
    for path in expand_paths(paths, a.metadata.kind):
        conv = a.convert(path, sheet=sheet)
        total.releases.extend((f"{path.name}#{loc}", r) for loc, r in conv.releases)
        total.quarantined.extend((f"{path.name}#{loc}", why, raw) for loc, why, raw in conv.quarantined)
        total.warnings.extend((f"{path.name}#{loc}", msg) for loc, msg in conv.warnings)
        total.encoding = total.encoding or conv.encoding
    return total
