"""The native flattener's Interner (organisation ids to int64 codes and back) and its Arrow C stream to DuckDB."""

import pyarrow as pa
import pytest

from nadzor.indicators.cardinal import flatten

pytestmark = pytest.mark.skipif(not flatten.available(), reason="the native reader was not built (no C compiler)")


def _codes(interner, values, add=True):
    table = flatten.encode_columns(pa.table({"id": pa.array(values, pa.string())}), interner, ["id"], add=add)
    assert table.schema.field("id").type == pa.int64()
    return table.column("id").to_pylist()


def test_codes_follow_first_sight_and_decode_back():
    interner = flatten.Interner()
    values = ["b", "a", "b", None, "", "Б-1", "ž\u0000x", "a", "é" * 40]
    codes = _codes(interner, values)
    assert codes == [0, 1, 0, None, 2, 3, 4, 1, 5]  # null stays null; "" is an id like any other
    assert len(interner) == 6
    assert [None if c is None else interner[c] for c in codes] == values
    assert _codes(interner, ["é" * 40, "new", "a"]) == [5, 6, 1]  # stable across calls
    # Up to 16 bytes an id is compared inside the hash table, longer ones in the arena.
    edge = ["x" * 16, "x" * 17, "x" * 15 + "é", "x" * 16]
    assert _codes(interner, edge) == [7, 8, 9, 7] and [interner[c] for c in (7, 8, 9)] == edge[:3]
    with pytest.raises(IndexError):
        interner[10]


def test_lookup_without_adding_gives_minus_one():
    interner = flatten.Interner()
    _codes(interner, ["x", "y"])
    assert _codes(interner, ["y", "z", None], add=False) == [1, -1, None]
    assert len(interner) == 2


def test_many_ids_sliced_and_chunked_arrays():
    interner = flatten.Interner()
    values = [f"org-{i % 50_000}" for i in range(120_000)]
    codes = _codes(interner, values)
    assert len(interner) == 50_000 and codes[50_000:50_003] == [0, 1, 2]
    assert all(interner[c] == v for c, v in zip(codes, values))
    # A sliced array (non-zero offset, with nulls) in a chunked column: same codes for the same strings.
    array = pa.array(["q", None, "org-7", "org-49999", None, "q"])[1:]
    column = pa.chunked_array([array, pa.array(["org-3"])])
    table = flatten.encode_columns(pa.table({"id": column}), interner, ["id"])
    assert table.column("id").to_pylist() == [None, 7, 49_999, None, 50_000, 3]
    large = pa.table({"id": pa.array(["org-1", None], pa.large_string())})
    assert flatten.encode_columns(large, interner, ["id"]).column("id").to_pylist() == [1, None]


def _block(lines: list[bytes]):
    return flatten.flatten_block(b"\n".join(lines) + b"\n")


LINES = [
    b'{"ocid": "a", "buyer": {"id": "B1"}, "tender": {"status": "active", "procurementMethod": "open",'
    b' "tenderPeriod": {"startDate": "2020-01-01T00:00:00Z", "endDate": "2020-01-20T00:00:00Z"}},'
    b' "bids": {"details": [{"status": "valid", "value": {"amount": 10.5, "currency": "EUR"},'
    b' "tenderers": [{"id": "T1"}]}, {"status": "disqualified", "tenderers": [{"id": "T2"}, {"id": "T3"}]}]}}',
    rb'{"ocid": "b\u0107", "tender": {"numberOfTenderers": 1}}',
    b'not json',
    b'{"ocid": 5}',
]


def test_arrow_stream_gives_duckdb_the_same_rows_as_pyarrow():
    import duckdb

    blocks = [_block(LINES), _block(LINES[:2])]
    con = duckdb.connect()
    for name in ("processes", "bids", "bid_tenderers"):
        tables = [b.tables[name] for b in blocks]
        con.from_arrow(flatten.arrow_stream(tables)).create_view("ours", replace=True)
        ours = con.execute("SELECT * FROM ours").fetchall()
        expected = pa.concat_tables([t.to_arrow() for t in tables]).to_pylist()
        assert ours == [tuple(row.values()) for row in expected] and ours
    flatten.release_pending()


def test_arrow_stream_with_codes_and_an_unread_stream():
    import duckdb

    interner = flatten.Interner()
    table = flatten.encode_raw(_block(LINES).tables["bids"], interner, ["sole_tenderer_id"])
    assert table.kinds == "iisbfsbi"
    con = duckdb.connect()
    con.from_arrow(flatten.arrow_stream([table])).create_view("v")
    assert [r[-1] for r in con.execute("SELECT * FROM v").fetchall()] == [0, None]
    assert interner[0] == "T1"
    flatten.arrow_stream([table, table])  # never read: dropped with its buffers
    flatten.release_pending()


def test_arrow_stream_rejects_inconsistent_buffers():
    good = _block(LINES).tables["bid_tenderers"]
    with pytest.raises(ValueError, match="kind"):
        flatten._flatten.arrow_stream("iix", good.names, [(good.num_rows, good.columns)])
    short = list(good.columns)
    short[0] = (None, b"\0" * 8)  # one int64 for more rows
    with pytest.raises(ValueError, match="too short"):
        flatten._flatten.arrow_stream(good.kinds, good.names, [(good.num_rows, tuple(short))])
    with pytest.raises(ValueError, match="one name per kind"):
        flatten._flatten.arrow_stream(good.kinds, good.names[:1], [])


def test_native_reader_imports_neither_pyarrow_nor_numpy(tmp_path):
    import os
    import subprocess
    import sys

    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"\n".join(LINES) + b"\n")
    code = ("import sys; from nadzor.indicators.cardinal.reader import read_releases; "
            "flat = read_releases(sys.argv[1]); print(flat.rows, sorted(m for m in ('pyarrow', 'numpy', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env={**os.environ, "NADZOR_JSON_READER": "native"}).stdout
    assert out.split() == ["4", "[]"]
