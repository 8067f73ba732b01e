"""NZ08: a buyer's surveillance purchases are highly concentrated (HHI), from the market_concentration table."""

from __future__ import annotations

from nadzor.analysis.common import definition, evidence_of
from nadzor.analysis.views import with_views
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute"]

CODE = "NZ08"


def compute(store, params: dict) -> list[Finding]:
    """Return one finding per buyer (and currency) whose surveillance HHI reaches ``min_hhi``."""
    version = definition(CODE).version
    rows = store.rows(
        """
        SELECT m.*, b.name AS buyer_name, s.name AS supplier_name
        FROM market_concentration m
        LEFT JOIN entities b ON b.entity_id = m.market_id
        LEFT JOIN entities s ON s.entity_id = m.top_supplier
        WHERE m.market_type = 'buyer' AND m.scope = 'surveillance' AND m.hhi >= ? AND m.processes >= ?
        ORDER BY m.market_id, m.currency
        """,
        [float(params["min_hhi"]), int(params["min_processes"])],
    )
    ocids: dict[str, list[str]] = {}
    if rows:
        for r in store.rows(with_views("SELECT pb.entity_id, pb.ocid FROM process_buyers pb JOIN surveillance s "
                                       "ON s.ocid = pb.ocid ORDER BY pb.ocid")):
            ocids.setdefault(r["entity_id"], []).append(r["ocid"])
    out = []
    seen: set[str] = set()
    for r in rows:
        if r["market_id"] in seen:  # one finding per buyer: the first currency (others in details)
            continue
        seen.add(r["market_id"])
        basis = f"of the awarded value in {r['currency']}" if r["basis"] == "value" else "of the processes"
        out.append(Finding(
            code=CODE, indicator_version=version, subject_type="buyer", subject_id=r["market_id"], ocid=None,
            value=round(r["hhi"], 1),
            explanation=(f"{r['buyer_name'] or r['market_id']}'s surveillance purchases are highly concentrated "
                         f"(HHI {r['hhi']:.0f}; {r['supplier_name'] or r['top_supplier']} has {r['cr1']:.0%} "
                         f"{basis}), a sign of dependency on few suppliers; a risk indicator, not proof of "
                         "wrongdoing."),
            evidence=[evidence_of(o, None, None, "awards") for o in ocids.get(r["market_id"], [])],
            details={"hhi": r["hhi"], "buyer_dependency": r["cr1"], "top_supplier": r["top_supplier"],
                     "suppliers": r["suppliers"], "processes": r["processes"], "basis": r["basis"],
                     "currency": r["currency"], "min_hhi": params["min_hhi"]},
        ))
    return out
