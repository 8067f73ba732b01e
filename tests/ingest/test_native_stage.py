"""The native stager (nadzor.normalize.stage) gives the store exactly what the SQL path gives: every table, every
column, every quarantine record, on generated releases, on the real samples in examples/ made into compiled
releases, and on lines built to hit each shape the C code must either take exactly or decline."""

import copy
import json
import platform
from pathlib import Path

import orjson
import pytest

from benchmarks.generate import generate_releases
from nadzor.ingest.ocds import ingest_paths
from nadzor.normalize import stage
from nadzor.store import MODEL_TABLES, Store

pytestmark = pytest.mark.skipif(not stage.available(), reason="the native stager was not built")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ocds"


def _real_releases() -> list[dict]:
    """Every release and compiled release in the OCDS examples, as compiled releases with their own ocids."""
    out = []

    def add(obj):
        if isinstance(obj, dict) and "ocid" in obj:
            out.append(obj)

    for path in sorted(EXAMPLES.rglob("*.json")):
        try:
            doc = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            continue  # a sample that is not UTF-8 (its own tests cover it)
        docs = doc if isinstance(doc, list) else [doc]
        for d in docs:
            if not isinstance(d, dict):
                continue
            for r in d.get("releases") or []:
                add(r)
            for rec in d.get("records") or []:
                add(rec.get("compiledRelease"))
                for r in rec.get("releases") or []:
                    add(r)
            if "releases" not in d and "records" not in d:
                add(d)
    compiled = []
    for i, r in enumerate(out):
        r = copy.deepcopy(r)
        r["ocid"] = f"{r['ocid']}-n{i}"
        r["tag"] = ["compiled"]
        compiled.append(r)
    return compiled


def _set(doc: dict, path: str, value):
    keys = [int(k) if k.isdigit() else k for k in path.split("/")]
    target = doc
    for k in keys[:-1]:
        target = target[k]
    target[keys[-1]] = value


