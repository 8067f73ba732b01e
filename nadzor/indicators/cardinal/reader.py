"""Read a JSON-lines file of compiled releases into the flat tables the indicators use.

Only the fields the 11 indicators need are read, with the JSON type checks Cardinal makes: an amount counts only
if it is a JSON number, an identifier only if it is a string, ``numberOfTenderers`` only if it is the integer 1.
Each flat table keeps the array positions (``bid_idx``, ``award_idx``) because Cardinal's tie rules follow array
order.

Two implementations give the same tables (tests pin them together):

- the native flattener (``flatten``: yyjson in C on two threads, Arrow hand-over), the default where ``pip
  install`` could build it. It follows Cardinal's serde_json where DuckDB is laxer (``1e400``, ``NaN`` and trailing
  commas skip the line; a duplicate key keeps its last value). Beyond 64 MiB its tables go into a compressed
  in-memory catalog (``nz_flat``), about 110 MiB at 1M releases instead of 770 MiB, so the queries do not spill;
- DuckDB's ``read_json`` with every leaf read as raw JSON so that its JSON type survives, typed inside the single
  read pass (without a C compiler, or with ``NADZOR_JSON_READER=duckdb``).

A connection the reader creates has its memory bounded (``NADZOR_MEMORY_LIMIT``; by default 224MB with the
native reader, else 512MB for the read and ``QUERY_MEMORY_LIMIT`` for the queries, see
:func:`bound_query_memory`) and spills to a temporary directory removed with the connection.

Tables (all keyed by ``pid``, the release's position in the file):

- ``processes``: ocid, tender_status, pm, pmd, nt_one, start_us, end_us, buyer_id, pe_id, has_awards,
  has_details
- ``bids``: pid, bid_idx, status, late (the bid's date sorts after the tender period's end date, both strings,
  compared as Cardinal does: bytewise, time zones not normalised; null unless both are strings), amount, currency,
  has_tenderers, sole_tenderer_id (the tenderer's string id when the bid has exactly one tenderer, so most
  indicators need no join with the next table)
- ``bid_tenderers``: pid, bid_idx, tenderer_id, for the bids without a ``sole_tenderer_id`` (consortia, ids that
  are not strings): the others' tenderer is in ``bids`` already (``Run.bid_tenderer_rows`` has them all)
- ``awards``: pid, award_idx, status, has_suppliers, n_suppliers
- ``award_suppliers``: pid, award_idx, supplier_id
- ``award_items``: pid, award_idx, classification_id

With the native reader the organisation ids (``ORG_COLUMNS``) are BIGINT codes, which the queries join and
group faster than strings; ``FlatTables.org_names`` turns a code back into the id (see ``FlatTables.schemas``).
The DuckDB reader keeps them VARCHAR. Nothing may depend on the order of the codes (it is first-seen order, not
string order): only equality.
"""

from __future__ import annotations

import collections
import logging
import os
import shutil
import sys
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import duckdb

from nadzor.exceptions import InputError

__all__ = ["FlatTables", "read_releases", "READERS", "bound_query_memory", "QUERY_MEMORY_LIMIT", "TABLES",
           "EXTENDED_TABLES", "SCHEMAS", "ORG_COLUMNS", "org_decoder", "warn_invalid_lines", "json_lines"]

log = logging.getLogger(__name__)

TABLES = ("processes", "bids", "bid_tenderers", "awards", "award_suppliers", "award_items")

_COLUMNS = {
    "ocid": "JSON",
    "buyer": "STRUCT(id JSON)",
    "tender": (
        "STRUCT(status JSON, procurementMethod JSON, procurementMethodDetails JSON, numberOfTenderers JSON, "
        "tenderPeriod STRUCT(startDate JSON, endDate JSON), procuringEntity STRUCT(id JSON))"
    ),
    "bids": (
        "STRUCT(details STRUCT(status JSON, date JSON, value STRUCT(amount JSON, currency JSON), "
        "tenderers STRUCT(id JSON)[])[])"
    ),
    "awards": "STRUCT(status JSON, suppliers STRUCT(id JSON)[], items STRUCT(classification STRUCT(id JSON))[])[]",
}

