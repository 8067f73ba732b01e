"""Flatten blocks of JSON lines into Arrow tables with the native flattener (``_flatten.c``, yyjson).

This is the fast path of the Cardinal reader: each line is parsed in C and only the fields the indicators read
are walked, with the same JSON type checks as the DuckDB path (an amount counts only if it is a JSON number, an
identifier only if it is a string, ``numberOfTenderers`` only if it is the integer 1; a wrongly typed container is
absent and a non-object array item is an empty object). The GIL is released while a block is parsed, so blocks
are flattened by two threads at once.

Where DuckDB's ``read_json`` is laxer than Cardinal's serde_json, this path follows Cardinal: a line with a number
out of double range (``1e400``), ``NaN`` or a trailing comma is skipped with a warning, and a duplicate key keeps
its last value.

A block's tables stay as the extension's column buffers (``RawTable``) and reach DuckDB as Arrow C streams the
extension builds (``arrow_stream``), so this path imports neither pyarrow nor numpy.

Organisation ids are turned into integer codes on the reader's main thread, as the blocks are handed over
(``encode_raw`` with an ``Interner``: codes in first-seen order, so they are the same on every run, and no
lock), so that the queries join and group integers; ``Interner[code]`` gives the id back for the output.
``encode_columns`` does the same on pyarrow tables (the party-identifier variant reads those from DuckDB).

The extension is optional (built by ``pip install`` when a C compiler is available): ``available()`` says
whether it was built, and the reader falls back to DuckDB's ``read_json`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Block", "RawTable", "LAYOUT", "available", "flatten_block", "warning_text", "rejection", "Interner",
           "encode_columns", "encode_raw", "arrow_stream", "release_pending"]

try:
    from nadzor.indicators.cardinal import _flatten
except ImportError:  # built without a C compiler: the reader uses DuckDB's read_json
    _flatten = None

# Strings to int64 codes in first-seen order: ``Interner()``, ``interner[code]`` is the string again, ``len`` the
# number of strings. One thread at a time (concurrent use raises RuntimeError).
Interner = getattr(_flatten, "Interner", None)


def _layout(*fields) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(f.split(":")) for f in fields)


_KB, _KA = ("pid:i", "bid_idx:i"), ("pid:i", "award_idx:i")
# Column names and kinds ("i" int64, "s" string, "b" boolean, "f" float64) of each table as the extension returns
# them (start_date and end_date are turned into start_us and end_us by the reader, in DuckDB). The kinds must
# match LAYOUT in _flatten.c (checked by ``available``).
LAYOUT = {
    "processes": _layout("pid:i", "ocid:s", "tender_status:s", "pm:s", "pmd:s", "nt_one:b", "start_date:s",
                         "end_date:s", "buyer_id:s", "pe_id:s", "has_awards:b", "has_details:b"),
    "bids": _layout(*_KB, "status:s", "late:b", "amount:f", "currency:s", "has_tenderers:b", "sole_tenderer_id:s"),
    "bid_tenderers": _layout(*_KB, "tenderer_id:s"),
    "awards": _layout(*_KA, "status:s", "has_suppliers:b", "n_suppliers:i"),
    "award_suppliers": _layout(*_KA, "supplier_id:s"),
    "award_items": _layout(*_KA, "classification_id:s"),
    "bid_ids": _layout(*_KB, "bid_id:s"),
    "bid_lots": _layout(*_KB, "lot_id:s"),
    "award_related_bids": _layout(*_KA, "bid_id:s"),
    "award_lots": _layout(*_KA, "lot_id:s"),
    "nz_parties": _layout("pid:i", "party_id:s", "org_key:s"),
}


def available() -> bool:
    """Return True if the native flattener was built and matches this module's table layout."""
    if _flatten is None or Interner is None or getattr(_flatten, "API", 1) < 3:
        return False
    return _flatten.layout() == tuple("".join(kind for _, kind in columns) for columns in LAYOUT.values())


@dataclass
class RawTable:
    """One flat table of a block as the extension returns it: per column, its Arrow buffers as bytes (validity
    bitmap or None first; then the values, or offsets and UTF-8 data for strings). No pyarrow needed to hand it to
    DuckDB (``arrow_stream``); ``to_arrow`` makes a pyarrow Table of it."""

    names: tuple[str, ...]
    kinds: str
    num_rows: int
    columns: tuple

    def to_arrow(self):
        """Return the table as a pyarrow Table (zero-copy)."""
        import pyarrow as pa

        types = {"i": pa.int64(), "s": pa.string(), "b": pa.bool_(), "f": pa.float64()}
        arrays = [pa.Array.from_buffers(types[k], self.num_rows, [None if b is None else pa.py_buffer(b) for b in bufs])
                  for k, bufs in zip(self.kinds, self.columns)]
        return pa.Table.from_arrays(arrays, names=list(self.names))


