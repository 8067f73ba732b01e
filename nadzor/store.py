"""The store: one DuckDB file (default ``nadzor.duckdb``), its schema, and a content-addressed archive of every
ingested file beside it (``nadzor.duckdb.archive/ab/abcdef...``).

The archive is part of the store: a release that is a line of an uncompressed JSON-lines file is read from its
archived file (``Store.release_texts``), not kept a second time in the database.

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

__all__ = ["Store", "SCHEMA_VERSION", "MODEL_TABLES", "archive_dir_for", "read_release_texts"]

SCHEMA_VERSION = "1"
# The DuckDB storage format a new store is written in. From v1.3.0 DuckDB compresses strings with a dictionary and
# FSST together: measured on the tables of 100k generated releases (benchmarks/store_write.py), writing took 3.6 s
# instead of 4.8 s and the file 71 MiB instead of 78. Such a file opens in DuckDB 1.3.0 (May 2025) and later.
STORAGE_VERSION = "v1.3.0"

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
        self._copies: dict[str, _BackgroundCopy] = {}  # sha256 -> archive copy being made (archive_file)

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
            # The storage format applies when the file is made (an existing file keeps its own). It is passed on every
            # opening for writing all the same: DuckDB refuses a second connection to a file in the same process
            # with another configuration than the first.
            config = {} if read_only else {"storage_compatibility_version": STORAGE_VERSION}
            con = duckdb.connect(str(path), read_only=read_only, config=config)
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
        """Close the connection (and drop any archive copy nobody finished)."""
        self.abandon_archives()
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def migrate(self) -> None:
        """Create missing tables; record the schema version; undo what an interrupted ingest left."""
        self.con.execute(schema_sql())
        # A store made before releases could be kept by reference: add the reference columns (NULL: its
        # releases keep their text in data) and let data be NULL.
        if not self._has_release_refs():
            self.con.execute("ALTER TABLE releases ADD COLUMN data_offset BIGINT")
            self.con.execute("ALTER TABLE releases ADD COLUMN data_length BIGINT")
            self.con.execute("ALTER TABLE releases ALTER COLUMN data DROP NOT NULL")
            self._release_refs = True
        self.con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
        )
        if self.discard_incomplete():
            # Processes that also had releases from complete files were emptied with the partial file; rebuild
            # them now, so that a command run before the next ingest (e.g. `analyze`) sees every process.
            from nadzor.ingest.api import rebuild_pending

            rebuild_pending(self)
        self._remove_unfinished_copies()

    def _remove_unfinished_copies(self) -> None:
        """Delete the temporary files of archive copies a kill interrupted (``.incoming-*``): only one process can
        open the store for writing, so none of them is being written now, except by this process's own background
        copies (another Store on the same file), which are left alone."""
        if self.path is None or not self.archive_dir.is_dir():
            return
        for p in [*self.archive_dir.glob(".incoming-*"), *self.archive_dir.glob("*/.incoming-*")]:
            if p not in _BackgroundCopy.running:
                p.unlink(missing_ok=True)

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
                # by source too: the ingest's row writer (nadzor.normalize.stage.RowSink) commits model rows on its
                # own, so a kill can leave rows whose releases were never committed
                con.execute(f"DELETE FROM {table} WHERE ocid IN (SELECT ocid FROM _gone_ocids) "
                            "OR source_id IN (SELECT source_id FROM _gone)")
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

    # -- release texts ---------------------------------------------------------------------------------------
    def _has_release_refs(self) -> bool:
        if getattr(self, "_release_refs", None) is None:
            self._release_refs = bool(self.con.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'main' "
                "AND table_name = 'releases' AND column_name = 'data_offset'").fetchone()[0])
        return self._release_refs

    def release_ref_sql(self, alias: str = "r", text: str | None = None) -> str:
        """Return the four SQL columns :func:`read_release_texts` needs for the releases table aliased ``alias``.

        ``text`` replaces the first column (the stored text), e.g. to prefer ``processes.compiled``. A store
        opened read-only that predates references has no reference columns: NULLs stand in for them.
        """
        text = text or f"CAST({alias}.data AS VARCHAR)"
        if self._has_release_refs():
            return f"{text}, {alias}.source_id, {alias}.data_offset, {alias}.data_length"
        return f"{text}, {alias}.source_id, NULL::BIGINT, NULL::BIGINT"

    def release_texts(self, rows) -> list[str | None]:
        """Return the text of each release from rows selected with :meth:`release_ref_sql` (see
        :func:`read_release_texts`)."""
        return read_release_texts(self.archive_dir, rows, {sha: c.src for sha, c in self._copies.items()})

    def select_release_texts(self, where: str = "TRUE", params: list | None = None) -> list[str | None]:
        """Return the texts of the releases (table alias ``r``) matching a SQL condition, in release_key order."""
        refs = self.con.execute(f"SELECT {self.release_ref_sql('r')} FROM releases r WHERE {where} "
                                "ORDER BY r.release_key", params or []).fetchall()
        return self.release_texts(refs)

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

    def archive_file(self, src: Path, *, background: bool = False) -> tuple[str, Path, int]:
        """Copy ``src`` into the archive under its sha256; return (sha256, archived path, size).

        The copy is written to a temporary name and renamed, so a kill never leaves a partial archive entry.

        With ``background``, the file is only hashed here and a thread copies it while the caller reads it: read it
        from :meth:`reading_path` (``src`` until the copy is done), and call :meth:`finish_archive` before the
        store may rely on the archived file (:meth:`abandon_archives` after an error).
        """
        if background:
            return self._archive_in_background(Path(src))
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

    def _archive_in_background(self, src: Path) -> tuple[str, Path, int]:
        before = os.stat(src)
        h = hashlib.sha256()
        size = 0
        with open(src, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
        digest = h.hexdigest()
        dest = self.archive_path(digest)
        if not dest.exists() and digest not in self._copies:
            self.archive_dir.mkdir(parents=True, exist_ok=True)
            self._copies[digest] = _BackgroundCopy(src, dest, before)
        return digest, dest, size

    def reading_path(self, sha256: str) -> Path:
        """Where to read an archived file now: its original while a background copy is still being made."""
        copy = self._copies.get(sha256)
        return copy.src if copy is not None else self.archive_path(sha256)

    def finish_archive(self, sha256: str) -> None:
        """Wait for the background copy of a file (if any) and put it in the archive. Raises StoreError if the
        copy failed or the original changed after it was hashed (its rows would not match the archived file)."""
        copy = self._copies.pop(sha256, None)
        if copy is not None:
            copy.finish()

    def abandon_archives(self) -> None:
        """Stop waiting for background copies (after an error): each is finished and its temporary file removed."""
        while self._copies:
            self._copies.popitem()[1].abandon()

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


class _BackgroundCopy:
    """A file copied into the archive by a thread (the kernel's copy: ``shutil.copyfile``), to a temporary name."""

    running: set[Path] = set()  # the temporary files being written, in this process

    def __init__(self, src: Path, dest: Path, before: os.stat_result):
        import threading

        self.src, self.dest, self.before = src, dest, before
        fd, tmp = tempfile.mkstemp(dir=dest.parent.parent, prefix=".incoming-")
        os.close(fd)
        self.tmp = Path(tmp)
        self.running.add(self.tmp)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="nadzor-archive-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            shutil.copyfile(self.src, self.tmp)
        except BaseException as exc:  # raised by finish()
            self.error = exc

    def finish(self) -> None:
        self.thread.join()
        try:
            if self.error is not None:
                raise StoreError(f"{self.src}: could not be copied into the archive: {self.error}") from self.error
            now = os.stat(self.src)
            if ((now.st_size, now.st_mtime_ns, now.st_ino) !=
                    (self.before.st_size, self.before.st_mtime_ns, self.before.st_ino)
                    or self.tmp.stat().st_size != self.before.st_size):
                raise StoreError(f"{self.src}: the file changed while it was being ingested; ingest it again")
            self.dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.tmp, self.dest)
        finally:
            self._forget()

    def abandon(self) -> None:
        self.thread.join()
        self._forget()

    def _forget(self) -> None:
        self.tmp.unlink(missing_ok=True)
        self.running.discard(self.tmp)