_MACROS = """
CREATE OR REPLACE TEMP MACRO nz_s(x) AS CASE WHEN json_type(x) = 'VARCHAR' THEN json_extract_string(x, '$') END;
CREATE OR REPLACE TEMP MACRO nz_n(x) AS
    CASE WHEN json_type(x) IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN TRY_CAST(x AS DOUBLE) END;
CREATE OR REPLACE TEMP MACRO nz_rfc3339_us(x) AS CASE
    WHEN regexp_full_match(x, '\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})')
    THEN epoch_us(TRY_CAST(x AS TIMESTAMPTZ)) END;
"""


@dataclass
class FlatTables:
    """The flat tables in a DuckDB connection, plus how many lines were read.

    ``org_names`` is None when the organisation ids are strings, else the sequence from code to id
    (``org_names[code]``) of the BIGINT codes in the ``ORG_COLUMNS``.
    """

    con: duckdb.DuckDBPyConnection
    rows: int
    owns_connection: bool = False
    native: bool = False  # read by the native reader (small tables, or compressed: see reader._compress)
    org_names: Sequence[str] | None = None

    @property
    def schemas(self) -> dict[str, dict[str, str]]:
        """The column types of each table (``SCHEMAS``, with BIGINT organisation ids when they are codes)."""
        return SCHEMAS if self.org_names is None else CODED_SCHEMAS

    def org_name(self, value):
        """Return the organisation id of a value of an ``ORG_COLUMNS`` column (the value itself if not a code)."""
        return org_decoder(self.org_names)(value)

    def to_parquet(self, directory: Path) -> dict[str, Path]:
        """Write each table to ``directory/<name>.parquet`` (the hand-over to another engine)."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = {}
        present = {r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for name in TABLES + tuple(t for t in EXTENDED_TABLES if t in present):
            path = directory / f"{name}.parquet"
            self.con.execute(f"COPY {name} TO '{path}' (FORMAT parquet)")
            paths[name] = path
        return paths


# Extra fields read only when a nadzor variant is on (see ``extended``), so Cardinal mode reads no more.
_EXTENDED_COLUMNS = {
    **_COLUMNS,
    "bids": (
        "STRUCT(details STRUCT(id JSON, status JSON, date JSON, value STRUCT(amount JSON, currency JSON), "
        "tenderers STRUCT(id JSON)[], relatedLots JSON[])[])"
    ),
    "awards": (
        "STRUCT(status JSON, suppliers STRUCT(id JSON)[], items STRUCT(classification STRUCT(id JSON))[], "
        "relatedBid JSON, relatedBids JSON[], relatedLots JSON[])[]"
    ),
    "parties": "STRUCT(id JSON, identifier STRUCT(scheme JSON, id JSON))[]",
}

EXTENDED_TABLES = ("bid_ids", "bid_lots", "award_related_bids", "award_lots")

_KEY_BID = {"pid": "BIGINT", "bid_idx": "BIGINT"}
_KEY_AWARD = {"pid": "BIGINT", "award_idx": "BIGINT"}
# Column types of every flat table (DuckDB names), as the reader creates them.
SCHEMAS = {
    "processes": {"pid": "BIGINT", "ocid": "VARCHAR", "tender_status": "VARCHAR", "pm": "VARCHAR", "pmd": "VARCHAR",
                  "nt_one": "BOOLEAN", "start_us": "BIGINT", "end_us": "BIGINT",
                  "buyer_id": "VARCHAR", "pe_id": "VARCHAR", "has_awards": "BOOLEAN", "has_details": "BOOLEAN"},
    "bids": {**_KEY_BID, "status": "VARCHAR", "late": "BOOLEAN", "amount": "DOUBLE", "currency": "VARCHAR",
             "has_tenderers": "BOOLEAN", "sole_tenderer_id": "VARCHAR"},
    "bid_tenderers": {**_KEY_BID, "tenderer_id": "VARCHAR"},
    "awards": {**_KEY_AWARD, "status": "VARCHAR", "has_suppliers": "BOOLEAN", "n_suppliers": "BIGINT"},
    "award_suppliers": {**_KEY_AWARD, "supplier_id": "VARCHAR"},
    "award_items": {**_KEY_AWARD, "classification_id": "VARCHAR"},
    "bid_ids": {**_KEY_BID, "bid_id": "VARCHAR"},
    "bid_lots": {**_KEY_BID, "lot_id": "VARCHAR"},
    "award_related_bids": {**_KEY_AWARD, "bid_id": "VARCHAR"},
    "award_lots": {**_KEY_AWARD, "lot_id": "VARCHAR"},
}


def org_decoder(org_names):
    """Return the function from a value of an organisation id column to the id (identity if ``org_names`` is None,
    the ids being strings already; else ``org_names[code]``)."""
    if org_names is None:
        return lambda value: value
    return lambda value: None if value is None else org_names[value]


# The organisation ids: the columns the native reader stores as codes (the party identifiers' keys are mapped onto
# them too, see ``_apply_party_identifiers``).
ORG_COLUMNS = {"processes": ("buyer_id", "pe_id"), "bids": ("sole_tenderer_id",), "bid_tenderers": ("tenderer_id",),
               "award_suppliers": ("supplier_id",)}
CODED_SCHEMAS = {name: {c: "BIGINT" if c in ORG_COLUMNS.get(name, ()) else t for c, t in columns.items()}
                 for name, columns in SCHEMAS.items()}


def _columns_sql(columns=None) -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in (columns or _COLUMNS).items()) + "}"


def _compact_select(src: str, extended: bool, party_identifiers: bool) -> str:
    # JSON leaves are checked and typed inside the read pass, so the only materialised copy of the input is
    # compact (strings and doubles, no raw JSON): at 1M releases that is what keeps the peak memory low.
    bid = ("'status': nz_s(b.status), 'late': nz_s(b.date) > nz_s(tender.tenderPeriod.endDate), "
           "'amount': nz_n(b.value.amount), "
           "'currency': nz_s(b.value.currency), 'tenderers': list_transform(b.tenderers, t -> nz_s(t.id))")
    award = ("'status': nz_s(a.status), 'suppliers': list_transform(a.suppliers, s -> nz_s(s.id)), "
             "'items': list_transform(a.items, i -> nz_s(i.classification.id))")
    if extended or party_identifiers:
        bid += ", 'id': nz_s(b.id), 'lots': list_filter(list_transform(b.relatedLots, l -> nz_s(l)), l -> l IS NOT NULL)"
        award += (", 'related_bids': list_filter(list_prepend(nz_s(a.relatedBid), "
                  "coalesce(list_transform(a.relatedBids, r -> nz_s(r)), [])), r -> r IS NOT NULL), "
                  "'lots': list_filter(list_transform(a.relatedLots, l -> nz_s(l)), l -> l IS NOT NULL)")
    parties = ""
    if party_identifiers:
        parties = (", list_transform(parties, pt -> {'id': nz_s(pt.id), "
                   "'key': nz_s(pt.identifier.scheme) || '-' || nz_s(pt.identifier.id)}) AS parties")
    columns = _columns_sql(_EXTENDED_COLUMNS if extended or party_identifiers else None)
    return f"""SELECT ocid IS NULL AS unparsed, nz_s(ocid) AS ocid,
            nz_s(tender.status) AS tender_status,
            nz_s(tender.procurementMethod) AS pm,
            nz_s(tender.procurementMethodDetails) AS pmd,
            coalesce(json_type(tender.numberOfTenderers) = 'UBIGINT'
                     AND TRY_CAST(tender.numberOfTenderers AS UBIGINT) = 1, false) AS nt_one,
            nz_s(tender.tenderPeriod.startDate) AS start_date,
            nz_s(tender.tenderPeriod.endDate) AS end_date,
            nz_s(buyer.id) AS buyer_id,
            nz_s(tender.procuringEntity.id) AS pe_id,
            list_transform(bids.details, b -> {{{bid}}}) AS bids,
            list_transform(awards, a -> {{{award}}}) AS awards{parties}
        FROM read_json('{src}', format = 'newline_delimited', columns = {columns},
            ignore_errors = true, maximum_object_size = 67108864)"""


# The native path: bytes per block handed to a thread (large enough to amortise the per-block work, small enough
# to bound memory), and the number of blocks appended to DuckDB between two checkpoints (which compress them).
_BLOCK = 16 << 20
_BATCH = 16
# Blocks appended together (one INSERT per table), and the mask of a block-local pid (see ``_blocks``).
_APPEND = 4
_LOCAL_PID = (1 << 32) - 1
# The flat tables stay uncompressed up to this much Arrow data (about 170k generated releases, 100k take 37 MiB;
# DuckDB holds them in somewhat more, well inside NATIVE_MEMORY_LIMIT); beyond it they are compressed (_compress).
_PLAIN_BYTES = 64 << 20
READERS = ("native", "duckdb")


def read_releases(path: str | Path, *, con: duckdb.DuckDBPyConnection | None = None, threads: int | None = None,
                  warn: bool = True, extended: bool = False, party_identifiers: bool = False,
                  method: str | None = None) -> FlatTables:
    """Read compiled releases (JSON lines) into flat tables in ``con`` (a new in-memory DuckDB by default).

    Invalid JSON and invalid UTF-8 lines are skipped with a warning on stderr (blank lines silently), as Cardinal
    does. Raises InputError if the file cannot be opened. ``extended`` also reads bid ids, lots and awards'
    related bids (tables ``bid_ids``, ``bid_lots``, ``award_related_bids``, ``award_lots``);
    ``party_identifiers`` replaces organisation ids by ``scheme-id`` of the matching party's identifier.
    ``method`` is "native" or "duckdb" (default: ``NADZOR_JSON_READER``, else native when it was built).
    """
    method = _method(method)
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file" if not p.exists() else f"{p}: is a directory, not a file")
    owns = con is None
    if owns:
        con = duckdb.connect()
        _bound_memory(con, NATIVE_MEMORY_LIMIT if method == "native" else "512MB")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if os.path.getsize(p) == 0:
        _empty(con)
        return FlatTables(con, 0, owns)
    con.execute(_MACROS)
    if method == "native":
        return _read_native(con, p, threads, warn, extended or party_identifiers, party_identifiers, owns)
    src = str(p).replace("'", "''")
    con.execute(f"CREATE OR REPLACE TEMP TABLE nz_raw AS {_compact_select(src, extended, party_identifiers)}")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE processes AS SELECT
            rowid AS pid, ocid, tender_status, pm, pmd, nt_one,
            nz_rfc3339_us(start_date) AS start_us, nz_rfc3339_us(end_date) AS end_us,
            buyer_id, pe_id, awards IS NOT NULL AS has_awards, bids IS NOT NULL AS has_details
        FROM nz_raw WHERE ocid IS NOT NULL"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE nz_bids AS
        SELECT rowid AS pid, unnest(bids) AS b, unnest(range(len(bids))) AS bid_idx
        FROM nz_raw WHERE ocid IS NOT NULL AND bids IS NOT NULL"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE bids AS SELECT pid, bid_idx,
            b.status AS status, b.late AS late, b.amount AS amount, b.currency AS currency,
            b.tenderers IS NOT NULL AS has_tenderers,
            CASE WHEN len(b.tenderers) = 1 THEN b.tenderers[1] END AS sole_tenderer_id
        FROM nz_bids"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE bid_tenderers AS
        SELECT pid, bid_idx, unnest(b.tenderers) AS tenderer_id FROM nz_bids
        WHERE b.tenderers IS NOT NULL AND NOT coalesce(len(b.tenderers) = 1 AND b.tenderers[1] IS NOT NULL, false)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE nz_awards AS
        SELECT rowid AS pid, unnest(awards) AS a, unnest(range(len(awards))) AS award_idx
        FROM nz_raw WHERE ocid IS NOT NULL AND awards IS NOT NULL"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE awards AS SELECT pid, award_idx, a.status AS status,
            a.suppliers IS NOT NULL AS has_suppliers, CAST(coalesce(len(a.suppliers), 0) AS BIGINT) AS n_suppliers
        FROM nz_awards"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE award_suppliers AS
        SELECT pid, award_idx, unnest(a.suppliers) AS supplier_id FROM nz_awards WHERE a.suppliers IS NOT NULL"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE award_items AS
        SELECT pid, award_idx, unnest(a.items) AS classification_id FROM nz_awards WHERE a.items IS NOT NULL"""
    )
    if extended or party_identifiers:
        _extended(con)
    if party_identifiers:
        _apply_party_identifiers(con)
    rows, unparsed = con.execute("SELECT count(*), count(*) FILTER (WHERE unparsed) FROM nz_raw").fetchone()
    if warn and unparsed:
        # Rare: only then re-read the file in Python to name the invalid lines, as Cardinal warns per line.
        warn_invalid_lines(p)
    con.execute("DROP TABLE nz_bids; DROP TABLE nz_awards; DROP TABLE nz_raw")
    return FlatTables(con, rows, owns)


