"""Stage lines of JSON-lines files natively: one parse per line gives its release key and, for a compiled release,
its rows in every model table, as the SQL path would make them.

The SQL path (``nadzor.ingest.ocds._stage_batch``: classification with ``json_transform``, then
``nadzor.normalize.flatten``) parses each line twice in DuckDB and unnests every array in SQL; this path does the
same work in C (``_stage.c``, yyjson) while two threads share the lines, and hands the rows to DuckDB as Arrow C
streams without copying them again.

Identical results by construction: the C code takes only lines whose shape is plain (every field the SQL path reads
is absent, null or of the JSON type it expects; no key it reads is repeated; ids are strings; no ``__nz_origin``
marks, packages or records). Every other line is *declined* and goes down the SQL path as before, with all its
checks, explanations and quarantine. A line is never half taken. Only lines kept by reference (uncompressed JSON
lines, ``releases.data_offset``) come this way, since their text need not be stored again.

What comes back per block: the declined mask, a ``keys`` table (the columns of ``_keys`` in ocds.py), and one
table per model table with the store's columns except ``source_id`` (one file per block, so it is added as a
constant in SQL), each led by ``seq``, the unit's number in the batch. ``VARCHAR[]`` values travel as text with each
item preceded by ``\\x1f`` (``list_sql`` turns them back into lists).

The extension is optional: ``available()`` says whether it was built; without it everything takes the SQL path.
"""

from __future__ import annotations

import functools
import os
import queue
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

__all__ = ["LAYOUT", "MODEL", "FLUSH_ROWS", "MMAP_THRESHOLD", "ARENA_MAX", "available", "enabled", "tune_heap",
           "Staged", "RowSink", "stage_units", "insert_sql", "insert_per_source", "list_sql"]

try:
    from nadzor.normalize import _stage
except ImportError:  # built without a C compiler: the ingest stages everything in SQL
    _stage = None


def _layout(*fields) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(f.split(":")) for f in fields)


_VALUE = ("value_amount:f", "value_currency:s")
# Column names (the store's, where they go to a store table) and kinds ("i" int64, "f" float64, "s" string; "l" a
# string holding a VARCHAR[] list) of each table, as _stage.c returns them. Mirrors LAYOUT there (checked by
# ``available``).
LAYOUT = {
    "keys": _layout("seq:i", "kind:s", "ocid:s", "release_id:s", "date:s", "tag:l", "content_hash:s",
                    "release_key:s", "locator:s", "data_offset:i", "data_length:i"),
    "processes": _layout("seq:i", "ocid:s", "compiled_from:s", "date:s", "title:s", "description:s", "status:s",
                         "buyer_id:s", "buyer_name:s", "procuring_entity_id:s", "procuring_entity_name:s",
                         "procurement_method:s", "procurement_method_details:s", "main_procurement_category:s",
                         "tender_value_amount:f", "tender_value_currency:s", "tender_start:s", "tender_end:s",
                         "number_of_tenderers:i", "award_value_amount:f", "award_value_currency:s",
                         "contract_value_amount:f", "contract_value_currency:s", "language:s", "locator:s"),
    "lots": _layout("seq:i", "ocid:s", "lot_id:s", "title:s", "description:s", "status:s", *_VALUE, "locator:s"),
    "items": _layout("seq:i", "ocid:s", "origin:s", "parent_id:s", "item_id:s", "description:s",
                     "classification_scheme:s", "classification_id:s", "classification_description:s",
                     "additional_classifications:s", "quantity:f", "unit_name:s", "unit_value_amount:f",
                     "unit_value_currency:s", "related_lot:s", "locator:s"),
    "parties": _layout("seq:i", "ocid:s", "party_id:s", "name:s", "identifier_scheme:s", "identifier_id:s",
                       "identifier_legal_name:s", "additional_identifiers:s", "roles:l", "street_address:s",
                       "locality:s", "region:s", "postal_code:s", "country_name:s", "locator:s"),
    "bids": _layout("seq:i", "ocid:s", "bid_id:s", "bid_index:i", "status:s", "date:s", *_VALUE, "related_lots:l",
                    "locator:s"),
    "bid_tenderers": _layout("seq:i", "ocid:s", "bid_id:s", "bid_index:i", "tenderer_id:s", "tenderer_name:s",
                             "locator:s"),
    "awards": _layout("seq:i", "ocid:s", "award_id:s", "award_index:i", "title:s", "status:s", "date:s", *_VALUE,
                      "related_lots:l", "related_bids:l", "number_of_tenderers:i", "locator:s"),
    "award_suppliers": _layout("seq:i", "ocid:s", "award_id:s", "award_index:i", "supplier_id:s",
                               "supplier_name:s", "locator:s"),
    "contracts": _layout("seq:i", "ocid:s", "contract_id:s", "award_id:s", "title:s", "status:s", "period_start:s",
                         "period_end:s", "date_signed:s", *_VALUE, "locator:s"),
    "amendments": _layout("seq:i", "ocid:s", "parent:s", "parent_id:s", "amendment_id:s", "date:s", "rationale:s",
                          "description:s", "amends_release_id:s", "release_id:s", "locator:s"),
    "documents": _layout("seq:i", "ocid:s", "parent:s", "parent_id:s", "document_id:s", "document_type:s",
                         "title:s", "description:s", "url:s", "format:s", "language:s", "date_published:s",
                         "locator:s"),
}
MODEL = [name for name in LAYOUT if name != "keys"]
# Per table: its column names, and the kinds of the Arrow columns _stage.c makes ("l" travels as a string).
_NAMES = {name: tuple(c for c, _ in cols) for name, cols in LAYOUT.items()}
_KINDS = {name: "".join("s" if k == "l" else k for _, k in cols) for name, cols in LAYOUT.items()}

