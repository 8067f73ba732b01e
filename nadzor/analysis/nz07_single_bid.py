"""NZ07: single bid in a competitive surveillance tender (process), and single-bid shares per buyer and supplier."""

from __future__ import annotations

from collections import defaultdict

from nadzor.analysis.common import definition, evidence_of
from nadzor.analysis.views import with_views
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute", "competitive_tenders", "single_bid_shares"]

CODE = "NZ07"


def competitive_tenders(store) -> list[dict]:
    """Return competitive surveillance processes with bid information: ocid, single (bool), bidders, buyer,
    suppliers (entity ids), source_id, locator."""
    rows = store.rows(with_views(
        """
        , bidders AS (SELECT ocid, count(DISTINCT entity_id) AS n FROM process_tenderers GROUP BY ocid),
        winners AS (SELECT ocid, list(DISTINCT entity_id ORDER BY entity_id) AS suppliers FROM supplier_awards
                    GROUP BY ocid)
        SELECT p.ocid, coalesce(p.number_of_tenderers, b.n) AS bidders, pb.entity_id AS buyer, w.suppliers,
               p.source_id, p.locator, (p.number_of_tenderers IS NOT NULL) AS from_field
        FROM processes p
        JOIN surveillance s ON s.ocid = p.ocid
        LEFT JOIN bidders b ON b.ocid = p.ocid
        LEFT JOIN process_buyers pb ON pb.ocid = p.ocid
        LEFT JOIN winners w ON w.ocid = p.ocid
        WHERE lower(p.procurement_method) IN ('open', 'selective')
          AND coalesce(p.number_of_tenderers, b.n) IS NOT NULL AND coalesce(p.number_of_tenderers, b.n) > 0
        ORDER BY p.ocid
        """
    ))
    for r in rows:
        r["single"] = r["bidders"] == 1
        r["suppliers"] = list(r["suppliers"] or [])
    return rows


def single_bid_shares(store, tenders: list[dict] | None = None) -> dict[str, dict[str, dict]]:
    """Return {"buyer": {entity: {tenders, single, share}}, "supplier": {...}} over competitive surveillance tenders."""
    tenders = competitive_tenders(store) if tenders is None else tenders
    out: dict[str, dict[str, dict]] = {"buyer": defaultdict(lambda: {"tenders": 0, "single": 0, "ocids": []}),
                                       "supplier": defaultdict(lambda: {"tenders": 0, "single": 0, "ocids": []})}
    for t in tenders:
        subjects = [("buyer", t["buyer"])] + [("supplier", s) for s in t["suppliers"]]
        for kind, entity in subjects:
            if entity is None:
                continue
            agg = out[kind][entity]
            agg["tenders"] += 1
            agg["single"] += int(t["single"])
            if t["single"]:
                agg["ocids"].append(t["ocid"])
    for kind in out:
        for agg in out[kind].values():
            agg["share"] = agg["single"] / agg["tenders"] if agg["tenders"] else None
        out[kind] = dict(out[kind])
    return out


def compute(store, params: dict) -> list[Finding]:
    """Return single-bid process findings and buyer / supplier share findings."""
    version = definition(CODE).version
    tenders = competitive_tenders(store)
    out = []
    for t in tenders:
        if not t["single"]:
            continue
        out.append(Finding(
            code=CODE, indicator_version=version, subject_type="process", subject_id=t["ocid"], ocid=t["ocid"],
            value=1.0,
            explanation=("This competitive surveillance tender received a single bid, so there was no competition "
                         "on price or quality; a risk indicator, not proof of wrongdoing."),
            evidence=[evidence_of(t["ocid"], t["source_id"], t["locator"],
                                  "tender/numberOfTenderers" if t["from_field"] else "bids/details")],
        ))
    names = {r["entity_id"]: r["name"] for r in store.rows("SELECT entity_id, name FROM entities")}
    min_share, min_tenders = float(params["min_share"]), int(params["min_tenders"])
    for kind, per in single_bid_shares(store, tenders).items():
        for entity, agg in sorted(per.items()):
            if agg["tenders"] < min_tenders or agg["share"] < min_share:
                continue
            role = "buyer's" if kind == "buyer" else "supplier's"
            out.append(Finding(
                code=CODE, indicator_version=version, subject_type=kind, subject_id=entity, ocid=None,
                value=round(agg["share"], 4),
                explanation=(f"{agg['single']} of {agg['tenders']} competitive surveillance tenders of "
                             f"{names.get(entity, entity)} ({agg['share']:.0%}, this {role} share) had a single "
                             "bid; a risk indicator, not proof of wrongdoing."),
                evidence=[evidence_of(o, None, None, "tender/numberOfTenderers") for o in agg["ocids"]],
                details={"tenders": agg["tenders"], "single_bid": agg["single"], "min_share": min_share,
                         "min_tenders": min_tenders},
            ))
    return out