def _method(method: str | None) -> str:
    from nadzor.indicators.cardinal import flatten

    chosen = method or os.environ.get("NADZOR_JSON_READER") or ("native" if flatten.available() else "duckdb")
    if chosen not in READERS:
        raise InputError(f"NADZOR_JSON_READER: {chosen!r} is not one of {', '.join(READERS)}")
    if chosen == "native" and not flatten.available():
        raise InputError("the native JSON reader was not built (no C compiler at install time): "
                         "reinstall nadzor where gcc or clang is available, or set NADZOR_JSON_READER=duckdb")
    return chosen


def _read_native(con, p: Path, threads, warn: bool, extended: bool, parties: bool, owns: bool) -> FlatTables:
    """Flatten the file with the native flattener in threads and append the blocks to DuckDB in file order."""
    from nadzor.indicators.cardinal.flatten import Interner, warning_text
    names = _create(con, extended, parties, temp=not owns, schemas=CODED_SCHEMAS)
    interner = Interner()
    compressed = False
    flat_bytes = 0
    rows = 0
    lines = 0
    # The flattening threads use the cores while DuckDB appends: a second DuckDB thread would only contend.
    duckdb_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    batch: list = []
    appended = 0
    try:
        # On its own connection, the appends between two checkpoints are one transaction: an INSERT committed on
        # its own cost about twice as much.
        if owns:
            con.execute("BEGIN")
        for number, block in enumerate(_blocks(p, extended, parties, threads)):
            if warn:
                for line, kind, reason in block.warnings:
                    sys.stderr.write(warning_text(line + lines, kind, reason))
            batch.append((number, block, rows))
            rows += block.rows
            lines += block.lines
            if len(batch) == _APPEND:
                flat_bytes += _insert(con, batch, names, interner)
                appended += len(batch)
                batch = []
                if owns and not compressed and flat_bytes > _PLAIN_BYTES:
                    con.execute("COMMIT")
                    _compress(con, names)
                    compressed = True
                    con.execute("BEGIN")
                elif compressed and appended % _BATCH == 0:
                    con.execute("COMMIT")
                    _checkpoint(con)
                    con.execute("BEGIN")
        _insert(con, batch, names, interner)
        if owns:
            con.execute("COMMIT")
            if compressed:
                _checkpoint(con)
    except BaseException:
        if owns:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:  # the error came between a COMMIT and the next BEGIN
                pass
        raise
    finally:
        con.execute(f"SET threads = {int(duckdb_threads)}")
    if parties:
        _apply_party_identifiers(con, "nz_parties", interner)
        con.execute("DROP TABLE nz_parties")
    return FlatTables(con, rows, owns, native=owns, org_names=interner)