def read_release_texts(archive_dir: Path, rows, originals: dict[str, Path] | None = None) -> list[str | None]:
    """Return the text of each release, given rows of (text, source_id, data_offset, data_length).

    A row with text keeps it; a row with an offset is read from its archived file (``archive_dir``/ab/<sha256>),
    each file opened once and read in offset order, so a batch of many releases is one forward pass per file.
    Every reader of release texts goes through here. A missing or truncated archived file raises StoreError
    naming the file and its sha256. ``originals`` gives the file to read instead while an archive copy is made.
    """
    out: list[str | None] = []
    wanted: dict[str, list[tuple[int, int, int]]] = {}
    for i, (text, source_id, offset, length) in enumerate(rows):
        out.append(text)
        if text is None and offset is not None:
            wanted.setdefault(source_id, []).append((offset, length, i))
    for source_id, refs in wanted.items():
        path = (originals or {}).get(source_id) or archive_dir / source_id[:2] / source_id
        try:
            f = open(path, "rb")
        except OSError as exc:
            raise StoreError(
                f"the archived file {path} (sha256 {source_id}) is missing or unreadable ({exc.strerror or exc}): "
                "the store keeps releases of JSON-lines files by reference into its archive. Put the archive "
                "folder back beside the database, or ingest that file again into a new store") from exc
        refs.sort()
        with f:
            for offset, length, i in refs:
                f.seek(offset)
                raw = f.read(length)
                if len(raw) != length:
                    raise StoreError(f"the archived file {path} (sha256 {source_id}) is shorter than the store "
                                     f"expects (a release at byte {offset}): the archive was changed")
                out[i] = raw.decode("utf-8")
    return out


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
