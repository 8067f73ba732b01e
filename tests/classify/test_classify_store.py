import json
import subprocess
import sys

import pytest

from nadzor.classify.purchases import list_purchases
from nadzor.classify.store import classify_store, field_from_locator


def fill(store):
    """Three processes: a camera purchase (Cyrillic item), a construction-supervision trap, and an FR purchase."""
    c = store.con
    c.execute("""INSERT INTO processes (ocid, date, title, buyer_id, buyer_name, tender_value_amount,
        tender_value_currency, award_value_amount, award_value_currency, contract_value_amount,
        contract_value_currency, number_of_tenderers, source_id, locator) VALUES
        ('ocds-a-1', '2022-03-01', 'Набавка опреме', 'B1', 'Opština Primer', 100, 'RSD', 90, 'RSD', NULL, NULL, 1,
         'src1', '/releases/0'),
        ('ocds-a-2', '2022-05-01', 'Stručni nadzor nad izvođenjem radova', 'B1', 'Opština Primer', 50, 'RSD',
         NULL, NULL, NULL, NULL, 3, 'src1', '/releases/1'),
        ('ocds-a-3', '2023-01-10', 'Softver za prepoznavanje lica', 'B2', 'Grad Izmišljeni', 10, 'EUR',
         20, 'EUR', 30, 'EUR', 2, 'src1', '/releases/2')""")
    c.execute("""INSERT INTO items (ocid, origin, parent_id, item_id, description, classification_scheme,
        classification_id, source_id, locator) VALUES
        ('ocds-a-1', 'tender', NULL, '1', 'Рачунари', 'CPV', '30213000-5', 'src1', '/releases/0/tender/items/0'),
        ('ocds-a-1', 'tender', NULL, '2', 'Камере за видео надзор', 'CPV', '35125300-9', 'src1',
         '/releases/0/tender/items/1'),
        ('ocds-a-2', 'tender', NULL, '1', 'Nadzor', 'CPV', '71520000-9', 'src1', '/releases/1/tender/items/0')""")
    c.execute("""INSERT INTO award_suppliers (ocid, award_id, award_index, supplier_id, supplier_name, source_id,
        locator) VALUES ('ocds-a-1', 'a1', 0, 'S1', 'Primer Security d.o.o.', 'src1', '/releases/0/awards/0'),
        ('ocds-a-3', 'a1', 0, 'S2', 'Izmišljena Tehnika', 'src1', '/releases/2/awards/0')""")
    c.execute("INSERT INTO party_entities VALUES ('ocds-a-1', 'S1', 'E-primer', 'identifier', 1.0, 'same id')")
    c.execute("INSERT INTO amendments (ocid, parent, amendment_id) VALUES ('ocds-a-3', 'contract', 'am1')")


@pytest.fixture
def filled(store):
    fill(store)
    return store


def test_field_from_locator_strips_the_release_prefix():
    assert field_from_locator("/releases/3/tender/items/2", "x") == "tender/items/2"
    assert field_from_locator("L12/awards/0/items/1", "x") == "awards/0/items/1"
    assert field_from_locator(None, "tender/items/9") == "tender/items/9"


def test_classify_store_writes_one_classification_per_process_and_evidence(filled):
    summary = classify_store(filled)
    assert summary["processes"] == 3 and summary["surveillance"] == 2
    rows = {r["ocid"]: r for r in filled.rows(
        "SELECT ocid, is_surveillance, capabilities FROM classifications")}
    assert rows["ocds-a-1"]["is_surveillance"] and rows["ocds-a-1"]["capabilities"] == ["video_surveillance"]
    assert rows["ocds-a-2"]["is_surveillance"] is False
    assert rows["ocds-a-3"]["capabilities"] == ["facial_recognition"]
    ev = filled.rows("SELECT * FROM classification_evidence WHERE ocid = 'ocds-a-1' ORDER BY field, span_start")
    assert {e["field"] for e in ev} == {"tender/items/1/classification", "tender/items/1/description"}
    text = next(e for e in ev if e["field"] == "tender/items/1/description")
    assert "Камере за видео надзор"[text["span_start"]:text["span_end"]] == text["matched"]
    assert text["source_id"] == "src1" and text["locator"] == "/releases/0/tender/items/1"


def test_classify_store_replaces_previous_results(filled):
    classify_store(filled)
    classify_store(filled)
    assert filled.scalar("SELECT count(*) FROM classifications") == 3


def test_classify_is_a_registered_analysis_step_before_findings():
    from nadzor.plugins import collect

    steps = {s.name: s for s in collect("register_analysis_steps")}
    assert steps["classify"].order == 10