# Compression methods that cost more CPU to choose and apply than they save here (numeric ones for the amounts,
# FSST and zstd for strings); dictionary+FSST strings and bit-packed integers stay.
_SLOW_COMPRESSION = "fsst,alp,alprd,chimp,patas,zstd"


def _compress(con, names: tuple[str, ...]) -> None:
    """Move the flat tables appended so far into a compressed in-memory catalog, which later appends go to.

    In-memory tables are uncompressed: 866 MiB at 1M releases (string ids), more than DuckDB's memory limit, so
    they were spilled to disk and read back by every query. Compressed (checkpointed after every ``_BATCH``
    blocks) they are about 110 MiB and stay in memory. Small files stay uncompressed (``_PLAIN_BYTES``): compressing
    costs more than it saves there. Only on a connection the reader created: USE changes the default catalog.
    """
    con.execute(f"ATTACH ':memory:' AS nz_flat (COMPRESS); USE nz_flat; "
                f"SET disabled_compression_methods = '{_SLOW_COMPRESSION}'")
    moved = tuple(name for name in names if name != "nz_parties")  # a temporary table: it stays
    _create(con, "bid_ids" in moved, False, temp=False, schemas=CODED_SCHEMAS, compressed=True)
    # One transaction may write to one attached database only: the copies, then the drops.
    con.execute("BEGIN; " + "".join(f"INSERT INTO nz_flat.{name} SELECT * FROM memory.main.{name}; "
                                    for name in moved) + "COMMIT")
    con.execute("".join(f"DROP TABLE memory.main.{name}; " for name in moved))
    _checkpoint(con)


