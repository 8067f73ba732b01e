import json

from nadzor.entities.build import build_entities
from nadzor.entities.directory import explain_entity


def _party(store, ocid, pid, name, scheme=None, ident=None, role="supplier"):
    store.con.execute("INSERT INTO parties (ocid, party_id, name, identifier_scheme, identifier_id, roles, source_id, "
                      "locator) VALUES (?, ?, ?, ?, ?, ?, 's', 'L1')", [ocid, pid, name, scheme, ident, [role]])


def test_build_entities_links_every_reference_and_explains_merges(store):
    _party(store, "o1", "s1", "Makina Security d.o.o.", "RS-PIB", "101010101")
    _party(store, "o2", "s1", "MAKINA SECURITY DOO Beograd")
    _party(store, "o3", "x", "Макина Секјурити доо", "RS-PIB", "101 010 101")
    # A supplier named only in an award, not in parties.
    store.con.execute("INSERT INTO award_suppliers VALUES ('o4', 'a1', 0, NULL, 'Makina Securty d.o.o.', 's', 'L4')")
    summary = build_entities(store)
    assert summary["entities"] == 1 and summary["references"] == 4
    entity_id = store.scalar("SELECT entity_id FROM entities")
    info = explain_entity(store, entity_id)
    assert info["identifiers"] == ["RS-PIB:101010101"]
    assert len(info["merged"]) == 4
    assert {m["rule"] for m in info["merged"]} <= {"identifier", "normalised_name", "fuzzy"}


def test_build_entities_reapplies_the_decisions_file_beside_the_store(store, tmp_path):
    _party(store, "o1", "s1", "Makina Security d.o.o.")
    _party(store, "o2", "s1", "Makina Security doo")
    (store.path.parent / "entities.decisions.yml").write_text(
        json.dumps({"split": [{"names": ["Makina Security doo"], "reason": "checked"}]}), encoding="utf-8")
    assert build_entities(store)["entities"] == 2
    assert build_entities(store)["entities"] == 2
