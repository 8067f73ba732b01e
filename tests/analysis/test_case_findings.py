"""The findings on the published case's shape (fictional names), with ingest and classifier stood in for.

The end-to-end version (real ingest and classifier) is tests/test_case_end_to_end.py.
"""

import json
from pathlib import Path

import pytest
from builders import load_case

from nadzor.analysis.findings import run_findings
from nadzor.entities.build import build_entities

CASE = Path(__file__).resolve().parent.parent / "fixtures" / "case"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from nadzor.store import Store

    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    store = Store.open(tmp_path_factory.mktemp("case") / "case.duckdb")
    load_case(store, CASE / "serbian_cameras.jsonl", expected)
    build_entities(store)
    run_findings(store)
    yield store, expected
    store.close()


def _ocids(store, code, subject_type="process"):
    return sorted(r["ocid"] for r in store.rows(
        "SELECT ocid FROM findings WHERE code = ? AND subject_type = ?", [code, subject_type]))


def _entity_of_identifier(store, ident):
    return store.scalar("SELECT entity_id FROM entities WHERE list_contains(identifiers, ?)", [ident])


def test_all_supplier_spellings_resolve_to_one_entity(result):
    store, expected = result
    rows = store.rows("SELECT DISTINCT pe.entity_id FROM award_suppliers s JOIN party_entities pe "
                      "ON pe.ocid = s.ocid AND pe.party_id = s.supplier_id WHERE list_contains(?, s.supplier_name)",
                      [expected["supplier"]["names"]])
    assert len(rows) == expected["supplier"]["entities"]


def test_buyers_in_both_scripts_resolve_to_one_entity_each(result):
    store, expected = result
    n = store.scalar("SELECT count(DISTINCT pe.entity_id) FROM processes p JOIN party_entities pe "
                     "ON pe.ocid = p.ocid AND pe.party_id = p.buyer_id")
    assert n == expected["buyers"]


def test_nz03_counts_every_exclusive_buyer(result):
    store, expected = result
    rows = store.rows("SELECT subject_id, value FROM findings WHERE code = 'NZ03'")
    makina = _entity_of_identifier(store, expected["NZ03"]["supplier_identifier"])
    assert rows == [{"subject_id": makina, "value": expected["NZ03"]["buyers"]}]


@pytest.mark.parametrize("code", ["NZ01", "NZ02", "NZ06", "NZ07"])
def test_process_findings_are_exactly_the_expected(result, code):
    store, expected = result
    assert _ocids(store, code) == expected[code]


def test_nz04_days_added(result):
    store, expected = result
    rows = store.rows("SELECT ocid, value FROM findings WHERE code = 'NZ04' ORDER BY ocid")
    assert {r["ocid"]: r["value"] for r in rows} == expected["NZ04"]


def test_nz05_every_municipality(result):
    store, expected = result
    assert store.scalar("SELECT count(*) FROM findings WHERE code = 'NZ05'") == expected["NZ05"]["buyers"]


def test_nothing_on_ordinary_tenders(result):
    store, expected = result
    ordinary = set(expected["ordinary"])
    for r in store.rows("SELECT ocid, evidence FROM findings"):
        assert r["ocid"] not in ordinary
        assert not ordinary & {e.get("ocid") for e in json.loads(r["evidence"])}


def test_nz08_no_buyer_has_enough_purchases_for_hhi(result):
    store, expected = result
    assert store.scalar("SELECT count(*) FROM findings WHERE code = 'NZ08'") == expected["NZ08"]["buyers"]


def test_nz09_the_bidder_that_always_loses_to_the_same_winner(result):
    store, expected = result
    rows = store.rows("SELECT f.value FROM findings f JOIN entities e ON e.entity_id = f.subject_id "
                      "WHERE f.code = 'NZ09' AND list_contains(e.identifiers, ?)",
                      [expected["NZ09"]["tenderer_identifier"]])
    assert [r["value"] for r in rows] == [expected["NZ09"]["losses"]]
    assert store.scalar("SELECT count(*) FROM findings WHERE code = 'NZ09'") == 1


def test_nz10_high_cri_on_the_limited_single_bid_purchases(result):
    store, expected = result
    assert _ocids(store, "NZ10") == expected["NZ10"]


def test_cri_marks_new_company_not_applicable_with_its_reason(result):
    store, _ = result
    comps = json.loads(store.scalar("SELECT CAST(components AS VARCHAR) FROM process_risk LIMIT 1"))
    assert comps["new_company"] == {"value": None, "applicable": False,
                                    "reason": "supplier founding dates are not in the data", "weight": 1.0}