# The compression of each column type in the compressed catalog, chosen here rather than by DuckDB's analysis of
# every method (1M releases: 8.7 instead of 9.7 CPU-s to append and compress). The ocids are unique: a dictionary
# would not shrink them.
_COMPRESSION = {"VARCHAR": "dict_fsst", "BIGINT": "bitpacking", "BOOLEAN": "bitpacking", "DOUBLE": "uncompressed"}


def _column(name: str, type_: str, compressed: bool) -> str:
    if not compressed:
        return f"{name} {type_}"
    return f"{name} {type_} USING COMPRESSION {'uncompressed' if name == 'ocid' else _COMPRESSION[type_]}"


def _create(con, extended: bool, parties: bool, temp: bool = True, schemas=SCHEMAS,
            compressed: bool = False) -> tuple[str, ...]:
    names = TABLES + (EXTENDED_TABLES if extended else ())
    kind = "TEMP TABLE" if temp else "TABLE"
    con.execute("".join(
        f"CREATE OR REPLACE {kind} {name} ({', '.join(_column(c, t, compressed) for c, t in schemas[name].items())});"
        for name in names
    ))
    if parties:
        con.execute("CREATE OR REPLACE TEMP TABLE nz_parties (pid BIGINT, party_id VARCHAR, org_key VARCHAR)")
        names += ("nz_parties",)
    return names


