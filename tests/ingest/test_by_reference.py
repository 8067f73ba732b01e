"""Releases kept by reference: a line of an uncompressed JSON-lines file is read back from the archived file
(``releases.data_offset``/``data_length``); everything the ingest changes or re-serialises keeps its text."""

import duckdb
import orjson
import pytest

from nadzor.exceptions import StoreError
from nadzor.ingest import ocds
from nadzor.store import Store
from tests.ingest.conftest import release


def _texts_by_locator(store) -> dict[str, str]:
    rows = store.con.execute("SELECT r.locator, " + store.release_ref_sql("r") + " FROM releases r").fetchall()
    return dict(zip([r[0] for r in rows], store.release_texts([r[1:] for r in rows])))


def test_a_line_read_back_through_the_accessor_equals_the_files_line(store, write, ingest, monkeypatch):
    monkeypatch.setattr(ocds, "LINE_CHUNK", 700)  # lines cross chunk boundaries: offsets must still add up
    lines = [
        orjson.dumps(release(ocid="ocds-ref-1", rid="a", description="Kamere za nadzor: čćžšđ €")),
        b"   " + orjson.dumps(release(ocid="ocds-ref-1", rid="b", date="2024-02-01T00:00:00Z")) + b"\r",
        b"",
        b"  \t",
        orjson.dumps(release(ocid="ocds-ref-2", rid="c", tag=["compiled"])),
        orjson.dumps(release(ocid="ocds-ref-3", rid="d", tag=["compiled"]), option=orjson.OPT_INDENT_2).replace(
            b"\n", b" "),
    ]
    path = write("ref.jsonl", b"\n".join(lines) + b"\n")
    ingest(path)
    assert store.scalar("SELECT count(*) FROM releases") == 4
    assert store.scalar("SELECT count(*) FROM releases WHERE data IS NULL AND data_offset IS NOT NULL") == 4
    expected = {f"L{n}": line.rstrip(b"\r").decode() for n, line in enumerate(lines, 1) if line.strip()}
    assert _texts_by_locator(store) == expected
    # the processes were built from them: merged individual releases and compiled releases used as is
    assert store.scalar("SELECT release_count FROM processes WHERE ocid = 'ocds-ref-1'") == 2
    assert store.scalar("SELECT title FROM processes WHERE ocid = 'ocds-ref-3'") == "Nabavka opreme"


