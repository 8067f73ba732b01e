"""NZ02: a manufacturer or product on a restricted list (process), naming the list and its date."""

from __future__ import annotations

import json

from nadzor.analysis.common import definition, evidence_of
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute"]

CODE = "NZ02"


def _display(vendor) -> str:
    text = str(vendor or "?")
    return text.title() if text.islower() else text


def compute(store, params: dict) -> list[Finding]:
    """Return one finding per process whose classification names at least one restricted vendor."""
    version = definition(CODE).version
    rows = store.rows(
        """
        SELECT c.ocid, CAST(c.restricted_vendors AS VARCHAR) AS restricted, p.source_id, p.locator
        FROM classifications c LEFT JOIN processes p ON p.ocid = c.ocid
        WHERE c.restricted_vendors IS NOT NULL AND json_array_length(c.restricted_vendors) > 0
        ORDER BY c.ocid
        """
    )
    out = []
    for r in rows:
        entries = [e for e in json.loads(r["restricted"]) if isinstance(e, dict)]
        if not entries:
            continue
        listed = "; ".join(
            f"{_display(e.get('vendor'))} on the {e.get('list')}"
            + (f" (since {e.get('date')})" if e.get("date") else "")
            for e in entries
        )
        vendors = sorted({str(e.get("vendor", "")).lower() for e in entries})
        evidence = [evidence_of(r["ocid"], r["source_id"], r["locator"], "classifications/restricted_vendors")]
        # Where the text names the vendor or one of its products (the classifier's vendor.<name>.* rules).
        evidence += [evidence_of(r["ocid"], m["source_id"], m["locator"], m["field"], matched=m["matched"])
                     for m in store.rows(
                         "SELECT DISTINCT field, matched, source_id, locator FROM classification_evidence "
                         "WHERE ocid = ? AND matched IS NOT NULL AND (list_contains(?, lower(matched)) OR "
                         "(rule LIKE 'vendor.%' AND list_contains(?, split_part(rule, '.', 2)))) ORDER BY field",
                         [r["ocid"], vendors, vendors])]
        out.append(Finding(
            code=CODE, indicator_version=version, subject_type="process", subject_id=r["ocid"], ocid=r["ocid"],
            value=float(len(entries)),
            explanation=(f"This purchase names a vendor that another government restricts ({listed}); a risk "
                         "indicator worth asking the buyer about, not proof of wrongdoing."),
            evidence=evidence, details={"restricted": entries},
        ))
    return out