def _insert(con, batch: list, names: tuple[str, ...], interner) -> int:
    """Append the tables of a batch of (block number, block, pid offset) to DuckDB, one INSERT per table; return
    the Arrow size of what was appended (bytes).

    A block's pids start at its number shifted left 32 bits (see ``_blocks``); the INSERT turns them into file
    positions by adding the block's offset (the rows of the blocks before it). The organisation ids are encoded by
    ``interner`` here, on this thread only and in file order, so the codes are the same on every run.
    """
    from nadzor.indicators.cardinal.flatten import arrow_stream, encode_raw, release_pending

    if not batch:
        return 0
    size = 0
    first = batch[0][0]
    offsets = ",".join(str(int(offset)) for _, _, offset in batch)
    pid = f"(pid & {_LOCAL_PID}) + ([{offsets}]::BIGINT[])[(pid >> 32) - {first} + 1]"
    for name in names:
        if name == "processes":  # dates are checked as RFC 3339 here, vectorised
            columns = ("ocid, tender_status, pm, pmd, nt_one, nz_rfc3339_us(start_date), nz_rfc3339_us(end_date), "
                       "buyer_id, pe_id, has_awards, has_details")
        else:
            columns = "* EXCLUDE (pid)"
        # relatedBid and relatedBids may name the same bid (of one award, so within one block)
        distinct = "DISTINCT " if name == "award_related_bids" else ""
        tables = [block.tables[name] for _, block, _ in batch if block.tables[name].num_rows]
        if not tables:
            continue
        if name in ORG_COLUMNS:
            tables = [encode_raw(table, interner, ORG_COLUMNS[name]) for table in tables]
        size += sum(len(buffer) for table in tables for column in table.columns for buffer in column if buffer)
        # The blocks' tables as one Arrow C stream built by the extension (their buffers not copied, and no
        # pyarrow, hence no numpy, imported: about 0.1 s at every start). An INSERT per block cost about 2 ms more
        # each. DuckDB's scan of a Python object would import pandas (0.2 s) to check whether it is one.
        con.from_arrow(arrow_stream(tables)).create_view("nz_block", replace=True)
        con.execute(f"INSERT INTO {name} SELECT {distinct}{pid}, {columns} FROM nz_block")
    con.execute("DROP VIEW IF EXISTS nz_block")
    release_pending()
    return size


