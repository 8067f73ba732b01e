"""The surveillance purchases in the store, one row per process (used by ``nadzor purchases`` and the web app).

Run the ``classify`` analysis step first (``nadzor analyze`` or ``nadzor classify store``): this module only
reads the ``classifications`` table. A purchase is a process whose texts or CPV codes name surveillance
technology; it is not a finding of wrongdoing.
"""

from __future__ import annotations

import orjson

from nadzor.exceptions import InputError

__all__ = ["list_purchases", "count_purchases", "is_classified", "explain", "PURCHASE_COLUMNS", "ORDERS"]

PURCHASE_COLUMNS = [
    "ocid", "title", "buyer", "suppliers", "capabilities", "vendors", "restricted_vendors", "cpv", "value",
    "currency", "date", "number_of_tenderers", "amended", "explanation", "evidence",
]

ORDERS = {
    "date": "p.date ASC NULLS LAST, p.ocid",
    "-date": "p.date DESC NULLS LAST, p.ocid",
    "value": "value ASC NULLS LAST, p.ocid",
    "-value": "value DESC NULLS LAST, p.ocid",
    "ocid": "p.ocid ASC",
    "-ocid": "p.ocid DESC",
}

_BASE = """
FROM classifications c
JOIN processes p ON p.ocid = c.ocid
WHERE c.is_surveillance
"""


def _filters(capability, buyer, supplier, year) -> tuple[str, list]:
    sql, params = "", []
    if capability:
        sql += " AND list_contains(c.capabilities, ?)"
        params.append(capability)
    if buyer:
        sql += " AND (p.buyer_id = ? OR p.buyer_name ILIKE ?)"
        params += [buyer, f"%{buyer}%"]
    if supplier:
        sql += (
            " AND EXISTS (SELECT 1 FROM award_suppliers s LEFT JOIN party_entities pe"
            " ON pe.ocid = s.ocid AND pe.party_id = s.supplier_id"
            " WHERE s.ocid = p.ocid AND (s.supplier_id = ? OR pe.entity_id = ? OR s.supplier_name ILIKE ?))"
        )
        params += [supplier, supplier, f"%{supplier}%"]
    if year:
        sql += " AND substr(p.date, 1, 4) = ?"
        params.append(str(year))
    return sql, params


def is_classified(store) -> bool:
    """Return True when the classify step has run on this store (so an empty list means "none found")."""
    return bool(store.scalar("SELECT count(*) FROM classifications"))


def count_purchases(store, *, capability=None, buyer=None, supplier=None, year=None) -> int:
    """Return how many surveillance purchases match the filters."""
    where, params = _filters(capability, buyer, supplier, year)
    return store.scalar("SELECT count(*) " + _BASE + where, params)


