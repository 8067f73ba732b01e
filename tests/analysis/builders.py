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
            "INSERT INTO releases VALUES (?, ?, ?, 'release', ?, ?, 'h', ?, NULL, 'src', ?, NULL, NULL)",
            [f"release:{ocid}:{release_id}", ocid, release_id, date, list(tag), json.dumps(data), f"L{release_id}"],
        )


def load_case(store, path, expected):
    """A minimal stand-in for ingest + classifier: fill the tables from an OCDS JSON-lines file (releases merged
    per ocid, later fields winning) and classify from the expected results, so the findings logic is tested on
    the case's shape without the other stages."""
    by_ocid: dict[str, list[tuple[int, dict]]] = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            r = json.loads(line)
            by_ocid.setdefault(r["ocid"], []).append((n, r))
    con = store.con
    for ocid, releases in by_ocid.items():
        for n, r in releases:
            con.execute("INSERT INTO releases VALUES (?, ?, ?, 'release', ?, ?, 'h', ?, NULL, 'src', ?, NULL, NULL)",
                        [f"release:{ocid}:{r['id']}", ocid, r["id"], r["date"], r.get("tag"), json.dumps(r), f"L{n}"])
        n0, first = releases[0]
        t = first["tender"]
        loc = f"L{n0}"
        con.execute(
            "INSERT INTO processes (ocid, date, title, buyer_id, buyer_name, procurement_method, number_of_tenderers,"
            " tender_start, tender_end, source_id, locator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'src', ?)",
            [ocid, first["date"], t["title"], first["buyer"]["id"], first["buyer"]["name"], t["procurementMethod"],
             t.get("numberOfTenderers"), t["tenderPeriod"]["startDate"], t["tenderPeriod"]["endDate"], loc])
        for p in first["parties"]:
            ident = p.get("identifier") or {}
            con.execute(
                "INSERT INTO parties (ocid, party_id, name, identifier_scheme, identifier_id, roles, country_name, "
                "source_id, locator) VALUES (?, ?, ?, ?, ?, ?, ?, 'src', ?)",
                [ocid, p["id"], p["name"], ident.get("scheme"), ident.get("id"), p["roles"],
                 p["address"]["countryName"], loc])
        for i, item in enumerate(t["items"]):
            con.execute("INSERT INTO items (ocid, origin, item_id, description, classification_scheme, "
                        "classification_id, source_id, locator) VALUES (?, 'tender', ?, ?, 'CPV', ?, 'src', ?)",
                        [ocid, item["id"], item["description"], item["classification"]["id"],
                         f"{loc}/tender/items/{i}"])
        for i, bid in enumerate(first["bids"]["details"]):
            for tt in bid["tenderers"]:
                con.execute("INSERT INTO bid_tenderers VALUES (?, ?, ?, ?, ?, 'src', ?)",
                            [ocid, bid["id"], i, tt["id"], tt["name"], f"{loc}/bids/details/{i}"])
        for i, a in enumerate(first["awards"]):
            con.execute("INSERT INTO awards (ocid, award_id, award_index, status, date, value_amount, value_currency,"
                        " source_id, locator) VALUES (?, ?, ?, ?, ?, ?, ?, 'src', ?)",
                        [ocid, a["id"], i, a["status"], a["date"], a["value"]["amount"], a["value"]["currency"],
                         f"{loc}/awards/{i}"])
            for s in a["suppliers"]:
                con.execute("INSERT INTO award_suppliers VALUES (?, ?, ?, ?, ?, 'src', ?)",
                            [ocid, a["id"], i, s["id"], s["name"], f"{loc}/awards/{i}/suppliers/0"])
        for n, r in releases[1:]:
            for c in r.get("contracts", []):
                for am in c.get("amendments", []):
                    con.execute("INSERT INTO amendments (ocid, parent, parent_id, amendment_id, date, rationale, "
                                "description, source_id, locator) VALUES (?, 'contract', ?, ?, ?, ?, ?, 'src', ?)",
                                [ocid, c["id"], am["id"], am["date"], am["rationale"], am["description"],
                                 f"L{n}/contracts/0/amendments/0"])
        surveillance = ocid in expected["purchases"]
        caps = ["video_surveillance"] + (["facial_recognition"] if ocid in expected["NZ01"] else [])
        texts = " ".join(i["description"] for i in t["items"])
        restricted = [{"vendor": "Dahua", "list": "US Entity List", "date": "2019-10-09", "source": "FR 2019-22210"}] \
            if surveillance and ("Dahua" in texts or "DSS PRO" in texts) else []
        con.execute("INSERT INTO classifications VALUES (?, ?, ?, ?, ?, 'test', now())",
                    [ocid, surveillance, caps if surveillance else [], ["Dahua"] if restricted else [],
                     json.dumps(restricted)])
        if "facial_recognition" in caps and surveillance:
            for i, item in enumerate(t["items"]):
                if "prepoznavanje lica" in item["description"]:
                    con.execute("INSERT INTO classification_evidence VALUES (?, 'facial_recognition', 'test', ?, 0, "
                                "0, 'prepoznavanje lica', 'src', ?)",
                                [ocid, f"tender/items/{i}/description", f"{loc}/tender/items/{i}"])