# (pointer, value): each makes one generated release take a shape the C code must handle exactly or decline.
MUTATIONS = [
    ("tender/title", 5), ("tender/title", None), ("tender/title", True), ("tender/value/amount", "12.5"),
    ("tender/value/amount", -3), ("tender/value/amount", 1e308), ("tender/value/amount", 0), ("tender/value", []),
    ("tender/numberOfTenderers", 1.5), ("tender/numberOfTenderers", 3.0), ("tender/numberOfTenderers", "2"),
    ("tender/numberOfTenderers", 1e300), ("tender/numberOfTenderers", -4),
    ("tender/tenderPeriod/startDate", "20221-01-01"), ("tender/tenderPeriod/startDate", ""),
    ("tender/tenderPeriod/startDate", "1899-12-31"), ("tender/tenderPeriod/endDate", "2100-12-31T00:00:00Z"),
    ("tender/tenderPeriod/endDate", "12.03.2021"), ("date", "2101-01-01"), ("date", 2022),
    ("tender/items", [None]), ("tender/items", {}), ("tender/items/0/quantity", "7"),
    ("tender/items/0/additionalClassifications",
     [{"scheme": "CPV", "id": "1", "description": "a \"quoted\" \\ name / é"}, {"scheme": "X"}]),
    ("tender/items/0/additionalClassifications", []),
    ("tender/items/0/additionalClassifications", [{"scheme": "CPV", "description": "tab\there"}]),
    ("tender/items/0/unit", {"name": "kom", "value": {"amount": 12.5, "currency": "EUR"}}),
    ("tender/items/0/unit", {"name": "kom", "value": {"amount": -1, "currency": "EUR"}}),
    ("tender/lots", [{"id": "1", "title": "Lot A", "status": "active", "value": {"amount": 5, "currency": "RSD"}},
                     {"id": "2", "description": "only a description"}, {"id": "3"},
                     {"id": "4", "title": "T", "description": "D"}]),
    ("tender/lots", [{"id": 1, "title": "numeric id"}]),
    ("tender/documents", [{"id": "d1", "documentType": "tenderNotice", "url": "http://x", "datePublished": "2022-01-01"}]),
    ("tender/documents", [{"id": "d1", "datePublished": "yesterday"}]),
    ("tender/amendments", [{"id": "a1", "date": "2022-02-02", "rationale": "why", "amendsReleaseID": "r0"}]),
    ("planning", {"documents": [{"id": "p1", "title": "Plan"}]}), ("planning", "none"),
    ("parties/0/roles", []), ("parties/0/roles", ["buyer", None]), ("parties/0/roles", ["a\x1fb"]),
    ("parties/0/additionalIdentifiers", [{"scheme": "RS-PIB", "id": "1", "legalName": "Ime \"d.o.o.\""}]),
    ("parties/0/additionalIdentifiers", [{"scheme": "RS-PIB", "id": 17}]),
    ("parties/0/address", {"streetAddress": "Ulica 1", "region": "R", "postalCode": "11000", "countryName": "RS"}),
    ("parties/0/identifier", {"scheme": "RS-MB", "id": "1", "legalName": "L"}), ("parties/0/identifier", "x"),
    ("parties/0/__nz_origin", "abc|/x"), ("parties", [None]), ("parties", "many"),
    ("bids", {"details": []}), ("bids", {"details": None}), ("bids", {"statistics": []}), ("bids", []),
    ("bids/details/0/relatedLots", ["1", "2"]), ("bids/details/0/tenderers", [{"id": 3, "name": "x"}]),
    ("bids/details/0/date", "2022-13-45"), ("bids/details/0/value/amount", -0.0),
    ("awards/0/relatedBids", ["b1", "b2"]), ("awards/0/relatedBids", []), ("awards/0/relatedBid", None),
    ("awards/0/numberOfTenderers", 2), ("awards/0/status", None), ("awards/0/status", "pending"),
    ("awards/0/documents", [{"id": "ad", "title": "Odluka"}]),
    ("awards/0/amendments", [{"id": "aa", "description": "changed", "releaseID": "r2"}]),
    ("awards/0/items", [{"id": "9", "classification": {"scheme": "CPV", "id": "32323500"}}]),
    ("awards/0/value", {"amount": 0.1, "currency": "EUR"}),
    ("contracts/0/implementation", {"documents": [{"id": "i1", "url": "http://y"}]}),
    ("contracts/0/implementation", {"transactions": []}),
    ("contracts/0/amendments", [{"id": "ca", "date": "2023-01-01"}]), ("contracts/0/dateSigned", "n/a"),
    ("contracts/0/status", "terminated"), ("contracts/0/documents", [{"id": "cd", "format": "application/pdf"}]),
    ("language", "sr"), ("language", ["sr"]), ("id", 12345), ("id", ""), ("tag", ["compiled", 7]),
    ("tag", ["compiled", "a\"b"]), ("tag", ["compiled", "ugovor"]), ("releases", []), ("buyer", None),
    ("buyer", {"id": "B", "name": None}), ("tender/procuringEntity", {"id": "P"}),
]


