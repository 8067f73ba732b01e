"""The native reader (yyjson in C) against the DuckDB reader: same flat tables, same warnings, on crafted,
fixture and generated lines; and where the two differ on purpose, the native one follows Cardinal's serde_json."""

import contextlib
import io

import pytest

from nadzor.exceptions import InputError
from nadzor.indicators.cardinal import flatten, reader
from tests.indicators.cardinal_cases import FIXTURES

native = pytest.mark.skipif(not flatten.available(), reason="the native reader was not built (no C compiler)")

# Lines whose shape or JSON types are unusual: non-objects, wrongly typed containers and leaves, null array items,
# big and signed numbers, NUL characters, invalid JSON and UTF-8, blank and whitespace lines.
CASES = [
 b'[]', b'"str"', b'1', b'null', b'{"ocid": 1}', b'{}',
 b'{"ocid":"t-str","tender":"x"}',
 b'{"ocid":"t-period-str","tender":{"status":"active","tenderPeriod":"x"}}',
 b'{"ocid":"bids-arr","bids":[]}',
 b'{"ocid":"details-obj","bids":{"details":{}}}',
 b'{"ocid":"details-nullitem","bids":{"details":[null, {"status":"valid"}]}}',
 b'{"ocid":"awards-nullitem","awards":[null, {"status":"active"}]}',
 b'{"ocid":"awards-obj","awards":{}}',
 (b'{"ocid":"awards-mixed","awards":[{"suppliers":[null, {"id":"x"}, {"id":1}], "items":[null, {"cl'
  b'assification":null}, {"classification":"s"}, {"classification":{"id":5}}, {"classification":{"i'
  b'd":"45"}}]}]}'),
 b'{"ocid":"bigint","bids":{"details":[{"value":{"amount":123456789012345678901234567890}}]}}',
 b'{"ocid":"bigneg","bids":{"details":[{"value":{"amount":-123456789012345678901234567890}}]}}',
 b'{"ocid":"u64","bids":{"details":[{"value":{"amount":18446744073709551615}}]}}',
 b'{"ocid":"nul\\u0000b","buyer":{"id":"b\\u0000c"}}',
 b'{"ocid":"nt1","tender":{"numberOfTenderers":1}}',
 b'{"ocid":"nt1.0","tender":{"numberOfTenderers":1.0}}',
 b'{"ocid":"ntstr","tender":{"numberOfTenderers":"1"}}',
 b'{"ocid":"nttrue","tender":{"numberOfTenderers":true}}',
 b'{"ocid":"ntbig","tender":{"numberOfTenderers":18446744073709551617}}',
 b'{"ocid":"nt-1","tender":{"numberOfTenderers":-1}}',
 b'{"ocid":"nt1e0","tender":{"numberOfTenderers":1e0}}',
 (b'{"ocid":"amt-types","bids":{"details":[{"value":{"amount":true,"currency":1}},{"value":{"amount'
  b'":"5","currency":"X"}},{"value":{"amount":-0.0}},{"value":{"amount":7}},{"value":"v"},{"value":'
  b'null},{"tenderers":{"id":"x"}},{"tenderers":[]},{"tenderers":[{"id":"a"},{"id":"b"}]},{"tendere'
  b'rs":[{"id":2}]},{"tenderers":[null]}]}}'),
 b'{"ocid":""}',
 b'{"ocid":"invalid"',
 b'\xff\xfe{"ocid":"badutf"}',
 b'',
 b'   ',
 b'{"ocid":"crlf"}\r',
 b'{"ocid":"buyer-str","buyer":"x","tender":null}',
 b'{"ocid":"buyer-arr","buyer":[],"tender":{"procuringEntity":"p"}}',
 b'{"ocid":"surrogate\\ud800"}',
 b'{"ocid":"dates","tender":{"tenderPeriod":{"startDate":"2020-01-01T00:00:00Z","endDate":"2020-01-01"}}}',
 b'{"ocid":"dates2","tender":{"tenderPeriod":{"startDate":5,"endDate":"2020-02-01T00:00:00+05:00"}}}',
 (b'{"ocid":"status-types","tender":{"status":1,"procurementMethod":["open"],"procurementMethodDeta'
  b'ils":{"a":1}},"bids":{"details":[{"status":null,"date":1}]},"awards":[{"status":true}]}'),
 b'{"ocid":"bids-null","bids":null,"awards":null}',
 b'{"ocid":"bids-nodetails","bids":{}}',
 b'{"ocid":"supp-obj","awards":[{"suppliers":{"id":"x"},"items":{}}]}',
 b'{"ocid":"items-cls-arr","awards":[{"items":[{"classification":[]}]}]}',
 b'{"ocid":"after-fail"}',
 b'{"ocid":"ws"}   ',
 b'  {"ocid":"lead-ws"}',
 b'{"ocid":"x"} {"ocid":"y"}',
 b'{"ocid":"esc\\"q","awards":[{"status":"active","suppliers":[{"id":"s\\n1"}]}]}',
 b'{"ocid":"float-big","bids":{"details":[{"value":{"amount":1.7976931348623157e308}}]}}',
 b'{"ocid":"deep","tender":{"procuringEntity":{"id":{"x":1}}}}',
]


