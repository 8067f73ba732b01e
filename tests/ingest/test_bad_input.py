"""Bad input gets a clear message naming the file and line or JSON pointer, is quarantined with its raw text,
and the rest of the file still ingests."""

import orjson

from tests.ingest.conftest import package, release


def q(store):
    return store.rows("SELECT original_path, locator, reason, raw, kind FROM quarantine ORDER BY locator")


def test_malformed_json_line_is_quarantined_and_the_rest_ingests(store, write, ingest):
    good = orjson.dumps(release(ocid="ocds-ok-1")) + b"\n"
    p = write("m.jsonl", good + b'{"ocid": "ocds-bad", "id": \n' + orjson.dumps(release(ocid="ocds-ok-2")) + b"\n")
    ingest(p)
    assert store.scalar("SELECT count(*) FROM processes") == 2
    [row] = q(store)
    assert row["locator"] == "L2" and "line 2" in row["reason"] and "malformed JSON" in row["reason"]
    assert row["raw"] == '{"ocid": "ocds-bad", "id": '


def test_truncated_package_keeps_the_releases_before_the_cut(store, write, ingest):
    data = orjson.dumps(package(release(ocid="ocds-t-1"), release(ocid="ocds-t-2"), release(ocid="ocds-t-3")),
                        option=orjson.OPT_INDENT_2)
    p = write("t.json", data[: int(len(data) * 0.8)])
    ingest(p)
    assert store.scalar("SELECT count(*) FROM processes") == 2
    [row] = q(store)
    assert "truncated" in row["reason"] and row["locator"] == "/releases/2" and "t.json" in row["reason"]
    assert row["raw"]


def test_iso_8859_1_file_is_decoded_with_a_warning(store, write, ingest):
    r = release(ocid="ocds-enc-1")
    r["tender"]["title"] = "Adquisición de cámaras"
    text = orjson.dumps(package(r)).decode().replace("Opština", "Opstina")
    p = write("latin.json", text.encode("iso-8859-1"))
    ingest(p)
    assert store.scalar("SELECT title FROM processes") == "Adquisición de cámaras"
    warning = store.scalar("SELECT message FROM warnings")
    assert "latin.json" in warning and "not UTF-8" in warning


def test_invalid_utf8_line_in_a_utf8_file_is_quarantined(store, write, ingest):
    bad = orjson.dumps(release(ocid="ocds-u-2")).replace(b"Nabavka", b"Nabavka \xff")
    utf8 = release(ocid="ocds-u-1")
    utf8["tender"]["title"] = "Набавка опреме"
    p = write("u.jsonl", orjson.dumps(utf8) + b"\n" + bad + b"\n")
    ingest(p)
    assert store.scalar("SELECT title FROM processes") == "Набавка опреме"
    [row] = q(store)
    assert row["locator"] == "L2" and "invalid UTF-8" in row["reason"]


def test_json_that_is_not_ocds_is_quarantined(store, write, ingest):
    ingest(write("x.jsonl", [{"name": "a table row", "amount": 3}, 42, release(ocid="ocds-ok")], lines=True))
    rows = q(store)
    assert [r["locator"] for r in rows] == ["L1", "L2"]
    assert "without 'ocid'" in rows[0]["reason"] and "not an OCDS release" in rows[1]["reason"]
    assert store.scalar("SELECT count(*) FROM processes") == 1


def test_release_without_ocid_or_id_is_quarantined(store, write, ingest):
    no_ocid = release()
    del no_ocid["ocid"]
    no_id = release(ocid="ocds-noid")
    del no_id["id"]
    ingest(write("p.json", package(no_ocid, no_id, release(ocid="ocds-fine"))))
    rows = q(store)
    assert {r["locator"] for r in rows} == {"/releases/0", "/releases/1/id"}
    assert any("no release 'id'" in r["reason"] for r in rows)
    assert store.scalar("SELECT count(*) FROM processes") == 1


def test_same_release_id_with_different_content_is_quarantined(store, write, ingest):
    ingest(write("a.json", release()))
    changed = release()
    changed["tender"]["title"] = "Something else"
    ingest(write("b.json", changed))
    [row] = q(store)
    assert row["kind"] == "conflict" and "a.json" in row["reason"] and "different content" in row["reason"]
    assert orjson.loads(row["raw"])["tender"]["title"] == "Something else"
    assert store.scalar("SELECT title FROM processes") == "Nabavka opreme"  # the first one is kept


def test_absurd_values_are_quarantined_and_the_release_kept(store, write, ingest):
    r = release(ocid="ocds-abs")
    r["tender"]["value"] = {"amount": -5000, "currency": "RSD"}
    r["tender"]["tenderPeriod"] = {"startDate": "20221-01-01T00:00:00Z", "endDate": "2022-02-01T00:00:00Z"}
    ingest(write("abs.jsonl", [r], lines=True))
    p = store.rows("SELECT * FROM processes")[0]
    assert p["tender_value_amount"] is None and p["tender_start"] is None
    assert p["tender_end"] == "2022-02-01T00:00:00Z"
    rows = q(store)
    assert {r["locator"] for r in rows} == {"L1/tender/value/amount", "L1/tender/tenderPeriod/startDate"}
    assert all("abs.jsonl" in r["reason"] for r in rows)
    assert {r["raw"] for r in rows} == {"-5000.0", "20221-01-01T00:00:00Z"}
    # the raw release is still stored as published
    assert orjson.loads(store.select_release_texts()[0])["tender"]["value"]["amount"] == -5000


def test_missing_file_is_a_clear_error(store, ingest, tmp_path):
    import pytest

    from nadzor.exceptions import InputError

    with pytest.raises(InputError, match="no such file"):
        ingest(tmp_path / "nope.json")
