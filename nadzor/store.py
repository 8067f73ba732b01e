"""The store: one DuckDB file (default ``nadzor.duckdb``), its schema, and a content-addressed archive of every
ingested file beside it (``nadzor.duckdb.archive/ab/abcdef...``).

Queries go through Ibis (``Store.ibis``) so indicators written against it also run on PySpark.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import duckdb

from nadzor.exceptions import StoreError

__all__ = ["Store", "SCHEMA_VERSION", "MODEL_TABLES", "archive_dir_for"]

SCHEMA_VERSION = "1"

# Tables rebuilt per process from its compiled release (deleted and re-inserted when the process changes).
MODEL_TABLES = [
    "lots",
    "items",
    "parties",
    "bids",
    "bid_tenderers",
    "awards",
    "award_suppliers",
    "contracts",
    "amendments",
    "documents",
]


def archive_dir_for(db_path: Path) -> Path:
    """Return the archive folder that belongs to a database file."""
    return db_path.with_name(db_path.name + ".archive")


def schema_sql() -> str:
    """Return the DDL of the store (nadzor/schema.sql)."""
    return resources.files("nadzor").joinpath("schema.sql").read_text(encoding="utf-8")


class Store:
    """An open nadzor store: a DuckDB connection plus its archive folder."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None, *, read_only: bool = False):
        self.con = con
        self.path = path
        self.read_only = read_only
        self._ibis = None

    # -- opening -----------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> Store:
        """Open (and, unless read-only, create and migrate) the store at ``path``; ``:memory:`` works for tests."""
        if str(path) == ":memory:":
            con = duckdb.connect(":memory:")
            store = cls(con, None)
            store.migrate()
            return store
        path = Path(path)
        if read_only and not path.exists():
            raise StoreError(f"no store at {path}: run `nadzor ingest` first (or pass --db)")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from exc
        store = cls(con, path, read_only=read_only)
        store._configure()
        if not read_only:
            store.migrate()
        return store

    def _configure(self) -> None:
        # Bound DuckDB's memory (it would otherwise take 80% of RAM) and let it spill beside the database.
        limit = os.environ.get("NADZOR_MEMORY_LIMIT", "1GB")
        self.con.execute(f"SET memory_limit = '{limit}'")
        if self.path is not None and not self.read_only:
            self.con.execute(f"SET temp_directory = '{self.path.with_name(self.path.name + '.tmp')}'")

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def migrate(self) -> None:
        """Create missing tables; record the schema version; undo what an interrupted ingest left."""
        self.con.execute(schema_sql())
        self.con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
        )
        if self.discard_incomplete():
            # Processes that also had releases from complete files were emptied with the partial file; rebuild
            # them now, so that a command run before the next ingest (e.g. `analyze`) sees every process.
            from nadzor.ingest.api import rebuild_pending

            rebuild_pending(self)

    def discard_incomplete(self) -> int:
        """Remove every row of OCDS files whose ingest was interrupted (status 'loading'); return how many files.

        A big file is staged in several transactions (so memory stays bounded), with its source marked 'loading'
        until the last one. Only one process can open the store for writing, so a 'loading' source seen here was
        left by a kill: its releases, quarantined items, warnings and the processes built from them go, and the
        processes it touched that have other releases are listed as pending, to be rebuilt by the next ingest.
        """
        gone = [r[0] for r in self.con.execute(
            "SELECT source_id FROM sources WHERE status = 'loading' AND adapter = 'ocds'").fetchall()]
        if not gone:
            return 0
        with self.transaction():
            con = self.con
            con.execute("CREATE OR REPLACE TEMP TABLE _gone AS SELECT unnest(?::VARCHAR[]) AS source_id", [gone])
            con.execute("""
                CREATE OR REPLACE TEMP TABLE _gone_ocids AS
                SELECT ocid FROM releases WHERE source_id IN (SELECT source_id FROM _gone)
                UNION SELECT ocid FROM processes WHERE source_id IN (SELECT source_id FROM _gone)
            """)
            for table in ("releases", "quarantine", "warnings", "unfetched_releases"):
                con.execute(f"DELETE FROM {table} WHERE source_id IN (SELECT source_id FROM _gone)")
            for table in ["processes", *MODEL_TABLES]:
                con.execute(f"DELETE FROM {table} WHERE ocid IN (SELECT ocid FROM _gone_ocids)")
            con.execute("DELETE FROM quarantine WHERE kind = 'value' AND ocid IN (SELECT ocid FROM _gone_ocids)")
            con.execute("""
                INSERT INTO pending_processes SELECT DISTINCT ocid FROM releases
                WHERE ocid IN (SELECT ocid FROM _gone_ocids) AND ocid NOT IN (SELECT ocid FROM pending_processes)
            """)
            con.execute("DELETE FROM sources WHERE source_id IN (SELECT source_id FROM _gone)")
        con.execute("DROP TABLE IF EXISTS _gone")
        con.execute("DROP TABLE IF EXISTS _gone_ocids")
        return len(gone)

    @contextlib.contextmanager
    def transaction(self):
        """Run a block in one DuckDB transaction: all of it lands, or (on error or kill) none of it."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # -- queries -----------------------------------------------------------------------------------------------
    @property
    def ibis(self):
        """The Ibis backend over this store's connection (DuckDB)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str):
        """Return an Ibis table expression."""
        return self.ibis.table(name)

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        """Run SQL and return the rows as dicts (for small results)."""
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def scalar(self, sql: str, params: list | None = None):
        """Run SQL and return the first column of the first row."""
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def table_names(self) -> list[str]:
        """Return the names of the tables in the main schema."""
        return [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
        ).fetchall()]

    # -- archive -----------------------------------------------------------------------------------------------
    @property
    def archive_dir(self) -> Path:
        """The content-addressed archive beside the database (a temp folder for in-memory stores)."""
        if self.path is None:
            if not hasattr(self, "_tmp_archive"):
                self._tmp_archive = Path(tempfile.mkdtemp(prefix="nadzor-archive-"))
            return self._tmp_archive
        return archive_dir_for(self.path)

    def archive_path(self, sha256: str) -> Path:
        """Return where a file with this sha256 is (or would be) archived."""
        return self.archive_dir / sha256[:2] / sha256

    def archive_file(self, src: Path) -> tuple[str, Path, int]:
        """Copy ``src`` into the archive under its sha256; return (sha256, archived path, size).

        The copy is written to a temporary name and renamed, so a kill never leaves a partial archive entry.
        """
        h = hashlib.sha256()
        size = 0
        self.archive_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.archive_dir, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            digest = h.hexdigest()
            dest = self.archive_path(digest)
            if dest.exists():
                os.unlink(tmp)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, dest)
            return digest, dest, size
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def archive_bytes(self, data: bytes) -> tuple[str, Path, int]:
        """Archive bytes (e.g. read from stdin) under their sha256."""
        digest = hashlib.sha256(data).hexdigest()
        dest = self.archive_path(digest)
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, dest)
        return digest, dest, len(data)

    def remove_archive(self) -> None:
        """Delete the archive folder (used by tests and `make clean`)."""
        shutil.rmtree(self.archive_dir, ignore_errors=True)