def list_purchases(store, *, capability: str | None = None, buyer: str | None = None, supplier: str | None = None,
                   year: int | str | None = None, limit: int | None = None, offset: int = 0,
                   order: str = "-date") -> list[dict]:
    """Return the surveillance purchases, one dict per process (keys: PURCHASE_COLUMNS).

    Filters: ``capability`` (a taxonomy id), ``buyer`` (buyer id, or part of its name), ``supplier`` (supplier
    id, entity id, or part of its name), ``year`` (of the process date). ``order``: one of ORDERS.
    value/currency: the contract value, else the award value, else the tender value. Supplier ``entity_id``
    is None until entity resolution has run.
    """
    if order not in ORDERS:
        raise InputError(f"unknown order {order!r}; use one of: {', '.join(ORDERS)}")
    where, params = _filters(capability, buyer, supplier, year)
    sql = (
        "SELECT p.ocid, p.title, p.buyer_id, p.buyer_name, c.capabilities, c.vendors,"
        " CAST(c.restricted_vendors AS VARCHAR) AS restricted_vendors,"
        " CASE WHEN p.contract_value_amount IS NOT NULL THEN p.contract_value_amount"
        "      WHEN p.award_value_amount IS NOT NULL THEN p.award_value_amount ELSE p.tender_value_amount END AS value,"
        " CASE WHEN p.contract_value_amount IS NOT NULL THEN p.contract_value_currency"
        "      WHEN p.award_value_amount IS NOT NULL THEN p.award_value_currency ELSE p.tender_value_currency END"
        "      AS currency,"
        " p.date, p.number_of_tenderers,"
        " EXISTS (SELECT 1 FROM amendments a WHERE a.ocid = p.ocid) AS amended "
        + _BASE + where + " ORDER BY " + ORDERS[order]
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if offset:
        sql += f" OFFSET {int(offset)}"
    rows = store.rows(sql, params)
    if not rows:
        return []
    ocids = [r["ocid"] for r in rows]
    suppliers: dict[str, list] = {}
    for r in store.rows(
        "SELECT s.ocid, s.supplier_id, any_value(s.supplier_name) AS name, min(pe.entity_id) AS entity_id"
        " FROM award_suppliers s LEFT JOIN party_entities pe ON pe.ocid = s.ocid AND pe.party_id = s.supplier_id"
        " WHERE s.ocid IN (SELECT unnest(?)) GROUP BY s.ocid, s.supplier_id ORDER BY s.ocid, min(s.award_index),"
        " s.supplier_id",
        [ocids],
    ):
        suppliers.setdefault(r["ocid"], []).append(
            {"id": r["supplier_id"], "entity_id": r["entity_id"], "name": r["name"]}
        )
    cpv: dict[str, list] = {}
    for r in store.rows(
        "SELECT DISTINCT ocid, classification_id FROM items WHERE ocid IN (SELECT unnest(?))"
        " AND upper(classification_scheme) LIKE 'CPV%' AND classification_id IS NOT NULL ORDER BY 1, 2",
        [ocids],
    ):
        cpv.setdefault(r["ocid"], []).append(r["classification_id"])
    evidence: dict[str, list] = {}
    for r in store.rows(
        "SELECT ocid, capability, rule, field, span_start, span_end, matched, source_id, locator"
        " FROM classification_evidence WHERE ocid IN (SELECT unnest(?)) ORDER BY ocid, field, span_start",
        [ocids],
    ):
        evidence.setdefault(r.pop("ocid"), []).append(
            {
                "field": r["field"], "rule": r["rule"], "capability": r["capability"], "matched": r["matched"],
                "span": [r["span_start"], r["span_end"]] if r["span_start"] is not None else None,
                "source_id": r["source_id"], "locator": r["locator"],
            }
        )
    out = []
    for r in rows:
        ev = evidence.get(r["ocid"], [])
        out.append({
            "ocid": r["ocid"],
            "title": r["title"],
            "buyer": {"id": r["buyer_id"], "name": r["buyer_name"]},
            "suppliers": suppliers.get(r["ocid"], []),
            "capabilities": list(r["capabilities"] or []),
            "vendors": list(r["vendors"] or []),
            "restricted_vendors": orjson.loads(r["restricted_vendors"]) if r["restricted_vendors"] else [],
            "cpv": cpv.get(r["ocid"], []),
            "value": r["value"],
            "currency": r["currency"],
            "date": r["date"],
            "number_of_tenderers": r["number_of_tenderers"],
            "amended": bool(r["amended"]),
            "explanation": explain(list(r["capabilities"] or []), ev),
            "evidence": ev,
        })
    return out


def explain(capabilities: list[str], evidence: list[dict]) -> str:
    """Return one sentence saying why a process was classified as a surveillance purchase."""
    reasons = []
    for cap in capabilities:
        hit = next((e for e in evidence if e["capability"] == cap), None)
        if hit is None:
            continue
        what = f"CPV code {hit['matched']}" if hit["span"] is None else f"\"{hit['matched']}\""
        reasons.append(f"{cap.replace('_', ' ')} ({what} in {hit['field']})")
    if not reasons:
        return ""
    return ("Classified as " + "; ".join(reasons) + ". The published texts name this technology; "
            "this is a risk context, not proof of wrongdoing.")