# Lines per call of the extension: two threads take turns, and a declined line costs one parse too many.
_CHUNK = 2_500


@functools.cache
def available() -> bool:
    """Return True if the native stager was built and matches this module's table layout."""
    if _stage is None or getattr(_stage, "API", 0) < 1:
        return False
    from nadzor.indicators.cardinal import flatten

    if not flatten.available():  # its arrow_stream hands the rows to DuckDB
        return False
    return _stage.layout() == tuple(_KINDS.values())


def enabled() -> bool:
    """Return True if the ingest should stage natively: built, and not turned off (``NADZOR_NATIVE_STAGE=0``)."""
    return os.environ.get("NADZOR_NATIVE_STAGE", "1") != "0" and available()


@dataclass
class Staged:
    """What the native stager made of a batch: per unit whether it was declined, and per table its RawTables
    (one per block) with the source id of each."""

    declined: bytearray
    tables: dict[str, list]
    sources: list[str]

    @property
    def handled(self) -> int:
        return len(self.declined) - sum(self.declined)


def split_lines(data: bytes, first_line: int):
    """Split a chunk of a JSON-lines file in C (see ``split_lines`` in _stage.c): ``(lines, n, text_offsets, text,
    locator_offsets, locator, starts)`` of its n non-blank lines, or None when the chunk is not UTF-8 or the
    extension is not there (or ``NADZOR_NATIVE_STAGE=0``): the caller then splits it in Arrow."""
    split = getattr(_stage, "split_lines", None)
    if split is None or os.environ.get("NADZOR_NATIVE_STAGE", "1") == "0":
        return None
    return split(data, first_line)


def stage_units(units, *, threads: int = 2) -> Staged:
    """Stage the rows of a pyarrow table of units (``source_id``, ``locator``, ``text``, ``hint``, ``data_offset``,
    ``data_length``; a unit's ``seq`` is its row number) that can take this path: those with no version hint and
    kept by reference. Other units are marked declined."""
    from nadzor.indicators.cardinal.flatten import RawTable

    declined = bytearray(b"\x01" * units.num_rows)
    jobs = []  # (first row, stop row, buffers, source id)
    row = 0
    columns = [units.column(name).chunks for name in ("source_id", "locator", "text", "hint", "data_offset")]
    for src, loc, text, hint, offsets in zip(*columns):
        n = len(text)
        if n and hint.null_count == n and offsets.null_count == 0:
            sources = src.unique()
            if len(sources) == 1:
                loc, text, offsets = (_unsliced(a) for a in (loc, text, offsets))
                bufs = (text.buffers()[1], text.buffers()[2] or b"", loc.buffers()[1], loc.buffers()[2] or b"",
                        offsets.buffers()[1])
                for start in range(0, n, _CHUNK):
                    jobs.append((row, start, min(n, start + _CHUNK), bufs, sources[0].as_py()))
        row += n

    def run(job):
        first, start, stop, bufs, _source = job
        return _stage.stage_block(*bufs, start, stop, first + start)

    tables: dict[str, list] = {name: [] for name in LAYOUT}
    sources = []
    if jobs:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(run, jobs))
        for (first, start, stop, _bufs, source), (mask, raw) in zip(jobs, results):
            declined[first + start:first + stop] = mask
            sources.append(source)
            for name, cols in zip(LAYOUT, raw):
                rows = len(cols[0][1]) // 8  # seq: int64 values
                tables[name].append(RawTable(_NAMES[name], _KINDS[name], rows, cols))
    return Staged(declined, tables, sources)


