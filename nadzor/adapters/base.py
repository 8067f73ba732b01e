"""The adapter object, the registry lookup, and ``ingest`` (convert + store through the ingest contract)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nadzor.adapters.metadata import AdapterMetadata, load_metadata
from nadzor.exceptions import NotFoundError, PluginError

__all__ = ["Adapter", "adapter_from_folder", "get_adapter", "list_adapters"]


@dataclass
class Adapter:
    """A source adapter: its validated metadata and the parser that turns one file into a Conversion."""

    name: str
    metadata: AdapterMetadata
    parser: Callable | None = None      # convert(path, meta, *, data=None, sheet=None) -> Conversion
    folder: Path | None = None

    def convert(self, path, *, data: bytes | None = None, sheet: str | None = None):
        """Convert one file into OCDS releases (no store needed)."""
        if self.parser is not None:
            return self.parser(path, self.metadata, data=data, sheet=sheet)
        from nadzor.ingest.spreadsheet import convert_table

        return convert_table(path, self.metadata, data=data, sheet=sheet)

    def ingest(self, store, paths, *, sheet: str | None = None, progress: Callable | None = None):
        """Convert and store each file (one transaction per file); return the summed ``IngestReport``.

        A file that cannot be read at all (not XML, not a table) is archived and quarantined with the reason.

        ``progress`` is called with each path once it is stored (for progress bars).
        """
        from nadzor.exceptions import InputError
        from nadzor.ingest.api import IngestReport
        from nadzor.ingest.conversion import Conversion, rebuild_pending, store_conversion

        total = IngestReport()
        m = self.metadata
        adapter = self.name if m.kind == "ted" else f"table:{self.name}"
        for path in paths:
            try:
                conversion = self.convert(path, sheet=sheet)
            except InputError as exc:
                # One unreadable file in a folder is quarantined whole; the others still go in.
                conversion = Conversion(quarantined=[("file", str(exc), None)])
            report = store_conversion(store, path, conversion, adapter=adapter, publisher=m.publisher,
                                      licence=m.licence, origin_url=m.url, rebuild=False)
            total.add(report)
            if progress is not None:
                progress(path)
        total.processes_updated += rebuild_pending(store)
        return total

    def describe(self) -> dict:
        """Return a summary row for ``nadzor adapters``."""
        m = self.metadata
        return {"name": self.name, "kind": m.kind, "title": m.title, "country": m.country,
                "publisher": m.publisher, "licence": m.licence, "verified": m.verified,
                "columns": len(m.columns)}


def adapter_from_folder(folder: Path | str) -> Adapter:
    """Build an adapter from a folder with ``metadata.yml`` and an optional ``adapter.py``."""
    folder = Path(folder)
    meta = load_metadata(folder / "metadata.yml")
    parser = None
    module_file = folder / "adapter.py"
    if module_file.exists():
        spec = importlib.util.spec_from_file_location(f"nadzor_adapter_{meta.name.replace('-', '_')}",
                                                      module_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        parser = getattr(module, "convert", None)
        if parser is None:
            raise PluginError(f"{module_file} has no convert(path, meta, *, data=None, sheet=None) function")
    return Adapter(name=meta.name, metadata=meta, parser=parser, folder=folder)


def list_adapters() -> list[Adapter]:
    """Return every registered adapter (built-in and plugins), sorted by name.

    Raises ``PluginError`` if two adapters share a name.
    """
    from nadzor.plugins import collect

    seen: dict[str, Adapter] = {}
    for adapter in collect("register_adapters"):
        if adapter.name in seen:
            raise PluginError(f"two adapters are called {adapter.name!r}")
        seen[adapter.name] = adapter
    return [seen[k] for k in sorted(seen)]


def get_adapter(name_or_path: str | Path) -> Adapter:
    """Return the adapter called ``name_or_path``, or build one from a mapping YAML file at that path.

    Raises ``NotFoundError`` listing the known names if there is neither.
    """
    path = Path(name_or_path)
    if path.suffix.lower() in (".yml", ".yaml") and path.exists():
        meta = load_metadata(path)
        return Adapter(name=meta.name, metadata=meta)
    adapters = {a.name: a for a in list_adapters()}
    if str(name_or_path) in adapters:
        return adapters[str(name_or_path)]
    raise NotFoundError(f"no adapter or mapping file {name_or_path!r}; known adapters: "
                        f"{', '.join(sorted(adapters))}")
