"""NZ05: public-space surveillance bought by a local government (buyer): the legal-mandate question."""

from __future__ import annotations

from collections import defaultdict

from nadzor.analysis.common import definition, evidence_of, is_local_government, plural
from nadzor.analysis.views import with_views
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute"]

CODE = "NZ05"


def compute(store, params: dict) -> list[Finding]:
    """Return one finding per local-government buyer of public-space surveillance."""
    version = definition(CODE).version
    caps = list(params["capabilities"])
    rows = store.rows(with_views(
        """
        SELECT pb.entity_id, e.name, e.names, pb.ocid, pb.source_id, pb.locator
        FROM process_buyers pb
        JOIN surveillance s ON s.ocid = pb.ocid
        JOIN entities e ON e.entity_id = pb.entity_id
        WHERE len(list_intersect(s.capabilities, ?)) > 0
        ORDER BY pb.entity_id, pb.ocid
        """
    ), [caps])
    by_buyer: dict[str, list[dict]] = defaultdict(list)
    name_of: dict[str, str] = {}
    for r in rows:
        if not any(is_local_government(n) for n in (r["names"] or [r["name"]])):
            continue
        name_of[r["entity_id"]] = r["name"]
        by_buyer[r["entity_id"]].append(evidence_of(r["ocid"], r["source_id"], r["locator"], "buyer"))
    out = []
    for buyer, ev in sorted(by_buyer.items()):
        out.append(Finding(
            code=CODE, indicator_version=version, subject_type="buyer", subject_id=buyer, ocid=None,
            value=float(len(ev)),
            explanation=(f"{name_of[buyer]}, a local government, bought public-space surveillance "
                         f"({plural(len(ev), 'process')}) although Serbia's data-protection law (ZZPL) does not "
                         "regulate video surveillance and the Constitution (Art. 42) requires a law as its basis; "
                         "a question of legal mandate to ask, not proof of wrongdoing."),
            evidence=ev, details={"capabilities": caps},
        ))
    return out
