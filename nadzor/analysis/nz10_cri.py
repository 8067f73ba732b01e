"""NZ10: high composite corruption-risk index (process), from the process_risk table."""

from __future__ import annotations

import json

from nadzor.analysis.common import definition, evidence_of
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute"]

CODE = "NZ10"


def compute(store, params: dict) -> list[Finding]:
    """Return one finding per process (surveillance only by default) whose CRI reaches ``min_cri``."""
    version = definition(CODE).version
    only = "JOIN classifications c ON c.ocid = r.ocid AND c.is_surveillance" if params["scope"] == "surveillance" \
        else ""
    rows = store.rows(
        f"""
        SELECT r.ocid, r.cri, r.applicable, CAST(r.components AS VARCHAR) AS components, p.source_id, p.locator
        FROM process_risk r {only} LEFT JOIN processes p ON p.ocid = r.ocid
        WHERE r.cri >= ? AND r.applicable >= ? ORDER BY r.ocid
        """,
        [float(params["min_cri"]), int(params["min_components"])],
    )
    out = []
    for r in rows:
        comps = json.loads(r["components"])
        raised = [name.replace("_", " ") for name, c in comps.items() if c["applicable"] and c["value"]]
        out.append(Finding(
            code=CODE, indicator_version=version, subject_type="process", subject_id=r["ocid"], ocid=r["ocid"],
            value=round(r["cri"], 4),
            explanation=(f"This process scores {r['cri']:.2f} on the composite corruption-risk index (0 to 1, from "
                         f"{r['applicable']} computable red flags: {', '.join(raised)}); a risk indicator, not "
                         "proof of wrongdoing."),
            evidence=[evidence_of(r["ocid"], r["source_id"], r["locator"], "process")],
            details={"components": comps, "min_cri": params["min_cri"]},
        ))
    return out