def _checkpoint(con) -> None:
    """Compress what was appended to the compressed catalog since the last checkpoint."""
    try:
        con.execute("CHECKPOINT nz_flat")
    except duckdb.IOException as exc:
        # Out of memory while compressing arrives wrapped as a failed checkpoint: say what it is.
        if "failed to pin block" in str(exc) or "Out of Memory" in str(exc):
            raise duckdb.OutOfMemoryException(str(exc)) from exc
        raise


def _ranges(path: Path, size: int, block: int) -> list[tuple[int, int]]:
    """Split the file into byte ranges of about ``block`` bytes that start and end at line boundaries."""
    bounds = [0]
    with open(path, "rb") as fh:
        while bounds[-1] + block < size:
            fh.seek(bounds[-1] + block - 1)
            fh.readline()
            bounds.append(min(fh.tell(), size))
    if bounds[-1] < size:
        bounds.append(size)
    return list(zip(bounds, bounds[1:]))


def _blocks(path: Path, extended: bool, parties: bool, threads: int | None):
    """Yield the file's Blocks in file order, flattened by up to ``threads`` threads (default: the cores)."""
    from concurrent.futures import ThreadPoolExecutor

    from nadzor.indicators.cardinal.flatten import flatten_block

    def flatten(number: int, start: int, end: int):
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read(end - start)
        # Block n's pids start at n << 32: unique and in file order before the rows of the blocks before it are
        # known (``_insert`` makes them file positions).
        return flatten_block(data, extended=extended, parties=parties, first_pid=number << 32)

    ranges = _ranges(path, os.path.getsize(path), _BLOCK)
    workers = max(1, min(threads or len(os.sched_getaffinity(0)), len(ranges)))
    if workers == 1:
        for number, (start, end) in enumerate(ranges):
            yield flatten(number, start, end)
        return
    with ThreadPoolExecutor(workers) as pool:
        pending = collections.deque()
        for number, (start, end) in enumerate(ranges):
            pending.append(pool.submit(flatten, number, start, end))
            # A bounded window of blocks in flight bounds the memory; it spans a batch of appends, so that the
            # threads go on flattening while the blocks of a batch are appended.
            if len(pending) > workers + _APPEND:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# DuckDB's memory for the queries once the flat tables are read. DuckDB's read pass needs 512MB (384MB runs out of
# memory at 1M releases); the queries fit in less by spilling more of the flat tables. At 1M generated releases
# (calm machine): 512MB peaks at 901 MiB and 46 CPU-s, 384MB at 768 MiB and 41, 320MB at 718 MiB and 48
# (benchmarks/RESULTS-cardinal.md), the only one under Cardinal's 752 MiB. The native reader's tables are
# compressed (about 110 MiB at 1M, nothing to spill) and its read needs no JSON buffers: one limit serves both
# phases. `nadzor indicators` at 1M peaked at 775-780 MiB with 512MB/256MB, 672 MiB with 224MB, 658 MiB with
# 192MB (at about 2 CPU-s more).
QUERY_MEMORY_LIMIT = "320MB"
NATIVE_MEMORY_LIMIT = "224MB"


def bound_query_memory(flat: FlatTables) -> None:
    """Lower DuckDB's memory for the query phase on a connection the reader created (unless NADZOR_MEMORY_LIMIT
    is set: then that one limit holds throughout)."""
    if flat.owns_connection and not os.environ.get("NADZOR_MEMORY_LIMIT"):
        limit = NATIVE_MEMORY_LIMIT if flat.native else QUERY_MEMORY_LIMIT
        flat.con.execute(f"SET memory_limit = '{limit}'")


def _bound_memory(con, default: str) -> None:
    # The flat tables of 1M releases are larger than Cardinal's whole footprint (752 MiB): bound DuckDB's memory
    # so that it spills table blocks to a temporary directory instead of growing (NADZOR_MEMORY_LIMIT overrides).
    limit = os.environ.get("NADZOR_MEMORY_LIMIT") or default
    spill = tempfile.mkdtemp(prefix="nadzor-indicators-")
    weakref.finalize(con, shutil.rmtree, spill, True)
    con.execute(f"SET memory_limit = '{limit}'; SET temp_directory = '{spill}'")