def test_list_purchases_shape_values_and_entities(filled):
    classify_store(filled)
    rows = list_purchases(filled, order="date")
    assert [r["ocid"] for r in rows] == ["ocds-a-1", "ocds-a-3"]
    a1, a3 = rows
    assert a1["buyer"] == {"id": "B1", "name": "Opština Primer"}
    assert a1["suppliers"] == [{"id": "S1", "entity_id": "E-primer", "name": "Primer Security d.o.o."}]
    assert a3["suppliers"][0]["entity_id"] is None
    assert (a1["value"], a1["currency"]) == (90, "RSD")  # award value when no contract value
    assert (a3["value"], a3["currency"]) == (30, "EUR")  # contract value first
    assert a1["cpv"] == ["30213000-5", "35125300-9"]
    assert a1["amended"] is False and a3["amended"] is True
    assert a1["number_of_tenderers"] == 1
    assert a1["evidence"] and all("locator" in e for e in a1["evidence"])
    assert a1["explanation"].startswith("Classified as video surveillance (")
    assert "not proof" in a1["explanation"]


def test_list_purchases_filters(filled):
    classify_store(filled)
    assert [r["ocid"] for r in list_purchases(filled, capability="facial_recognition")] == ["ocds-a-3"]
    assert [r["ocid"] for r in list_purchases(filled, buyer="primer")] == ["ocds-a-1"]
    assert [r["ocid"] for r in list_purchases(filled, supplier="E-primer")] == ["ocds-a-1"]
    assert [r["ocid"] for r in list_purchases(filled, year=2023)] == ["ocds-a-3"]
    assert [r["ocid"] for r in list_purchases(filled, limit=1, offset=1, order="date")] == ["ocds-a-3"]


def test_purchases_cli_jsonl_and_csv(tmp_path):
    from nadzor.store import Store

    db = tmp_path / "p.duckdb"
    with Store.open(db) as s:
        fill(s)
    run = lambda *a: subprocess.run([sys.executable, "-m", "nadzor", "--db", str(db), *a],  # noqa: E731
                                    capture_output=True, text=True, check=True).stdout
    run("classify", "store")
    lines = [json.loads(x) for x in run("purchases", "--format", "jsonl").splitlines()]
    assert [x["ocid"] for x in lines] == ["ocds-a-3", "ocds-a-1"]  # newest first
    assert run("purchases", "--format", "csv").splitlines()[0].startswith("ocid,title,buyer,suppliers")


def test_bundled_real_ocds_examples_yield_no_surveillance_purchase(store):
    """The bundled real samples contain no surveillance tender: every flag there would be a false positive."""
    from pathlib import Path

    from nadzor.ingest.ocds import ingest_paths

    examples = Path(__file__).resolve().parents[2] / "examples" / "ocds"
    ingest_paths(store, [str(examples)])
    summary = classify_store(store)
    assert summary["processes"] > 100
    assert summary["surveillance"] == 0


def test_linked_document_text_is_classified_with_its_span(store):
    store.con.execute("INSERT INTO processes (ocid, title) VALUES ('ocds-d-1', 'Nabavka opreme')")
    store.con.execute("INSERT INTO archived_documents (sha256, filename, text) VALUES "
                      "('abc123', 'specifikacija.pdf', 'Tehnička specifikacija: kamere sa prepoznavanjem lica, 12 kom.')")
    store.con.execute("INSERT INTO document_links (sha256, ocid) VALUES ('abc123', 'ocds-d-1')")
    classify_store(store)
    ev = store.rows("SELECT * FROM classification_evidence WHERE capability = 'facial_recognition'")
    assert ev[0]["field"] == "archived_documents/abc123/text"
    assert ev[0]["source_id"] == "abc123" and ev[0]["locator"] == "specifikacija.pdf"
    assert ev[0]["matched"] == "prepoznavanjem lica"


def test_classify_store_in_batches_writes_the_same_rows_and_reports_progress(filled, monkeypatch):
    import nadzor.classify.store as module

    filled.con.execute("INSERT INTO document_links (sha256, ocid) VALUES ('orphan', 'ocds-z-9')")
    filled.con.execute("INSERT INTO archived_documents (sha256, filename, text) VALUES ('orphan', 'x.pdf', 'kamere')")
    query = "SELECT * EXCLUDE (classified_at) FROM classifications ORDER BY ocid"
    evidence = "SELECT * FROM classification_evidence ORDER BY ALL"
    whole = classify_store(filled)
    expected = filled.rows(query), filled.rows(evidence)
    monkeypatch.setattr(module, "_BATCH", 1)
    monkeypatch.setattr(module, "_CHUNK", 2)
    calls = []
    assert classify_store(filled, progress=lambda done, total: calls.append((done, total))) == whole
    assert (filled.rows(query), filled.rows(evidence)) == expected
    assert calls[:2] == [(0, 3), (1, 3)] and calls[-1] == (3, 3)  # a document linked to no process makes no process
