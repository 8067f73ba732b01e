"""FollowTheMoney export for Aleph: buyers as PublicBody, suppliers as Company (or Organization), processes as
Contract, awards as ContractAward; one entity per line (JSON), loadable with ``ftm`` / ``alephclient``."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
from followthemoney import model

from nadzor.web import queries

__all__ = ["export_ftm"]

_COMPANY = re.compile(r"\b(d\.?\s?o\.?\s?o\.?|a\.?\s?d\.?|ltd|gmbh|llc|inc|s\.?r\.?l|sp\.? z o\.?o|д\.?\s?о\.?\s?о\.?)\b",
                      re.IGNORECASE)


def _id(*parts) -> str:
    e = model.make_entity("Thing")
    e.make_id("nadzor", *[str(p) for p in parts])
    return e.id


def export_ftm(store, path: Path, *, scope: str = "surveillance") -> dict:
    """Write FtM entities as JSON lines; return counts per schema."""
    r = queries.Reader.from_store(store)
    where, params = queries.purchase_where(r, queries.PurchaseFilters(scope=scope))
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    procs = r.rows(f"""SELECT p.ocid, p.title, p.description, p.buyer_id, p.buyer_name, p.procurement_method,
                              p.status, coalesce(p.tender_start, p.date) AS date, p.tender_value_amount,
                              p.tender_value_currency, p.main_procurement_category, s.licence, s.origin_url,
                              s.publisher, s.retrieved_at
                       FROM processes p LEFT JOIN sources s ON s.source_id = p.source_id {clause}""", params)
    seen: set[str] = set()
    counts: dict[str, int] = {}
    with open(path, "wb") as out:
        def emit(entity):
            if entity.id in seen:
                return
            seen.add(entity.id)
            counts[entity.schema.name] = counts.get(entity.schema.name, 0) + 1
            out.write(orjson.dumps(entity.to_dict()) + b"\n")

        for p in procs:
            buyer = None
            if p["buyer_id"] or p["buyer_name"]:
                buyer = model.make_entity("PublicBody")
                buyer.id = _id("buyer", p["buyer_id"] or p["buyer_name"])
                buyer.add("name", p["buyer_name"])
                buyer.add("idNumber", p["buyer_id"])
                emit(buyer)
            contract = model.make_entity("Contract")
            contract.id = _id("process", p["ocid"])
            contract.add("title", p["title"] or p["ocid"])
            contract.add("description", p["description"])
            contract.add("procedureNumber", p["ocid"])
            contract.add("method", p["procurement_method"])
            contract.add("status", p["status"])
            contract.add("type", p["main_procurement_category"])
            contract.add("amount", p["tender_value_amount"])
            contract.add("currency", p["tender_value_currency"])
            contract.add("contractDate", (p["date"] or "")[:10] or None)
            contract.add("publisher", p["publisher"])
            contract.add("sourceUrl", p["origin_url"])
            if buyer is not None:
                contract.add("authority", buyer.id)
            emit(contract)
            for a in r.rows("""SELECT a.award_id, a.award_index, a.date, a.value_amount, a.value_currency, a.status,
                                      s.supplier_id, s.supplier_name
                               FROM awards a JOIN award_suppliers s ON s.ocid = a.ocid AND s.award_index = a.award_index
                               WHERE a.ocid = ?""", [p["ocid"]]):
                schema = "Company" if _COMPANY.search(a["supplier_name"] or "") else "Organization"
                supplier = model.make_entity(schema)
                supplier.id = _id("supplier", a["supplier_id"] or a["supplier_name"])
                supplier.add("name", a["supplier_name"])
                supplier.add("idNumber", a["supplier_id"])
                emit(supplier)
                award = model.make_entity("ContractAward")
                award.id = _id("award", p["ocid"], a["award_index"], a["supplier_id"])
                award.add("contract", contract.id)
                award.add("supplier", supplier.id)
                award.add("amount", a["value_amount"])
                award.add("currency", a["value_currency"])
                award.add("date", (a["date"] or "")[:10] or None)
                award.add("status", a["status"])
                award.add("recordId", a["award_id"])
                emit(award)
    return {"path": str(path), **counts}
