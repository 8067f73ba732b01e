"""Exporters: turn the store into files for other tools. Built-ins register through the ``register_exporters``
hook exactly like a plugin's (see nadzor.publish.builtin); :func:`export` picks one by its format name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nadzor.exceptions import InputError, PluginError

__all__ = ["Exporter", "exporters", "export"]


@dataclass(frozen=True)
class Exporter:
    """One export format: ``export(store, path, scope=)`` writes ``path`` and returns a summary dict."""

    format: str
    description: str
    export: Callable[..., dict]
    directory: bool = False  # writes a folder rather than one file


def exporters() -> dict[str, Exporter]:
    """Return every registered exporter by format; a duplicate format is a PluginError."""
    from nadzor.plugins import collect

    out: dict[str, Exporter] = {}
    for e in collect("register_exporters"):
        if e.format in out:
            raise PluginError(f"two exporters registered the format {e.format!r}")
        out[e.format] = e
    return out


def export(store, fmt: str, path: Path | str, *, scope: str = "surveillance") -> dict:
    """Write the store in format ``fmt`` to ``path``; ``scope`` is 'surveillance' (classified purchases) or 'all'.

    Raises InputError for an unknown format or scope.
    """
    found = exporters()
    if fmt not in found:
        raise InputError(f"unknown export format {fmt!r}; choose one of: {', '.join(sorted(found))}")
    if scope not in ("surveillance", "all"):
        raise InputError("scope must be 'surveillance' or 'all'")
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return found[fmt].export(store, path, scope=scope)