def test_a_byte_order_mark_is_not_part_of_the_first_line(store, write, ingest):
    # Windows tools write a UTF-8 BOM; before, the first line was quarantined as malformed JSON.
    lines = [orjson.dumps(release(ocid=f"ocds-bom-{i}", rid="a")) for i in range(2)]
    path = write("bom.jsonl", b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n")
    ingest(path)
    assert store.scalar("SELECT count(*) FROM quarantine") == 0
    assert store.scalar("SELECT data_offset FROM releases WHERE locator = 'L1'") == 3
    assert _texts_by_locator(store) == {"L1": lines[0].decode(), "L2": lines[1].decode()}


def test_a_process_of_two_compiled_releases_is_rebuilt_from_the_archive(store, write, ingest):
    older = release(ocid="ocds-two", rid="x", tag=["compiled"], date="2024-01-01T00:00:00Z")
    newer = release(ocid="ocds-two", rid="y", tag=["compiled"], date="2024-03-01T00:00:00Z")
    newer["tender"]["title"] = "Novija verzija"
    ingest(write("two.jsonl", [older, newer], lines=True))
    assert store.scalar("SELECT count(*) FROM releases WHERE data IS NULL") == 2
    assert store.scalar("SELECT title FROM processes WHERE ocid = 'ocds-two'") == "Novija verzija"


def test_what_the_ingest_changes_keeps_its_text(store, write, ingest):
    old = {"ocid": "ocds-old-ref", "id": "1", "date": "2015-01-01T00:00:00Z", "tag": ["award"],
           "buyer": {"name": "Grad Staro", "identifier": {"scheme": "RS-MB", "id": "123"}}}
    ingest(write("old.jsonl", [old], lines=True),                             # OCDS 1.0, upgraded by ocdskit
           write("gz.jsonl.gz", [release(ocid="ocds-gz")], lines=True, gz=True),  # compressed
           write("doc.json", release(ocid="ocds-doc")))                       # a document, re-serialised
    rows = {r["ocid"]: r for r in store.rows("SELECT ocid, data, data_offset, upgraded_from FROM releases")}
    assert all(r["data"] is not None and r["data_offset"] is None for r in rows.values())
    assert rows["ocds-old-ref"]["upgraded_from"] == "1.0"
    upgraded = orjson.loads(store.select_release_texts("r.ocid = 'ocds-old-ref'")[0])
    assert upgraded["parties"][0]["name"] == "Grad Staro"  # the upgraded text, not the file's line
    assert orjson.loads(store.select_release_texts("r.ocid = 'ocds-gz'")[0]) == release(ocid="ocds-gz")


def test_same_release_with_other_spacing_is_a_duplicate_and_other_content_a_conflict(store, write, ingest):
    r = release(ocid="ocds-dup")
    ingest(write("a.jsonl", [r], lines=True))
    spaced = orjson.dumps(r, option=orjson.OPT_INDENT_2).replace(b"\n", b" ") + b"\n"
    report = ingest(write("b.jsonl", spaced))
    assert report.duplicates == 1 and report.quarantined == 0
    changed = dict(r, description="drukčije")
    report = ingest(write("c.jsonl", [changed], lines=True))
    assert report.quarantined == 1
    assert store.scalar("SELECT kind FROM quarantine") == "conflict"


def test_a_missing_archive_gives_a_clear_error(tmp_path, write):
    db = tmp_path / "m.duckdb"
    with Store.open(db) as store:
        ocds.ingest_paths(store, [str(write("m.jsonl", [release(ocid="ocds-miss", tag=["compiled"])],
                                            lines=True))])
        sha = store.scalar("SELECT source_id FROM releases")
        store.archive_path(sha).rename(tmp_path / "moved")
    with Store.open(db, read_only=True) as store:
        with pytest.raises(StoreError, match=sha) as err:
            store.select_release_texts()
        assert "missing" in str(err.value) and str(store.archive_path(sha)) in str(err.value)
        from nadzor.web import queries

        with pytest.raises(StoreError, match=sha):
            queries.get_release(queries.Reader.from_store(store), "ocds-miss")


def test_web_process_json_and_publish_show_the_releases_as_published(store, write, ingest, tmp_path):
    from nadzor.publish.ocds import export_ocds
    from nadzor.web import queries

    lines = [orjson.dumps(release(ocid=f"ocds-pub-{i}", tag=["compiled"])) for i in range(3)]
    ingest(write("pub.jsonl", b"\n".join(lines) + b"\n"))
    assert store.scalar("SELECT count(*) FROM releases WHERE data IS NULL") == 3
    reader = queries.Reader.from_store(store)
    assert queries.get_release(reader, "ocds-pub-1") == lines[1].decode()
    out = tmp_path / "out.json"
    export_ocds(store, out, scope="all")
    assert [orjson.dumps(x) for x in orjson.loads(out.read_bytes())["releases"]] == lines


def test_a_store_made_before_references_still_reads_and_migrates(tmp_path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE releases (release_key VARCHAR PRIMARY KEY, ocid VARCHAR NOT NULL, release_id VARCHAR,"
                " kind VARCHAR NOT NULL, date VARCHAR, tag VARCHAR[], content_hash VARCHAR NOT NULL,"
                " data JSON NOT NULL, upgraded_from VARCHAR, source_id VARCHAR NOT NULL, locator VARCHAR NOT NULL)")
    con.execute("INSERT INTO releases VALUES ('release:o:1', 'o', '1', 'release', NULL, NULL, 'h', '{\"ocid\":\"o\"}',"
                " NULL, 's', 'L1')")
    con.close()
    with Store.open(db, read_only=True) as store:  # not migrated: no reference columns, the text is in data
        assert store.select_release_texts() == ['{"ocid":"o"}']
    with Store.open(db) as store:  # migrated: reference columns added, NULL for the old rows
        assert store.select_release_texts() == ['{"ocid":"o"}']
        assert store.scalar("SELECT count(*) FROM releases WHERE data_offset IS NULL") == 1


def test_json_lines_from_stdin_are_kept_by_reference(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "s.duckdb"
    lines = [orjson.dumps(release(ocid=f"ocds-stdin-{i}", tag=["compiled"])) for i in range(2)]
    subprocess.run([sys.executable, "-m", "nadzor", "--db", str(db), "ingest", "--json", "-"],
                   input=b"\n".join(lines) + b"\n", capture_output=True, check=True)
    with Store.open(db, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM releases WHERE data IS NULL") == 2
        assert s.select_release_texts() == [line.decode() for line in lines]