@dataclass
class Block:
    """The flat rows of one block of lines: its tables (``pid`` from ``first_pid``), and the block's counts."""

    tables: dict[str, RawTable]
    rows: int  # non-blank lines (each takes a pid, even if it is invalid or has no ocid)
    lines: int  # physical lines, for the warnings' line numbers
    warnings: list = field(default_factory=list)  # (block-local line number, kind, reason): see warning_text


def flatten_block(data: bytes, *, extended: bool = False, parties: bool = False, first_pid: int = 0) -> Block:
    """Flatten a block of whole lines (``data`` ends at a line end or at the end of the file).

    The block's first non-blank line gets ``pid`` ``first_pid``, the next one ``first_pid + 1``, and so on.
    ``extended`` also fills ``bid_ids``, ``bid_lots``, ``award_related_bids`` (relatedBid and relatedBids, not yet
    made distinct) and ``award_lots``; ``parties`` fills ``nz_parties`` (party id and "scheme-id").
    """
    rows, lines, invalid, columns = _flatten.flatten_block(data, extended, parties, first_pid)
    tables = {}
    for (name, layout), cols in zip(LAYOUT.items(), columns):
        n = len(cols[0][1]) // 8  # the pid column: int64 values
        tables[name] = RawTable(tuple(c for c, _ in layout), "".join(k for _, k in layout), n, cols)
    warnings = [(number, *rejection(data[start:start + length], message)) for number, start, length, message in invalid]
    return Block(tables, rows, lines, warnings)


def encode_raw(table: RawTable, interner, columns) -> RawTable:
    """Return ``table`` with its string ``columns`` replaced by their int64 codes in ``interner`` (nulls stay
    null; the validity bitmap is shared)."""
    cols = list(table.columns)
    kinds = list(table.kinds)
    for name in columns:
        i = table.names.index(name)
        validity, offsets, data = cols[i]
        codes = interner.encode(validity, offsets, data, 0, table.num_rows, True)
        cols[i] = (validity, codes)
        kinds[i] = "i"
    return RawTable(table.names, "".join(kinds), table.num_rows, tuple(cols))


def release_pending() -> None:
    """Let go of the buffers of streams DuckDB released on its own threads (they wait for the GIL's holder)."""
    _flatten.release_pending()


def arrow_stream(tables: list[RawTable]):
    """Return an Arrow C stream (a PyCapsule DuckDB's ``from_arrow`` reads) of ``tables`` (same columns), one
    record batch each, without copying their buffers."""
    first = tables[0]
    return _flatten.arrow_stream(first.kinds, first.names, [(t.num_rows, t.columns) for t in tables])


def encode_columns(table, interner, columns, *, add: bool = True):
    """Return the pyarrow ``table`` with its string ``columns`` replaced by their int64 codes in ``interner`` (nulls
    stay null).

    With ``add`` False a string the interner has not seen gets code -1 (which matches no id) instead of a new one.
    """
    import pyarrow as pa

    for name in columns:
        i = table.schema.get_field_index(name)
        chunks = [_encode_array(chunk, interner, add) for chunk in table.column(i).chunks]
        table = table.set_column(i, pa.field(name, pa.int64()), pa.chunked_array(chunks, pa.int64()))
    return table


def _encode_array(array, interner, add: bool):
    import pyarrow as pa

    if array.type != pa.string():  # e.g. large strings from DuckDB
        array = array.cast(pa.string())
    validity, offsets, data = array.buffers()
    if array.null_count == 0:
        validity = None
    codes = interner.encode(validity, offsets, b"" if data is None else data, array.offset, len(array), add)
    # The codes are laid out like the strings (from position 0), so the validity bitmap and offset are shared.
    return pa.Array.from_buffers(pa.int64(), len(array), [validity, pa.py_buffer(codes)], null_count=array.null_count,
                                 offset=array.offset)


def warning_text(number: int, kind: str, reason: str) -> str:
    """Cardinal's warning for a skipped line (``kind`` is "io" for invalid UTF-8, else "json")."""
    if kind == "io":
        return f"WARN Line {number} caused an I/O error, skipping. [{reason}]\n"
    return f"WARN Line {number} is invalid JSON, skipping. [{reason}]\n"


def rejection(line: bytes, message: str) -> tuple[str, str]:
    """Return (kind, reason) for a line the parser rejected, with the DuckDB path's reason text where it can.

    The DuckDB path names invalid lines with Python's UTF-8 decoder and orjson; where orjson accepts a line that
    yyjson (like serde_json) rejects, such as one with a trailing comma or ``1e400``, yyjson's message is given.
    """
    import orjson

    line = line.rstrip(b"\r")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "io", exc.reason
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return "json", str(exc)
    return "json", message
