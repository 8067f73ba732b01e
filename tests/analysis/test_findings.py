import json

import pytest

from nadzor.analysis.findings import run_findings
from nadzor.entities.build import build_entities

MAKINA = [{"name": "Makina Security d.o.o.", "scheme": "RS-PIB", "id": "101010101"},
          "MAKINA SECURITY DOO Beograd", "Макина Секјурити доо", "Makina Securty d.o.o."]
OTHER = "Drugi Video Sistemi doo"
LOSER = "Treća Kamera doo"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from nadzor.store import Store

    s = Store.open(tmp_path_factory.mktemp("findings") / "t.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="module")
def case(store):
    from builders import Builder

    b = Builder(store)
    b.process("ocds-1", buyer="Opština Alfa", suppliers=[MAKINA[0]], surveillance=True, number_of_tenderers=1,
              capabilities=["video_surveillance", "facial_recognition"], award_value=100.0,
              evidence=[("facial_recognition", "tender/items/0/description", "softver za prepoznavanje lica")],
              items=["Kamera Dahua IPC-HFW5442", "softver za prepoznavanje lica"],
              restricted=[{"vendor": "Dahua", "list": "US Entity List", "date": "2019-10-09", "source": "FR 2019-22210"}])
    b.process("ocds-2", buyer="Општина Бета", suppliers=[MAKINA[2]], losers=[LOSER], surveillance=True,
              items=["IP kamera Hikvision ili odgovarajuće"], award_value=50.0)
    b.process("ocds-3", buyer="Grad Gama", suppliers=[MAKINA[1]], surveillance=True, number_of_tenderers=1)
    b.process("ocds-4", buyer="Grad Gama", suppliers=[MAKINA[3]], surveillance=True, method="limited")
    b.process("ocds-5", buyer="JKP Vodovod Delta", suppliers=[MAKINA[0]], losers=[LOSER], surveillance=True)
    b.process("ocds-6", buyer="JKP Vodovod Delta", suppliers=[OTHER], losers=[LOSER], surveillance=True)
    b.process("ocds-7", buyer="Opština Alfa", title="Stručni nadzor nad izvođenjem radova", suppliers=[OTHER],
              number_of_tenderers=1)
    b.process("ocds-8", buyer="Opština Epsilon", suppliers=[MAKINA[1]], losers=[LOSER], surveillance=True)
    for rid, date, end in [("1", "2023-03-01T00:00:00Z", "2023-06-30T00:00:00Z"),
                           ("2", "2023-06-15T00:00:00Z", "2023-09-30T00:00:00Z")]:
        b.release("ocds-3", rid, date, {"ocid": "ocds-3", "id": rid, "date": date,
                                        "contracts": [{"id": "c1", "period": {"endDate": end}}]})
    store.con.execute("INSERT INTO amendments (ocid, parent, parent_id, amendment_id, date, rationale, source_id, "
                      "locator) VALUES ('ocds-3', 'contract', 'c1', 'am1', '2023-06-15', 'Kašnjenje isporuke', "
                      "'src', 'L2/contracts/0/amendments/0')")
    build_entities(store)
    counts = run_findings(store)
    return counts


def findings(store, code):
    return store.rows("SELECT * EXCLUDE (run_at) FROM findings WHERE code = ? ORDER BY subject_id", [code])


def makina_id(store):
    return store.scalar("SELECT entity_id FROM party_entities WHERE party_id = 'p-makina-security-d-o-o'"
                        " LIMIT 1")


def test_all_spellings_of_the_supplier_are_one_entity(case, store):
    ids = store.rows("SELECT DISTINCT pe.entity_id FROM award_suppliers s JOIN party_entities pe "
                     "ON pe.ocid = s.ocid AND pe.party_id = s.supplier_id WHERE s.supplier_name <> ?", [OTHER])
    assert len(ids) == 1


def test_nz01_flags_facial_recognition_with_its_evidence(case, store):
    rows = findings(store, "NZ01")
    assert [r["ocid"] for r in rows] == ["ocds-1"]
    evidence = json.loads(rows[0]["evidence"])
    assert evidence[0]["matched"] == "softver za prepoznavanje lica"
    assert "not proof" in rows[0]["explanation"]


def test_nz02_names_the_list_and_its_date(case, store):
    rows = findings(store, "NZ02")
    assert [r["ocid"] for r in rows] == ["ocds-1"]
    assert "US Entity List" in rows[0]["explanation"] and "2019-10-09" in rows[0]["explanation"]


def test_nz03_counts_buyers_whose_every_surveillance_purchase_went_to_the_supplier(case, store):
    rows = findings(store, "NZ03")
    assert len(rows) == 1
    assert rows[0]["subject_id"] == makina_id(store)
    # Alfa, Beta, Gama, Epsilon; not Delta (one purchase went to another supplier); ocds-7 is not surveillance.
    assert rows[0]["value"] == 4
    ocids = {e["ocid"] for e in json.loads(rows[0]["evidence"])}
    assert ocids == {"ocds-1", "ocds-2", "ocds-3", "ocds-4", "ocds-8"}


def test_nz03_respects_min_buyers(case, store):
    try:
        run_findings(store, {"NZ03": {"min_buyers": 5}}, codes=["NZ03"])
        assert findings(store, "NZ03") == []
    finally:
        run_findings(store)


def test_nz04_measures_days_added_to_the_contract_period(case, store):
    rows = findings(store, "NZ04")
    assert [(r["ocid"], r["value"]) for r in rows] == [("ocds-3", 92.0)]
    assert "Kašnjenje isporuke" in rows[0]["explanation"]


def test_nz05_flags_local_governments_in_both_scripts_not_public_companies(case, store):
    rows = findings(store, "NZ05")
    names = sorted(store.scalar("SELECT name FROM entities WHERE entity_id = ?", [r["subject_id"]]) for r in rows)
    assert names == ["Grad Gama", "Opština Alfa", "Opština Epsilon", "Општина Бета"]
    assert all("ZZPL" in r["explanation"] for r in rows)


def test_nz06_flags_brand_without_or_equivalent_only(case, store):
    rows = findings(store, "NZ06")
    assert [r["ocid"] for r in rows] == ["ocds-1"]
    assert json.loads(rows[0]["details"])["brands"] == ["Dahua"]


def test_nz07_flags_single_bid_competitive_surveillance_tenders(case, store):
    rows = [r for r in findings(store, "NZ07") if r["subject_type"] == "process"]
    # ocds-4 is a limited procedure and ocds-7 is not surveillance.
    assert sorted(r["ocid"] for r in rows) == ["ocds-1", "ocds-3"]


def test_nz07_single_bid_share_per_supplier(case, store):
    rows = [r for r in findings(store, "NZ07") if r["subject_type"] == "supplier"]
    assert len(rows) == 0  # Makina: 2 of 5 competitive tenders single-bid, below 50 %
    try:
        run_findings(store, {"NZ07": {"min_share": 0.4}}, codes=["NZ07"])
        rows = [r for r in findings(store, "NZ07") if r["subject_type"] == "supplier"]
        assert [r["value"] for r in rows] == [0.4]
    finally:
        run_findings(store)


def test_nothing_is_flagged_on_the_ordinary_tender(case, store):
    assert store.scalar("SELECT count(*) FROM findings WHERE ocid = 'ocds-7'") == 0
    for r in store.rows("SELECT evidence FROM findings"):
        assert "ocds-7" not in {e.get("ocid") for e in json.loads(r["evidence"])}


def test_rerun_replaces_rather_than_duplicates(case, store):
    before = store.scalar("SELECT count(*) FROM findings")
    run_findings(store)
    assert store.scalar("SELECT count(*) FROM findings") == before


def test_nz06_uses_the_classifiers_product_matches(store):
    from builders import Builder

    from nadzor.analysis import nz06_brand_specification as nz06
    from nadzor.analysis.common import parameters

    Builder(store).process("ocds-wiz", buyer="Opština Omega", surveillance=True,
                           items=["Kamera sa WizMind analitikom"])
    store.con.execute("INSERT INTO classification_evidence VALUES ('ocds-wiz', 'video_analytics', 'vendor.dahua.ai', "
                      "'tender/items/0/description', 11, 18, 'WizMind', 'src', 'L9/tender/items/0')")
    try:
        found = [f for f in nz06.compute(store, parameters("NZ06")) if f.ocid == "ocds-wiz"]
        assert [f.details["brands"] for f in found] == [["WizMind"]]
    finally:
        for table in ("processes", "parties", "items", "classifications", "classification_evidence"):
            store.con.execute(f"DELETE FROM {table} WHERE ocid = 'ocds-wiz'")


def test_nz04_checks_only_surveillance_purchases_by_default(case, store):
    from builders import Builder

    from nadzor.analysis import nz04_extension as nz04
    from nadzor.analysis.common import parameters

    b = Builder(store)
    b.process("ocds-road", buyer="Opština Alfa", title="Rekonstrukcija puta", suppliers=[OTHER])
    for rid, end in [("1", "2023-06-30"), ("2", "2023-07-30")]:
        b.release("ocds-road", rid, f"2023-0{rid}-01", {"contracts": [{"id": "c", "period": {"endDate": end}}]})
    try:
        assert "ocds-road" not in {f.ocid for f in nz04.compute(store, parameters("NZ04"))}
        assert "ocds-road" in {f.ocid for f in nz04.compute(store, parameters("NZ04", {"NZ04": {"scope": "all"}}))}
    finally:
        for table in ("processes", "parties", "award_suppliers", "awards", "bid_tenderers", "classifications",
                      "releases"):
            store.con.execute(f"DELETE FROM {table} WHERE ocid = 'ocds-road'")