def _unsliced(array):
    """The array with offset 0 (the extension indexes the buffers from their start)."""
    import pyarrow as pa

    return array if array.offset == 0 else pa.concat_arrays([array])


def list_sql(column: str) -> str:
    """SQL turning a list sent as text (each item preceded by \\x1f) back into VARCHAR[]."""
    return (f"CASE WHEN {column} = '' THEN CAST([] AS VARCHAR[]) "
            f"WHEN {column} IS NOT NULL THEN string_split({column}[2:], chr(31)) END")


def insert_sql(name: str, target: str, view: str, source_id: str, *, where: str = "") -> str:
    """An INSERT of the rows of table ``name`` in ``view`` into ``target`` (a store table or its batch copy)."""
    cols = [(c, k) for c, k in LAYOUT[name] if c != "seq"]
    names = [c for c, _ in cols]
    exprs = [list_sql(c) if k == "l" else c for c, k in cols]
    if name == "processes":
        names.append("release_count")
        exprs.append("1")
    literal = "'" + source_id.replace("'", "''") + "'"
    return (f"INSERT INTO {target} ({', '.join(names)}, source_id) "
            f"SELECT {', '.join(exprs)}, {literal} FROM {view} {where}")


# Rows of a table the sink collects before the writer appends them (to its one transaction, where DuckDB writes
# each row group to the file once it is full). It bounds what waits in Python: with the earlier writer (a
# transaction per append) 25,000 rows kept peak RSS at 1M under 1 GiB where 50,000 did not. That writer left
# 600 MiB of free blocks in a 1.4 GiB store at 1M when its appends were whole row groups (each was written at once
# and again at the checkpoint); the one transaction leaves none (1M: 747 MiB, 0 free blocks).
FLUSH_ROWS = 25_000


# Appends (a table's rows) that may wait for the writer. With 1, the ingest handed over a batch's appends and
# waited until the writer had nearly done them, then the writer waited while the next batch was staged: at 1M each
# waited for the other about 40% of the time. 12 is a batch's appends (one per table): 1M in 58-63 s instead of
# 77-80 s; peak RSS 852 MiB with 10,000-unit batches (1,042 MiB with 20,000).
QUEUED_JOBS = 12

# malloc settings of an ingesting process (see tune_malloc in _stage.c): allocations of this size and more are
# mapped from the system, never taken from the heap, and at most this many arenas are made.
MMAP_THRESHOLD = 256 << 10
ARENA_MAX = 2
_heap_tuned = False


def tune_heap() -> None:
    """Tune malloc for the rest of the process (glibc; once). The earlier the better: ``nadzor ingest`` calls it
    before it opens the store, ``ingest_paths`` in case nobody did. Measured at 100k generated releases
    (alternating runs): the fixed mmap threshold took 40-70 MiB off the peak RSS; the arena cap, set before
    the store opened, about 90 MiB more (set after, about 20 MiB). Speed within the machine's spread."""
    global _heap_tuned
    tune = getattr(_stage, "tune_malloc", None)
    if not _heap_tuned and tune is not None:
        tune(MMAP_THRESHOLD, ARENA_MAX)
    _heap_tuned = True