def _tables(path, method, **options):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        flat = reader.read_releases(path, method=method, **options)
    names = [r[0] for r in flat.con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return flat.rows, err.getvalue(), {name: _decoded_rows(flat, name) for name in names}


def _decoded_rows(flat, name):
    # The rows with organisation ids as strings (the native reader stores codes), sorted as ORDER BY ALL would.
    cursor = flat.con.execute(f"SELECT * FROM {name}")
    org = {i for i, d in enumerate(cursor.description) if d[0] in reader.ORG_COLUMNS.get(name, ())}
    rows = [tuple(flat.org_name(v) if i in org else v for i, v in enumerate(row)) for row in cursor.fetchall()]
    return sorted(rows, key=lambda row: tuple((v is None, v) for v in row))


def _write(tmp_path, lines):
    path = tmp_path / "releases.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@native
@pytest.mark.parametrize("options", [{}, {"extended": True}, {"party_identifiers": True}])
def test_crafted_lines_as_duckdb(tmp_path, options):
    path = _write(tmp_path, CASES)
    expected = _tables(path, "duckdb", **options)
    assert _tables(path, "native", **options) == expected
    assert expected[0] == 47 and expected[1].count("WARN") == 4


@native
def test_blocks_in_threads_keep_file_order(tmp_path, monkeypatch):
    # Tiny blocks in two threads: pids and warning line numbers must still follow the whole file.
    path = _write(tmp_path, CASES * 3)
    expected = _tables(path, "duckdb", extended=True)
    monkeypatch.setattr(reader, "_BLOCK", 300)
    assert _tables(path, "native", extended=True, threads=2) == expected


@native
def test_fixture_files_as_duckdb():
    paths = sorted(FIXTURES.glob("indicators/*.jsonl")) + sorted(FIXTURES.glob("prepare/*.jsonl"))
    assert len(paths) > 20
    for path in paths:
        for options in ({}, {"extended": True, "party_identifiers": True}):
            assert _tables(path, "native", **options) == _tables(path, "duckdb", **options), path


@native
def test_serde_json_rules(tmp_path):
    # Where DuckDB's JSON reader is laxer than Cardinal's serde_json, the native reader follows Cardinal: these
    # lines are skipped (with the warning both readers print), and a duplicate key keeps its last value.
    path = _write(tmp_path, [
        b'{"ocid":"e400","bids":{"details":[{"value":{"amount":1e400}}]}}',
        b'{"ocid":"nan","bids":{"details":[{"value":{"amount":NaN}}]}}',
        b'{"ocid":"trailing",}',
        b'{"ocid":"dup1","ocid":"dup2","tender":{"status":"x"},"tender":{"procurementMethod":"open"}}',
    ])
    rows, warnings, tables = _tables(path, "native")
    assert rows == 4 and warnings.count("WARN Line") == 3 and "WARN Line 3 is invalid JSON" in warnings
    assert [r[1:5] for r in tables["processes"]] == [("dup2", None, "open", None)]
    assert tables["bids"] == []


@native
@pytest.mark.parametrize("compress", [False, True], ids=["plain", "compressed-after-first-batch"])
def test_generated_releases_as_duckdb(tmp_path, monkeypatch, compress):
    # Realistic lines (Cyrillic names, every field present), in several blocks, batches and two threads; with
    # ``compress`` the tables move to the compressed catalog after the first batch of appends.
    from benchmarks.generate import write_file

    path = tmp_path / "generated.jsonl"
    write_file(1500, str(path), seed=3, processes=1)
    expected = _tables(path, "duckdb", extended=True, party_identifiers=True)
    monkeypatch.setattr(reader, "_BLOCK", 1 << 19)
    monkeypatch.setattr(reader, "_APPEND", 2)
    if compress:
        monkeypatch.setattr(reader, "_PLAIN_BYTES", 1)
        monkeypatch.setattr(reader, "_BATCH", 4)
    assert _tables(path, "native", extended=True, party_identifiers=True, threads=2) == expected
    flat = reader.read_releases(path, method="native", extended=True, threads=2)
    catalogs = flat.con.execute("SELECT DISTINCT database_name FROM duckdb_tables() WHERE NOT temporary").fetchall()
    assert catalogs == [("nz_flat" if compress else "memory",)]


def test_reader_choice(tmp_path, monkeypatch):
    path = _write(tmp_path, [b'{"ocid":"a"}'])
    monkeypatch.setenv("NADZOR_JSON_READER", "duckdb")
    assert reader.read_releases(path).rows == 1
    monkeypatch.setenv("NADZOR_JSON_READER", "simdjson")
    with pytest.raises(InputError, match="NADZOR_JSON_READER: 'simdjson' is not one of native, duckdb"):
        reader.read_releases(path)
    monkeypatch.delenv("NADZOR_JSON_READER")
    monkeypatch.setattr(flatten, "_flatten", None)  # as if installed without a C compiler
    assert not flatten.available()
    assert reader.read_releases(path).rows == 1  # DuckDB's read_json
    with pytest.raises(InputError, match="native JSON reader was not built"):
        reader.read_releases(path, method="native")


@native
def test_late_bids_compare_dates_as_strings(tmp_path):
    # R030's "late" is a bytewise string comparison (Cardinal does not normalise time zones); null unless both
    # the bid's date and the tender's end date are strings.
    end = b'"tender":{"tenderPeriod":{"endDate":"2020-01-01T00:00:00Z"}}'
    path = _write(tmp_path, [
        b'{"ocid":"a",' + end + b',"bids":{"details":[{"date":"2020-01-01T00:00:01Z"},{"date":"2020-01-01T00:00:00Z"},'
        b'{"date":"2020-01-01T00:00:00Z "},{"date":"2019-12-31T23:00:00-05:00"},{"date":5},{}]}}',
        b'{"ocid":"b","bids":{"details":[{"date":"2020-01-01"}]}}',
    ])
    for method in ("native", "duckdb"):
        flat = reader.read_releases(path, method=method)
        assert flat.con.execute("SELECT pid, bid_idx, late FROM bids ORDER BY ALL").fetchall() == [
            (0, 0, True), (0, 1, False), (0, 2, True), (0, 3, False), (0, 4, None), (0, 5, None), (1, 0, None)]


@native
def test_bid_tenderers_hold_only_bids_without_a_sole_tenderer(tmp_path):
    path = _write(tmp_path, [b'{"ocid":"a","bids":{"details":[{"tenderers":[{"id":"x"}]},{"tenderers":[{"id":1}]},'
                             b'{"tenderers":[{"id":"y"},{"id":"z"}]},{"tenderers":[]}]}}'])
    for method in ("native", "duckdb"):
        flat = reader.read_releases(path, method=method)
        assert [r[1:] for r in _decoded_rows(flat, "bids")] == [
            (0, None, None, None, None, True, "x"), (1, None, None, None, None, True, None),
            (2, None, None, None, None, True, None), (3, None, None, None, None, True, None)]
        assert [r[1:] for r in _decoded_rows(flat, "bid_tenderers")] == [(1, None), (2, "y"), (2, "z")]


@native
def test_native_reader_stores_organisation_ids_as_codes(tmp_path):
    # Codes in first-seen order (file order), one per distinct string: "" is an id, null is not.
    path = _write(tmp_path, [
        '{"ocid":"a","buyer":{"id":"Б-1"},"tender":{"procuringEntity":{"id":""}},'
        '"bids":{"details":[{"tenderers":[{"id":"Б-1"}]},{"tenderers":[{"id":"t"},{"id":null}]}]},'
        '"awards":[{"suppliers":[{"id":"t"},{"id":"ž"}]}]}'.encode(),
        b'{"ocid":"b","buyer":{"id":null},"tender":{"procuringEntity":{"id":"t"}}}',
    ])
    flat = reader.read_releases(path, method="native")
    assert flat.schemas["processes"]["buyer_id"] == "BIGINT" and flat.schemas["processes"]["ocid"] == "VARCHAR"
    assert [flat.org_names[i] for i in range(len(flat.org_names))] == ["Б-1", "", "t", "ž"]
    con = flat.con
    assert con.execute("SELECT buyer_id, pe_id FROM processes ORDER BY pid").fetchall() == [(0, 1), (None, 2)]
    assert con.execute("SELECT sole_tenderer_id FROM bids ORDER BY bid_idx").fetchall() == [(0,), (None,)]
    assert con.execute("SELECT tenderer_id FROM bid_tenderers ORDER BY ALL").fetchall() == [(2,), (None,)]
    assert con.execute("SELECT supplier_id FROM award_suppliers ORDER BY ALL").fetchall() == [(2,), (3,)]
    assert reader.read_releases(path, method="duckdb").org_names is None  # strings: decoding is the identity


@native
def test_results_of_both_readers_are_identical(tmp_path, monkeypatch):
    # Codes (native) and strings (DuckDB) give the same Cardinal output, Maps included, on the fixtures, the
    # crafted lines and generated releases, in Cardinal mode and with every nadzor variant.
    from benchmarks.generate import write_file
    from nadzor.indicators.cardinal import compute_indicators, default_settings, parse_settings, to_cardinal
    from nadzor.indicators.cardinal.settings import INDICATOR_CODES
    from tests.indicators.cardinal_cases import indicator_cases, settings_for

    generated = tmp_path / "generated.jsonl"
    write_file(1500, str(generated), seed=5, processes=1)
    variants = parse_settings("[nadzor]\nlots = true\nrelated_bids = true\nparty_identifiers = true\n"
                              + "".join(f"[{code}]\n" for code in INDICATOR_CODES))
    runs = [(FIXTURES / "indicators" / f"{name}.jsonl", parse_settings(settings_for(name)))
            for name in indicator_cases()]
    runs += [(path, settings) for path in (_write(tmp_path, CASES), generated)
             for settings in (default_settings(), variants)]
    for path, settings in runs:
        out = {}
        for method in reader.READERS:
            monkeypatch.setenv("NADZOR_JSON_READER", method)
            with contextlib.redirect_stderr(io.StringIO()):
                out[method] = to_cardinal(compute_indicators(path, settings, map=True))
        assert out["native"] == out["duckdb"], path
    assert any(out["native"].get(group) for group in ("Buyer", "ProcuringEntity", "Tenderer"))