def schema_markdown() -> str:
    """Return docs/schema.md, generated from the comments in nadzor/schema.sql (a test checks it is current)."""
    import re

    sql = schema_sql()
    out = [
        "# The store schema",
        "",
        "Generated from `nadzor/schema.sql` by `python -m nadzor.store` (a test fails when this file is stale).",
        "Every model row carries `source_id` (the sha256 of the archived file) and `locator` (where in that file:",
        "a JSON pointer such as `/releases/3/awards/0`, `L12/awards/0` for line 12 of a JSON-lines file, `R12:column`",
        "for a spreadsheet row, or an XPath for XML). Archived files live beside the database, in",
        "`<db>.archive/<first two hex digits>/<sha256>`.",
        "",
    ]
    pending_comment: list[str] = []
    for block in re.split(r"\n\s*\n", sql):
        block = block.strip()
        if block.startswith("--"):
            lines = block.splitlines()
            comments = [ln[2:].strip() for ln in lines if ln.startswith("--")]
            pending_comment = comments
            rest = "\n".join(ln for ln in lines if not ln.startswith("--")).strip()
            if not rest.startswith("CREATE TABLE"):
                continue
            block = rest
        m = re.match(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*)\);", block, re.S)
        if not m:
            continue
        name, body = m.groups()
        out += [f"## {name}", ""]
        if pending_comment:
            out += [" ".join(pending_comment), ""]
            pending_comment = []
        out += ["| column | type | meaning |", "|---|---|---|"]
        for line in body.splitlines():
            code, _, comment = line.partition("--")
            cols = [c.strip() for c in code.split(",") if c.strip()]
            for i, col in enumerate(cols):
                parts = col.split()
                if len(parts) < 2:
                    continue
                note = comment.strip().replace("|", "/") if i == len(cols) - 1 else ""
                out.append(f"| {parts[0]} | {' '.join(parts[1:])} | {note} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    Path(__file__).resolve().parent.parent.joinpath("docs", "schema.md").write_text(schema_markdown(),
                                                                                    encoding="utf-8")