class RowSink:
    """Model-table rows of the native stager waiting to be appended to the store (``FLUSH_ROWS`` of a table at a
    time) by a writer thread on a connection of its own, while the ingest stages the next batch.

    Only rows that need nothing more from SQL wait here (every unit of their batch was taken as it is: totals made
    and values checked in C). The writer appends them all in one transaction of its own, committed by ``finish``
    after the ingest's last batch: DuckDB then compresses each full row group and writes it to the file as it fills,
    on the writer's thread, instead of logging the rows and compressing them all at the final checkpoint (100k
    generated releases: 7.5 s instead of 9.6 s, 10 CPU-s instead of 14.5). A kill or an error before that commit
    loses nothing the store needed: the writer's transaction is rolled back, and the files it belonged to are
    still marked ``loading`` (``Store.discard_incomplete`` removes the rest). ``close`` (after an error) stops the
    writer after its current append.
    """

    def __init__(self, con, *, background: bool = True):
        self.con = con
        self.pending: dict[str, list] = {name: [] for name in MODEL}
        self.rows: dict[str, int] = dict.fromkeys(MODEL, 0)
        self._queue = None
        self._thread = None
        self._error: BaseException | None = None
        self._background = background
        self._commit = False

    def add(self, staged: Staged) -> None:
        for name in MODEL:
            for table, source in zip(staged.tables[name], staged.sources):
                if table.num_rows:
                    self.pending[name].append((table, source))
                    self.rows[name] += table.num_rows

    def flush(self, *, force: bool = False) -> None:
        """Hand the writer the tables that have ``FLUSH_ROWS`` rows (every table with ``force``)."""
        for name in MODEL:
            if not self.pending[name] or (not force and self.rows[name] < FLUSH_ROWS):
                continue
            job = (name, self.pending[name])
            self.pending[name], self.rows[name] = [], 0
            if self._background:
                self._start()
                self._queue.put(job)  # blocks while QUEUED_JOBS wait: memory stays bounded
            else:
                self._append(self.con, *job)
        self._raise()

    def finish(self) -> None:
        """Append everything still held and wait for the writer."""
        self.flush(force=True)
        self._commit = True
        self._stop()
        self._raise()

    def close(self) -> None:
        """Drop what is held and stop the writer (after its current append)."""
        self.pending = {name: [] for name in MODEL}
        if self._thread is not None:
            while True:  # empty the queue, then tell the writer to stop
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._stop()

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _start(self) -> None:
        if self._thread is not None:
            return
        import threading

        # One writer: with two (each on a cursor of its own) an ingest hung inside DuckDB, one writer creating its
        # view while the other inserted.
        self._queue = queue.Queue(maxsize=QUEUED_JOBS)
        self._thread = threading.Thread(target=self._run, args=(self.con.cursor(),), name="nadzor-row-writer",
                                        daemon=True)
        self._thread.start()

    def _run(self, cursor) -> None:
        try:
            cursor.execute("BEGIN TRANSACTION")
            while (job := self._queue.get()) is not None:
                if self._error is None:
                    try:
                        self._append(cursor, *job)
                    except BaseException as exc:  # handed to the ingest's thread
                        self._error = exc
            if self._commit and self._error is None:
                cursor.execute("COMMIT")
        except BaseException as exc:
            self._error = self._error or exc
        finally:
            cursor.close()  # what was not committed is rolled back

    @staticmethod
    def _append(con, name: str, tables: list) -> None:
        import threading

        # views are seen by every cursor of the store: a name of the writer's own
        insert_per_source(con, tables, lambda view, sid: insert_sql(name, name, view, sid),
                          view=f"_native_sink_{threading.get_ident()}")


def insert_per_source(con, tables, sql, *, view: str = "_native_view") -> None:
    """Run ``sql(view, source_id)`` over the native stager's rows in ``tables`` ((RawTable, source id) pairs), one
    source file at a time, ``view`` reading the file's tables as one Arrow stream without copying them."""
    from nadzor.indicators.cardinal.flatten import arrow_stream, release_pending

    by_source: dict[str, list] = {}
    for table, source in tables:
        if table.num_rows:
            by_source.setdefault(source, []).append(table)
    for source, group in by_source.items():
        con.from_arrow(arrow_stream(group)).create_view(view, replace=True)
        con.execute(sql(view, source))
    con.execute(f"DROP VIEW IF EXISTS {view}")
    release_pending()