def _mutated(base: list[dict]) -> list[dict]:
    out = []
    for i, (path, value) in enumerate(MUTATIONS):
        doc = copy.deepcopy(base[i % len(base)])
        doc["ocid"] = f"{doc['ocid']}-m{i}"
        try:
            _set(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # the release lacks the parent: the case is covered by another base
        out.append(doc)
    # ties and several currencies: the totals must pick the same currency and add in the same order
    doc = copy.deepcopy(base[0])
    doc["ocid"] += "-tie"
    award = doc["awards"][0]
    doc["awards"] = [dict(award, id=f"a{k}", value={"amount": amount, "currency": cur})
                     for k, (amount, cur) in enumerate([(0.1, "EUR"), (5, "RSD"), (0.2, "EUR"), (7, "RSD"),
                                                        (0.3, "EUR"), (1, None), (2, None), (3, None)])]
    out.append(doc)
    # duplicate keys and a line that is not an object are raw text
    return out


RAW_LINES = [
    b'{"ocid":"ocds-dup-1","id":"x","tag":["compiled"],"tender":{"title":"a","title":"b"}}',
    b'{"ocid":"ocds-dup-2","ocid":"ocds-dup-3","id":"x","tag":["compiled"]}',
    b' {"ocid":"ocds-space","id":"x","tag":["compiled"]}',
    b'[1, 2]',
    b'{"ocid":"ocds-bad", "id": "x", "tag": ["compiled"], "tender": {"title": "unterminated"}',
    b'{"ocid":"ocds-rel-1","id":"r1","date":"2022-01-01","tag":["tender"],"parties":[]}',
    b'{"ocid":"ocds-rel-1","id":"r2","date":"2022-02-01","tag":["award"],"parties":[]}',
    b'{"ocid":"ocds-rel-2","id":"r1","tag":["planning"]}',
    b'{"ocid":"ocds-10","id":"r1","tag":["tender"],"buyer":{"name":"old style"}}',
    b'{"ocid":"ocds-twice","id":"c1","tag":["compiled"]}',
    b'{"ocid":"ocds-twice","id":"c1","tag":["compiled"]}',
    b'{"ocid":"ocds-twice-2","id":"c1","tag":["compiled"]}',
    b'{"ocid":"ocds-twice-2","id":"c2","tag":["compiled"],"date":"2023-01-01"}',
    b'{"ocid":"ocds-nul","id":"x","tag":["compiled"],"tender":{"title":"a\\u0000b"}}',
    b'{"ocid":"","id":"x","tag":["compiled"]}',
    b'{"ocid":"ocds-conf","id":"r1","tag":["tender"],"parties":[]}',
    b'{"ocid":"ocds-conf", "id":"r1", "tag":["tender"], "parties":[]}',
    b'{"ocid":"ocds-conf","id":"r1","tag":["tender"],"parties":[],"date":"2022-01-01"}',
    b'{"id":"x","tag":["compiled"]}',
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    base = list(generate_releases(60, seed=7))
    docs = base + _real_releases() + _mutated(base)
    path = tmp_path_factory.mktemp("native") / "corpus.jsonl"
    with open(path, "wb") as f:
        for d in docs:
            f.write(orjson.dumps(d) + b"\n")
        f.write(b"\n".join(RAW_LINES) + b"\n")
        # the same compiled releases again, later in the file: duplicates
        for d in base[:3]:
            f.write(orjson.dumps(d) + b"\n")
    return path


def _tables(store) -> dict[str, list]:
    out = {}
    for table in ["releases", "processes", *MODEL_TABLES, "pending_processes"]:
        out[table] = sorted(map(repr, store.con.execute(f"SELECT * FROM {table}").fetchall()))
    for table in ("quarantine", "warnings"):
        out[table] = sorted(map(repr, store.con.execute(
            f"SELECT * EXCLUDE (created_at, source_id) FROM {table}").fetchall()))
    return out


def _ingest(path: Path, db: Path, monkeypatch, native: bool, batch: int | None = None) -> dict[str, list]:
    monkeypatch.setenv("NADZOR_NATIVE_STAGE", "1" if native else "0")
    if batch:
        monkeypatch.setattr("nadzor.ingest.ocds.BATCH", batch)
    with Store.open(db) as store:
        ingest_paths(store, [str(path)])
        return _tables(store)


def test_native_and_sql_paths_give_the_same_store(corpus, tmp_path, monkeypatch):
    sql = _ingest(corpus, tmp_path / "sql.duckdb", monkeypatch, native=False)
    native = _ingest(corpus, tmp_path / "native.duckdb", monkeypatch, native=True)
    assert sql.keys() == native.keys()
    for table in sql:
        assert native[table] == sql[table], table
    assert len(sql["processes"]) > 200 and len(sql["quarantine"]) > 10
    assert any("ocds-conf" in q and "different content" in q for q in sql["quarantine"])


def test_same_store_when_batches_split_the_file(corpus, tmp_path, monkeypatch):
    sql = _ingest(corpus, tmp_path / "sql.duckdb", monkeypatch, native=False)
    native = _ingest(corpus, tmp_path / "native.duckdb", monkeypatch, native=True, batch=37)
    for table in sql:
        assert native[table] == sql[table], table


def test_the_native_path_takes_plain_lines_and_declines_the_rest(corpus):
    import pyarrow as pa

    lines = corpus.read_bytes().split(b"\n")[:-1]
    n = len(lines)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    units = pa.table({
        "source_id": pa.array(["s"] * n), "locator": pa.array([f"L{i + 1}" for i in range(n)]),
        "text": pa.array([line.decode("utf-8", "replace") for line in lines], pa.large_string()),
        "hint": pa.nulls(n, pa.string()), "data_offset": pa.array(offsets[:-1], pa.int64()),
        "data_length": pa.array([len(line) for line in lines], pa.int64())})
    staged = stage.stage_units(units)
    declined = {i for i, d in enumerate(staged.declined) if d}
    generated = 60
    assert not declined & set(range(generated)), "plain generated releases are taken"
    text = {i: lines[i] for i in declined}
    for needle in (b'"title":5', b'"amount":-3', b'"20221-01-01"', b'"__nz_origin"', b'"id":12345', b'"title":"b"',
                   b'"tab\\there"', b'[1, 2]'):
        assert any(needle in t for t in text.values()), needle
    keys = staged.tables["keys"]
    assert sum(t.num_rows for t in keys) == n - len(declined)
    assert staged.handled > 100


def test_md5_matches_hashlib():
    import hashlib

    from nadzor.normalize import _stage

    for data in (b"", b"a", b"x" * 55, b"x" * 56, b"x" * 63, b"x" * 64, b"x" * 65, "čćž".encode() * 100):
        assert _stage.md5(data) == hashlib.md5(data).hexdigest()
    noise = bytes(range(256)) * 5
    for n in range(300):  # every tail length, several blocks
        assert _stage.md5(noise[:n]) == hashlib.md5(noise[:n]).hexdigest(), n


def test_lists_round_trip_through_text(tmp_path):
    import duckdb

    con = duckdb.connect()
    for value, expected in (("", []), ("\x1fa", ["a"]), ("\x1fa\x1f", ["a", ""]), ("\x1f", [""]), (None, None),
                            ("\x1fa\x1fb c", ["a", "b c"])):
        assert con.execute(f"SELECT {stage.list_sql('x')} FROM (SELECT ? AS x)", [value]).fetchone()[0] == expected
    assert json.dumps(stage.LAYOUT["keys"][0]) == '["seq", "i"]'


def test_rows_the_writer_appended_go_when_the_file_fails(corpus, tmp_path, monkeypatch):
    """The row writer commits on its own connection: when the file then fails, nothing of it may stay."""
    import nadzor.ingest.ocds as ocds

    monkeypatch.setenv("NADZOR_NATIVE_STAGE", "1")
    monkeypatch.setattr(ocds, "BATCH", 50)
    monkeypatch.setattr(stage, "FLUSH_ROWS", 20)

    def fail(store, source):
        raise RuntimeError("stopped")

    with Store.open(tmp_path / "s.duckdb") as store:
        real_finish = ocds._finish
        monkeypatch.setattr(ocds, "_finish", fail)
        with pytest.raises(RuntimeError):
            ingest_paths(store, [str(corpus)])
        for table in ["sources", "releases", "processes", *MODEL_TABLES]:
            assert store.scalar(f"SELECT count(*) FROM {table}") == 0, table
        monkeypatch.setattr(ocds, "_finish", real_finish)
        ingest_paths(store, [str(corpus)])
        assert store.scalar("SELECT count(*) FROM processes") > 200


def test_the_writer_appends_only_rows_whose_source_is_committed(corpus, tmp_path, monkeypatch):
    """A kill must never leave model rows that Store.discard_incomplete cannot find by their source: the writer
    (which commits on its own) gets a batch's rows only after the batch and its 'loading' source are committed."""
    import nadzor.ingest.ocds as ocds

    monkeypatch.setenv("NADZOR_NATIVE_STAGE", "1")
    monkeypatch.setattr(ocds, "BATCH", 50)
    monkeypatch.setattr(stage, "FLUSH_ROWS", 20)
    real = stage.RowSink._append
    seen, unseen = [], []

    def checked(con, name, tables):
        committed = {r[0] for r in con.execute("SELECT source_id FROM sources").fetchall()}
        for _, source in tables:
            (seen if source in committed else unseen).append((name, source))
        real(con, name, tables)

    monkeypatch.setattr(stage.RowSink, "_append", staticmethod(checked))
    plain = tmp_path / "plain.jsonl"  # compiled releases only: every batch goes through the writer
    plain.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in generate_releases(300, seed=11)))
    with Store.open(tmp_path / "s.duckdb") as store:
        ingest_paths(store, [str(plain), str(corpus)])
        assert store.scalar("SELECT count(*) FROM processes") > 500
    assert len({source for _, source in seen}) == 1 and not unseen


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="tune_malloc only changes glibc's malloc")
def test_malloc_is_tuned_once_on_glibc(monkeypatch):
    from nadzor.normalize import _stage

    assert _stage.tune_malloc(stage.MMAP_THRESHOLD, stage.ARENA_MAX) is True
    assert _stage.tune_malloc(0, 2) is False and _stage.tune_malloc(stage.MMAP_THRESHOLD, 0) is False
    calls = []
    monkeypatch.setattr(stage, "_heap_tuned", False)
    monkeypatch.setattr(_stage, "tune_malloc", lambda *a: calls.append(a) or True)
    stage.tune_heap()
    stage.tune_heap()
    assert calls == [(stage.MMAP_THRESHOLD, stage.ARENA_MAX)]


