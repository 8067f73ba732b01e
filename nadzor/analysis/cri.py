"""The composite corruption-risk index (CRI) per process, opentender.eu style: a weighted mean of elementary red
flags, each 0..1. A component that cannot be computed is "not applicable" with its reason, never counted as 0."""

from __future__ import annotations

import json
from collections import defaultdict

from nadzor.analysis.common import definition, parameters
from nadzor.analysis.nz04_extension import parse_date
from nadzor.analysis.tables import insert_rows
from nadzor.analysis.views import with_views
from nadzor.entities.names import fold

__all__ = ["COMPONENTS", "compute_cri", "build_process_risk"]

COMPONENTS = ("single_bid", "non_open_procedure", "short_advertisement", "decision_period", "tax_haven",
              "new_company")


def _na(reason: str) -> dict:
    return {"value": None, "applicable": False, "reason": reason}


def _ok(value: float, reason: str) -> dict:
    return {"value": value, "applicable": True, "reason": reason}


def _components(p: dict, countries: list[str], havens: set[str], params: dict) -> dict[str, dict]:
    c: dict[str, dict] = {}
    bidders = p["bidders"]
    if bidders is None or bidders <= 0:
        c["single_bid"] = _na("no number of tenderers and no bids published")
    else:
        c["single_bid"] = _ok(1.0 if bidders == 1 else 0.0, f"{bidders} tenderer(s)")
    method = (p["procurement_method"] or "").lower()
    if not method:
        c["non_open_procedure"] = _na("no procurement method published")
    else:
        c["non_open_procedure"] = _ok(1.0 if method in ("limited", "direct") else 0.0, f"procedure '{method}'")
    start, end = parse_date(p["tender_start"]), parse_date(p["tender_end"])
    if not start or not end:
        c["short_advertisement"] = _na("tender period start or end not published")
    else:
        days = (end - start).days
        value = 1.0 if days < params["short_days"] else 0.5 if days < params["medium_days"] else 0.0
        c["short_advertisement"] = _ok(value, f"{days} days to bid")
    award = parse_date(p["award_date"])
    if not end or not award:
        c["decision_period"] = _na("bid deadline or award date not published")
    elif award < end:
        c["decision_period"] = _na("award dated before the bid deadline (inconsistent dates)")
    else:
        days = (award - end).days
        extreme = days <= params["decision_min_days"] or days > params["decision_max_days"]
        c["decision_period"] = _ok(1.0 if extreme else 0.0, f"{days} days from bid deadline to award")
    if not countries:
        c["tax_haven"] = _na("no supplier country published")
    else:
        hit = [x for x in countries if fold(x) in havens]
        c["tax_haven"] = _ok(1.0 if hit else 0.0, f"supplier country {', '.join(sorted(set(countries)))}")
    c["new_company"] = _na("supplier founding dates are not in the data")
    return c


def compute_cri(store, overrides: dict | None = None) -> list[dict]:
    """Return {ocid, cri, applicable, components} for every process with at least one award or bid."""
    params = parameters("NZ10", overrides)
    weights = {k: float(v) for k, v in params["weights"].items()}
    havens = {fold(str(h)) for h in params["tax_havens"]}
    procs = store.rows(with_views(
        """
        , bidders AS (SELECT ocid, count(DISTINCT entity_id) AS n FROM process_tenderers GROUP BY ocid),
        first_award AS (SELECT ocid, min(award_date) AS award_date FROM supplier_awards GROUP BY ocid)
        SELECT p.ocid, coalesce(p.number_of_tenderers, b.n) AS bidders, p.procurement_method, p.tender_start,
               p.tender_end, fa.award_date
        FROM processes p
        LEFT JOIN bidders b ON b.ocid = p.ocid
        LEFT JOIN first_award fa ON fa.ocid = p.ocid
        ORDER BY p.ocid
        """
    ))
    countries: dict[str, list[str]] = defaultdict(list)
    for r in store.rows(
            "SELECT DISTINCT s.ocid, pa.country_name FROM award_suppliers s JOIN parties pa ON pa.ocid = s.ocid "
            "AND pa.party_id = s.supplier_id WHERE pa.country_name IS NOT NULL"):
        countries[r["ocid"]].append(r["country_name"])
    out = []
    for p in procs:
        comps = _components(p, countries.get(p["ocid"], []), havens, params)
        for name, comp in comps.items():
            comp["weight"] = weights.get(name, 0.0)
        used = [c for c in comps.values() if c["applicable"] and c["weight"] > 0]
        total = sum(c["weight"] for c in used)
        cri = sum(c["weight"] * c["value"] for c in used) / total if total else None
        out.append({"ocid": p["ocid"], "cri": cri, "applicable": len(used), "components": comps})
    return out


def build_process_risk(store, overrides: dict | None = None) -> dict:
    """Recompute the process_risk table; return how many processes have a CRI."""
    rows = compute_cri(store, overrides)
    version = definition("NZ10").version
    with store.transaction():
        store.con.execute("DELETE FROM process_risk")
        insert_rows(store, "process_risk", ["ocid", "cri", "applicable", "components", "indicator_version"],
                    [(r["ocid"], r["cri"], r["applicable"], json.dumps(r["components"]), version) for r in rows])
    return {"processes": len(rows), "with_cri": sum(r["cri"] is not None for r in rows)}
