"""Fill the store tables directly (no ingest, no classifier) so the findings logic can be tested on its own."""

from __future__ import annotations

import json
import re


def _org(spec) -> dict:
    if isinstance(spec, str):
        return {"name": spec, "scheme": None, "id": None, "country": None}
    return {"scheme": None, "id": None, "country": None, **spec}


def _pid(org: dict) -> str:
    return org.get("party_id") or "p-" + re.sub(r"\W+", "-", org["name"].lower()).strip("-")


class Builder:
    """Insert one process at a time with its parties, bids, awards, items, documents and classification."""

    def __init__(self, store):
        self.store = store
        self.con = store.con

    def party(self, ocid, org, role):
        o = _org(org)
        self.con.execute(
            "INSERT INTO parties (ocid, party_id, name, identifier_scheme, identifier_id, roles, country_name, "
            "source_id, locator) VALUES (?, ?, ?, ?, ?, ?, ?, 'src', ?)",
            [ocid, _pid(o), o["name"], o["scheme"], o["id"], [role], o["country"], f"L1/parties/{role}"],
        )
        return _pid(o)

    def process(self, ocid, *, buyer, title="Nabavka", method="open", number_of_tenderers=None, suppliers=(),
                losers=(), award_value=None, currency="RSD", surveillance=False, capabilities=(), vendors=(),
                restricted=None, evidence=(), items=(), documents=(), tender_start=None, tender_end=None,
                award_date=None, date="2023-01-01T00:00:00Z", award_status="active", cpv=None, region=None):
        buyer_pid = self.party(ocid, buyer, "buyer")
        self.con.execute(
            "INSERT INTO processes (ocid, date, title, buyer_id, buyer_name, procurement_method, number_of_tenderers,"
            " tender_start, tender_end, award_value_amount, award_value_currency, source_id, locator) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'src', 'L1')",
            [ocid, date, title, buyer_pid, _org(buyer)["name"], method, number_of_tenderers, tender_start,
             tender_end, award_value, currency],
        )
        if region:
            self.con.execute("UPDATE parties SET region = ? WHERE ocid = ? AND party_id = ?", [region, ocid, buyer_pid])
        bid_index = 0
        for s in suppliers:
            pid = self.party(ocid, s, "supplier")
            self.con.execute(
                "INSERT INTO award_suppliers VALUES (?, 'a1', 0, ?, ?, 'src', 'L1/awards/0/suppliers/0')",
                [ocid, pid, _org(s)["name"]],
            )
            self._bid(ocid, bid_index, pid, _org(s)["name"])
            bid_index += 1
        for s in losers:
            pid = self.party(ocid, s, "tenderer")
            self._bid(ocid, bid_index, pid, _org(s)["name"])
            bid_index += 1
        if suppliers:
            self.con.execute(
                "INSERT INTO awards (ocid, award_id, award_index, status, date, value_amount, value_currency, "
                "source_id, locator) VALUES (?, 'a1', 0, ?, ?, ?, ?, 'src', 'L1/awards/0')",
                [ocid, award_status, award_date, award_value, currency],
            )
        for n, text in enumerate(items):
            self.con.execute(
                "INSERT INTO items (ocid, origin, item_id, description, classification_scheme, classification_id, "
                "source_id, locator) VALUES (?, 'tender', ?, ?, 'CPV', ?, 'src', ?)",
                [ocid, str(n), text, cpv, f"L1/tender/items/{n}"],
            )
        for n, text in enumerate(documents):
            self.con.execute(
                "INSERT INTO documents (ocid, parent, document_id, title, source_id, locator) "
                "VALUES (?, 'tender', ?, ?, 'src', ?)",
                [ocid, str(n), text, f"L1/tender/documents/{n}"],
            )
        if surveillance or capabilities:
            self.con.execute(
                "INSERT INTO classifications VALUES (?, ?, ?, ?, ?, 'test', now())",
                [ocid, bool(surveillance or capabilities), list(capabilities) or ["video_surveillance"],
                 list(vendors), json.dumps(restricted or [])],
            )
        else:
            self.con.execute(
                "INSERT INTO classifications VALUES (?, false, [], [], '[]', 'test', now())", [ocid]
            )
        for cap, field, matched in evidence:
            self.con.execute(
                "INSERT INTO classification_evidence VALUES (?, ?, 'rule', ?, 0, ?, ?, 'src', 'L1/tender/items/0')",
                [ocid, cap, field, len(matched), matched],
            )

    def _bid(self, ocid, index, pid, name):
        self.con.execute(
            "INSERT INTO bid_tenderers VALUES (?, ?, ?, ?, ?, 'src', ?)",
            [ocid, f"b{index}", index, pid, name, f"L1/bids/details/{index}"],
        )

    def release(self, ocid, release_id, date, data, tag=("contract",)):
        """Add one individual release of ``ocid`` (for contract-period history)."""
        self.con.execute(
            "INSERT INTO releases VALUES (?, ?, ?, 'release', ?, ?, 'h', ?, NULL, 'src', ?)",
            [f"release:{ocid}:{release_id}", ocid, release_id, date, list(tag), json.dumps(data), f"L{release_id}"],
        )
