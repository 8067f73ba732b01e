"""Every OCDS shape nadzor detects: packages, records, single/compiled/versioned releases, lines, arrays, gzip."""

import io
import subprocess
import sys

import orjson

from tests.ingest.conftest import counts, package, release


def test_release_package_keeps_licence_and_publisher(store, write, ingest):
    p = write("pkg.json", package(release(), release(ocid="ocds-t-2")))
    report = ingest(p)
    assert report.releases == 2 and report.processes_updated == 2
    src = store.rows("SELECT * FROM sources")[0]
    assert src["licence"] == "https://creativecommons.org/licenses/by/4.0/"
    assert src["publisher"] == "Test Publisher"
    assert src["format"] == "release_package"
    assert store.scalar("SELECT count(*) FROM processes") == 2
    assert store.scalar("SELECT locator FROM releases WHERE ocid = 'ocds-t-2'") == "/releases/1"


def test_record_package_uses_embedded_releases_and_records_linked_ones(store, write, ingest):
    record = {"ocid": "ocds-t-9", "releases": [
        release(ocid="ocds-t-9", rid="a", date="2024-01-01T00:00:00Z"),
        {"url": "http://example.org/r/b.json", "date": "2024-02-01T00:00:00Z", "tag": ["award"]},
    ], "compiledRelease": release(ocid="ocds-t-9", rid="ocds-t-9-compiled", tag=("compiled",))}
    p = write("rec.json", {"uri": "x", "version": "1.1", "records": [record]})
    ingest(p)
    assert store.scalar("SELECT count(*) FROM unfetched_releases") == 1
    assert store.scalar("SELECT url FROM unfetched_releases") == "http://example.org/r/b.json"
    assert store.scalar("SELECT compiled_from FROM processes") == "merged"  # embedded releases win
    assert store.scalar("SELECT format FROM sources") == "record_package"


def test_compiled_release_only_record_is_used_as_is(store, write, ingest):
    record = {"ocid": "ocds-t-8", "compiledRelease": release(ocid="ocds-t-8", rid="c", tag=("compiled",))}
    ingest(write("rec.json", {"version": "1.1", "records": [record]}))
    row = store.rows("SELECT compiled_from, locator FROM processes")[0]
    assert row["compiled_from"].startswith("compiled:ocds-t-8:")
    assert row["locator"] == "/records/0/compiledRelease"


def test_single_release_compiled_release_and_versioned_release(store, write, ingest):
    versioned = {"ocid": "ocds-t-v", "tender": {"title": [
        {"releaseID": "1", "releaseDate": "2024-01-01T00:00:00Z", "releaseTag": ["tender"], "value": "Old"},
        {"releaseID": "2", "releaseDate": "2024-02-01T00:00:00Z", "releaseTag": ["tender"], "value": "New"}]}}
    ingest(write("single.json", release(ocid="ocds-t-s")),
           write("compiled.json", release(ocid="ocds-t-c", rid="x", tag=("compiled",))),
           write("versioned.json", versioned))
    titles = dict(store.con.execute("SELECT ocid, title FROM processes").fetchall())
    assert titles == {"ocds-t-s": "Nabavka opreme", "ocds-t-c": "Nabavka opreme", "ocds-t-v": "New"}
    kinds = dict(store.con.execute("SELECT ocid, kind FROM releases").fetchall())
    assert kinds == {"ocds-t-s": "release", "ocds-t-c": "compiled", "ocds-t-v": "versioned"}


def test_json_lines_array_and_gzip(store, write, ingest):
    lines = write("a.jsonl", [release(ocid=f"ocds-l-{i}") for i in range(3)], lines=True)
    array = write("b.json", [release(ocid="ocds-a-1"), release(ocid="ocds-a-2")])
    gz = write("c.jsonl.gz", [release(ocid="ocds-g-1")], lines=True, gz=True)
    ingest(lines, array, gz)
    assert store.scalar("SELECT count(*) FROM processes") == 6
    locs = dict(store.con.execute("SELECT ocid, locator FROM releases").fetchall())
    assert locs["ocds-l-2"] == "L3" and locs["ocds-a-2"] == "/1" and locs["ocds-g-1"] == "L1"
    media = {r["original_path"].rsplit("/", 1)[1]: r["media_type"] for r in store.rows("SELECT * FROM sources")}
    assert media == {"a.jsonl": "application/x-ndjson", "b.json": "application/json", "c.jsonl.gz": "application/gzip"}


def test_json_lines_of_packages(store, write, ingest):
    ingest(write("p.jsonl", [package(release(ocid="ocds-p-1")), package(release(ocid="ocds-p-2"))], lines=True))
    assert store.scalar("SELECT locator FROM releases WHERE ocid = 'ocds-p-2'") == "L2/releases/0"


def test_folders_are_read_recursively(store, write, ingest, tmp_path):
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    (sub / "x.json").write_bytes(orjson.dumps(release(ocid="ocds-f-1")))
    (tmp_path / "notes.txt").write_text("not json")
    ingest(tmp_path)
    assert store.scalar("SELECT count(*) FROM processes") == 1


def test_stdin_is_archived_and_ingested(tmp_path):
    db = tmp_path / "s.duckdb"
    data = orjson.dumps(package(release(ocid="ocds-in-1")))
    out = subprocess.run([sys.executable, "-m", "nadzor", "--db", str(db), "ingest", "--json", "-"],
                         input=data, capture_output=True, check=True)
    assert orjson.loads(out.stdout)["releases"] == 1
    from nadzor.store import Store

    with Store.open(db, read_only=True) as s:
        assert s.scalar("SELECT original_path FROM sources") == "-"
        assert s.archive_path(s.scalar("SELECT source_id FROM sources")).read_bytes() == data


def test_ocds_10_is_upgraded_with_ocdskit(store, write, ingest):
    old = {"ocid": "ocds-old-1", "id": "1", "date": "2015-01-01T00:00:00Z", "tag": ["award"],
           "buyer": {"name": "Grad Staro", "identifier": {"scheme": "RS-MB", "id": "123"}},
           "awards": [{"id": "a1", "status": "active", "suppliers": [{"name": "Firma d.o.o.",
                                                                        "identifier": {"scheme": "RS-MB", "id": "9"}}]}]}
    ingest(write("old.json", {"uri": "x", "publishedDate": "2015-01-01T00:00:00Z", "releases": [old]}))
    assert store.scalar("SELECT upgraded_from FROM releases") == "1.0"
    roles = dict(store.con.execute("SELECT name, roles FROM parties").fetchall())
    assert roles == {"Grad Staro": ["buyer"], "Firma d.o.o.": ["supplier"]}
    assert store.scalar("SELECT supplier_name FROM award_suppliers") == "Firma d.o.o."
