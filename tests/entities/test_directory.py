import pytest

from nadzor.entities.build import build_entities
from nadzor.entities.directory import get_buyer, get_supplier, list_buyers, list_suppliers
from nadzor.exceptions import NotFoundError


def _process(store, ocid, buyer, supplier, value, surveillance):
    store.con.execute("INSERT INTO processes (ocid, buyer_id, buyer_name) VALUES (?, 'b', ?)", [ocid, buyer])
    store.con.execute("INSERT INTO parties (ocid, party_id, name, roles) VALUES (?, 'b', ?, ['buyer'])", [ocid, buyer])
    store.con.execute("INSERT INTO parties (ocid, party_id, name, roles) VALUES (?, 's', ?, ['supplier'])",
                      [ocid, supplier])
    store.con.execute("INSERT INTO awards (ocid, award_id, award_index, status, value_amount, value_currency) "
                      "VALUES (?, 'a', 0, 'active', ?, 'RSD')", [ocid, value])
    store.con.execute("INSERT INTO award_suppliers (ocid, award_id, award_index, supplier_id, supplier_name) "
                      "VALUES (?, 'a', 0, 's', ?)", [ocid, supplier])
    store.con.execute("INSERT INTO classifications (ocid, is_surveillance) VALUES (?, ?)", [ocid, surveillance])


@pytest.fixture
def filled(store):
    _process(store, "o1", "Opština Alfa", "Makina Security doo", 100.0, True)
    _process(store, "o2", "Општина Алфа", "MAKINA SECURITY D.O.O.", 50.0, False)
    _process(store, "o3", "Grad Beta", "Papirko doo", 10.0, False)
    build_entities(store)
    return store


def test_get_supplier_sums_values_and_counts_buyers_as_entities(filled):
    [makina] = [r for r in list_suppliers(filled) if r["name"].lower().startswith("makina")]
    assert makina == get_supplier(filled, makina["entity_id"])
    assert makina["processes"] == 2 and makina["buyers"] == 1
    assert makina["surveillance_processes"] == 1 and makina["value_by_currency"] == {"RSD": 150.0}


def test_surveillance_only_and_paging(filled):
    assert [r["surveillance_processes"] for r in list_suppliers(filled, surveillance_only=True)] == [1]
    first, second = list_buyers(filled, limit=1), list_buyers(filled, limit=1, offset=1)
    assert len(first) == len(second) == 1 and first != second


def test_get_buyer_and_not_found(filled):
    alfa = [r for r in list_buyers(filled) if r["processes"] == 2][0]
    assert get_buyer(filled, alfa["entity_id"])["suppliers"] == 1
    with pytest.raises(NotFoundError):
        get_supplier(filled, "Enope")
    with pytest.raises(NotFoundError):
        get_buyer(filled, "Enope")
