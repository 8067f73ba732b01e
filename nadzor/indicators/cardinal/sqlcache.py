"""A cache of the SQL that Ibis compiles for the indicator queries on DuckDB, kept between runs.

Building the 11 indicators' Ibis expressions and compiling them to SQL costs about a second per run (importing
Ibis and its DuckDB backend about 0.6 s of it), whatever the size of the file: at 100k releases, a third of the
time. The SQL depends only on the code, the library versions, the settings and the flat tables' schemas, so a
run keeps what it compiled in one JSON file per combination of those (the file name is their digest), and the
next run with the same combination executes that SQL without importing Ibis at all.

A query whose SQL also depends on the data (the main currency, chosen from the first bids) records that value
as a parameter: its cached SQL is looked up by the parameter's value too. A temporary table that a query reads
(``Run.table``) is recorded as a dependency and created from its own cached SQL first.

Where: ``$NADZOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/nadzor``, else ``~/.cache/nadzor``; ``NADZOR_CACHE_DIR=off``
turns the cache off. The newest 200 files (about 20 KiB each) are kept. A cache that cannot be read or written is ignored: the run
compiles its queries as it would without one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

__all__ = ["SqlCache", "cache_dir", "code_digest"]

log = logging.getLogger(__name__)

FORMAT = 1
KEEP = 200
PREFIX = "cardinal-sql-"
_CODE_DIGEST: str | None = None


def cache_dir() -> Path | None:
    """Return the cache folder, or None when ``NADZOR_CACHE_DIR`` turns the cache off."""
    configured = os.environ.get("NADZOR_CACHE_DIR")
    if configured is not None:
        if configured.strip().lower() in ("", "0", "off", "false", "no"):
            return None
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home folder (some service accounts): no cache
            return None
    return Path(base) / "nadzor"


def code_digest() -> str:
    """Return a digest of the indicator code (this package's Python sources), which the SQL is built from."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        h = hashlib.sha256()
        for path in sorted(Path(__file__).parent.glob("*.py")):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        _CODE_DIGEST = h.hexdigest()
    return _CODE_DIGEST


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    import duckdb

    found = {"duckdb": duckdb.__version__}
    for name in ("ibis-framework", "sqlglot"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


class SqlCache:
    """The compiled SQL of one combination of code, versions, settings and schemas (see the module docstring).

    Entries are stored per query key as {"params": [names], "variants": {json(values): entry}}, an entry being
    {"sql", "deps", "schema"}.
    """

    def __init__(self, path: Path | None, data: dict | None = None):
        self.path = path
        self.data = data if data is not None else {}
        self.dirty = False

    @classmethod
    def open(cls, *, settings, map: bool, schemas: dict) -> SqlCache | None:
        """Return the cache for this run's settings, ``map`` switch and table schemas (None when turned off)."""
        folder = cache_dir()
        if folder is None:
            return None
        identity = {
            "format": FORMAT,
            "code": code_digest(),
            "versions": _versions(),
            # Insertion order kept: the same settings file gives the same text.
            "settings": {"top": settings.top, "sections": settings.sections, "mappings": settings.mappings},
            "map": bool(map),
            "schemas": schemas,
        }
        digest = hashlib.sha256(json.dumps(identity, default=str).encode()).hexdigest()[:32]
        path = folder / f"{PREFIX}{digest}.json"
        data = None
        try:
            loaded = json.loads(path.read_bytes())
            if isinstance(loaded, dict) and loaded.get("format") == FORMAT:
                data = loaded.get("queries")
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            log.warning("ignoring the SQL cache %s: %s", path, exc)
        return cls(path, data if isinstance(data, dict) else None)

    @staticmethod
    def _key(key) -> str:
        return json.dumps(key)

    def params(self, key) -> list[str] | None:
        """Return the names of the parameters the query ``key`` depends on, or None when it is not cached."""
        stored = self.data.get(self._key(key))
        return None if stored is None else stored["params"]

    def get(self, key, values: list) -> dict | None:
        """Return the entry of query ``key`` for its parameters' ``values`` (None when not cached)."""
        stored = self.data.get(self._key(key))
        if stored is None:
            return None
        return stored["variants"].get(json.dumps(values))

    def put(self, key, params: dict, entry: dict) -> None:
        """Store the entry of query ``key`` built with the parameter values ``params`` (name -> value)."""
        stored = self.data.setdefault(self._key(key), {"params": sorted(params), "variants": {}})
        if stored["params"] != sorted(params):
            # The query now depends on other parameters (it cannot within one code digest; be safe anyway).
            stored = self.data[self._key(key)] = {"params": sorted(params), "variants": {}}
        values = [params[name] for name in stored["params"]]
        stored["variants"][json.dumps(values)] = entry
        self.dirty = True

    def save(self) -> None:
        """Write the cache if it changed (atomically), and keep only the newest files of the folder."""
        if not self.dirty or self.path is None:
            return
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump({"format": FORMAT, "queries": self.data}, out)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self.dirty = False
            files = sorted(folder.glob(f"{PREFIX}*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in files[KEEP:]:
                old.unlink(missing_ok=True)
        except OSError as exc:
            log.debug("could not write the SQL cache %s: %s", self.path, exc)