def _random_chunk(rng) -> bytes:
    """Lines of JSON-ish text, blank lines of every blank byte, stray \\r, multi-byte and (sometimes) broken UTF-8."""
    pieces = [b"", b" ", b"\t", b"\r", b"\x0b", b"\x0c", b'{"a": 1}', "{\"n\": \"Ni\u0161\"}".encode(),
              "\u20ac".encode(), "\U0001f4f7".encode(),
              b"\xe2\x82", b"\xff", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf",  # not UTF-8
              b"x"]
    weights = [4, 3, 2, 3, 1, 1, 8, 3, 2, 2] + [0.3] * 5 + [3]
    lines = [b"".join(rng.choices(pieces, weights, k=rng.randint(0, 6))) for _ in range(rng.randint(0, 12))]
    return b"\n".join(lines)


def test_lines_are_split_in_c_as_arrow_splits_them(tmp_path):
    """The C splitter gives the units table (text, locators, offsets and lengths) Arrow's path gives, blank lines
    and trailing \\r removed the same way, and hands back (None) every chunk Arrow finds not to be UTF-8."""
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    from nadzor.ingest import ocds
    from nadzor.ingest.api import IngestReport, SourceInfo

    rng = random.Random(7)
    source = SourceInfo(source_id="s" * 64, original_path="x.jsonl", archived_path=tmp_path / "x", size=0,
                        adapter="ocds")
    with Store.open(":memory:") as store:
        for case in range(3000):
            data = _random_chunk(rng)
            first = rng.randint(1, 10**9)
            lines = pc.split_pattern(pa.array([data], pa.large_binary()), b"\n").flatten()
            try:
                lines.cast(pa.large_string())
            except pa.ArrowInvalid:
                assert stage.split_lines(data, first) is None, data
                continue
            for start in (None, 1234):
                expected = ocds._lines_table(lines, first, source, IngestReport(), store, start)
                table, count = ocds._chunk_table(data, first, source, IngestReport(), store, start)
                assert count == len(lines)
                assert table.equals(expected), (case, data)
