import json

import pytest

from nadzor.analysis.concentration import (
    build_concentration_tables,
    cobidding_edges,
    complementary_bidders,
    compute_markets,
    hhi,
)
from nadzor.analysis.cri import compute_cri
from nadzor.entities.build import build_entities


def test_hhi_of_a_monopoly_and_of_equal_shares():
    assert hhi([5.0]) == 10000
    assert hhi([1.0, 1.0, 1.0, 1.0]) == pytest.approx(2500)
    assert hhi([0.0]) is None


@pytest.fixture
def market(build, store):
    b = build
    b.process("o1", buyer="Opština Alfa", suppliers=["Alfa Kamere doo"], losers=["Zeta Video doo"],
              surveillance=True, award_value=300.0, items=["IP kamera"], cpv="35125300", region="Zapad", award_date="2023-02-01")
    b.process("o2", buyer="Opština Alfa", suppliers=["Alfa Kamere doo"], losers=["Zeta Video doo"],
              surveillance=True, award_value=500.0, items=["IP kamera"], cpv="35125300", region="Zapad", award_date="2023-03-01")
    b.process("o3", buyer="Opština Alfa", suppliers=["Beta Nadzor doo"], losers=["Zeta Video doo"],
              surveillance=True, award_value=200.0, items=["IP kamera"], cpv="35125300", region="Zapad", award_date="2023-04-01")
    b.process("o4", buyer="Grad Beta", suppliers=["Beta Nadzor doo"], surveillance=True, cpv="32323500")
    build_entities(store)
    return store


def _entity(store, name):
    return store.scalar("SELECT entity_id FROM entities WHERE name = ?", [name])


def test_buyer_market_shares_hhi_and_dependency(market):
    m = [x for x in compute_markets(market) if x["market_type"] == "buyer"
         and x["market_id"] == _entity(market, "Opština Alfa")][0]
    assert m["basis"] == "value" and m["currency"] == "RSD"
    assert m["hhi"] == pytest.approx(80 ** 2 + 20 ** 2)
    assert m["cr1"] == pytest.approx(0.8) and m["top_supplier"] == _entity(market, "Alfa Kamere doo")


def test_market_without_values_is_measured_by_count(market):
    m = [x for x in compute_markets(market) if x["market_id"] == _entity(market, "Grad Beta")][0]
    assert m["basis"] == "count" and m["hhi"] == 10000


def test_cpv_region_year_market(market):
    ids = {x["market_id"] for x in compute_markets(market) if x["market_type"] == "cpv_region_year"}
    assert "35|Zapad|2023" in ids


def test_complementary_bidder_needs_one_common_winner(market):
    # Zeta lost to Alfa twice and to Beta once: no single winner.
    assert complementary_bidders(market) == []


def test_complementary_bidder_found(build, store):
    for n in range(3):
        build.process(f"c{n}", buyer=f"Opština {n}", suppliers=["Alfa Kamere doo"], losers=["Zeta Video doo"],
                      surveillance=True)
    build_entities(store)
    [row] = complementary_bidders(store)
    assert row["losses"] == 3 and row["winner"] == _entity(store, "Alfa Kamere doo")


def test_cobidding_edges_count_shared_processes(market):
    edges = cobidding_edges(market)
    zeta, alfa = _entity(market, "Zeta Video doo"), _entity(market, "Alfa Kamere doo")
    edge = [e for e in edges if {e["entity_a"], e["entity_b"]} == {zeta, alfa}][0]
    assert edge["processes"] == 2 and edge["ocids"] == ["o1", "o2"]


def test_tables_are_rebuilt_not_appended(market):
    first = build_concentration_tables(market)
    assert build_concentration_tables(market) == first
    assert market.scalar("SELECT count(*) FROM market_concentration") == first["markets"]


def test_cri_components_and_not_applicable(build, store):
    build.process("r1", buyer="Opština Alfa", suppliers=["Alfa Kamere doo"], method="limited",
                  number_of_tenderers=1, tender_start="2023-01-01T00:00:00Z", tender_end="2023-01-04T00:00:00Z",
                  award_date="2023-01-05T00:00:00Z")
    build.process("r2", buyer="Opština Alfa", method=None)
    build_entities(store)
    by = {r["ocid"]: r for r in compute_cri(store)}
    r1 = by["r1"]
    assert r1["components"]["single_bid"]["value"] == 1
    assert r1["components"]["non_open_procedure"]["value"] == 1
    assert r1["components"]["short_advertisement"]["value"] == 1
    assert r1["components"]["decision_period"]["value"] == 1
    assert r1["components"]["tax_haven"]["applicable"] is False
    assert r1["cri"] == 1.0 and r1["applicable"] == 4
    assert by["r2"]["cri"] is None and by["r2"]["applicable"] == 0


def test_cri_weights_are_configurable(build, store):
    build.process("r1", buyer="Opština Alfa", suppliers=["Alfa Kamere doo"], method="open", number_of_tenderers=1)
    build_entities(store)
    weights = {"single_bid": 3, "non_open_procedure": 1, "short_advertisement": 1, "decision_period": 1,
               "tax_haven": 1, "new_company": 1}
    [r] = compute_cri(store, {"NZ10": {"weights": weights}})
    assert r["cri"] == pytest.approx(3 / 4)
    assert json.dumps(r["components"])