def _extended(con) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE bid_ids AS SELECT pid, bid_idx, b.id AS bid_id FROM nz_bids;
        CREATE OR REPLACE TEMP TABLE bid_lots AS SELECT pid, bid_idx, unnest(b.lots) AS lot_id
            FROM nz_bids WHERE b.lots IS NOT NULL;
        CREATE OR REPLACE TEMP TABLE award_related_bids AS SELECT DISTINCT pid, award_idx, bid_id FROM (
            SELECT pid, award_idx, unnest(a.related_bids) AS bid_id FROM nz_awards);
        CREATE OR REPLACE TEMP TABLE award_lots AS SELECT pid, award_idx, unnest(a.lots) AS lot_id
            FROM nz_awards WHERE a.lots IS NOT NULL;"""
    )


_RAW_PARTIES = """(SELECT rowid AS pid, pt.id AS party_id, pt.key AS org_key
    FROM (SELECT rowid, unnest(parties) AS pt FROM nz_raw WHERE parties IS NOT NULL))"""


def _apply_party_identifiers(con, parties: str = _RAW_PARTIES, interner=None) -> None:
    # A reference id becomes "scheme-id" of the party with that id in the same release, when it has both (the
    # smallest as a string, if the party has several).
    keys = f"""SELECT pid, party_id, min(org_key) AS org_key FROM {parties}
        WHERE party_id IS NOT NULL AND org_key IS NOT NULL GROUP BY ALL"""
    if interner is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE nz_party_keys AS {keys}")
    else:
        # The ids are codes: a party id no reference uses gets none (-1), a key gets a new one if it is new.
        from nadzor.indicators.cardinal.flatten import encode_columns

        table = con.execute(f"{keys} ORDER BY pid, party_id").to_arrow_table()
        table = encode_columns(encode_columns(table, interner, ["party_id"], add=False), interner, ["org_key"])
        con.from_arrow(table.__arrow_c_stream__()).create_view("nz_party_keys_arrow", replace=True)
        con.execute("CREATE OR REPLACE TEMP TABLE nz_party_keys AS SELECT * FROM nz_party_keys_arrow; "
                    "DROP VIEW nz_party_keys_arrow")
    con.execute(
        """UPDATE bid_tenderers t SET tenderer_id = k.org_key FROM nz_party_keys k
            WHERE k.pid = t.pid AND k.party_id = t.tenderer_id;
        UPDATE bids b SET sole_tenderer_id = k.org_key FROM nz_party_keys k
            WHERE k.pid = b.pid AND k.party_id = b.sole_tenderer_id;
        UPDATE award_suppliers s SET supplier_id = k.org_key FROM nz_party_keys k
            WHERE k.pid = s.pid AND k.party_id = s.supplier_id;
        UPDATE processes p SET buyer_id = k.org_key FROM nz_party_keys k
            WHERE k.pid = p.pid AND k.party_id = p.buyer_id;
        UPDATE processes p SET pe_id = k.org_key FROM nz_party_keys k WHERE k.pid = p.pid AND k.party_id = p.pe_id;
        DROP TABLE nz_party_keys;"""
    )


def _empty(con) -> None:
    con.execute("".join(
        f"CREATE OR REPLACE TEMP TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())});"
        for name, columns in SCHEMAS.items()
    ))


def json_lines(lines, warnings=None):
    """Yield (line number, parsed value) for each valid JSON line, as Cardinal reads a file.

    Blank lines are skipped silently; invalid UTF-8 and invalid JSON lines are skipped with Cardinal's warning
    on ``warnings`` (stderr by default).
    """
    import orjson

    warnings = warnings or sys.stderr
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip(b"\n").rstrip(b"\r")
        if not line.strip(b" \t\n\r\x0b\x0c"):
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            warnings.write(f"WARN Line {number} caused an I/O error, skipping. [{exc.reason}]\n")
            continue
        try:
            yield number, orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            warnings.write(f"WARN Line {number} is invalid JSON, skipping. [{exc}]\n")


def warn_invalid_lines(path: Path, stream=None) -> int:
    """Write Cardinal's per-line warning for each invalid JSON or invalid UTF-8 line; return how many."""

    class _Counter:
        count = 0

        def write(self, text):
            self.count += 1
            (stream or sys.stderr).write(text)

    counter = _Counter()
    with open(path, "rb") as fh:
        for _ in json_lines(fh, counter):
            pass
    return counter.count
