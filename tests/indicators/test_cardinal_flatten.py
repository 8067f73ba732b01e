"""The native flattener's Interner: organisation ids to int64 codes and back."""

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
