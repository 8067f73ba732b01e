"""NZ01: facial recognition purchased (process), with the classifier's evidence."""

from __future__ import annotations

from nadzor.analysis.common import definition, evidence_of
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute"]

CODE = "NZ01"


def compute(store, params: dict) -> list[Finding]:
    """Return one finding per process the classifier tagged with facial_recognition."""
    version = definition(CODE).version
    rows = store.rows(
        """
        SELECT c.ocid, e.field, e.matched, e.source_id, e.locator
        FROM classifications c
        LEFT JOIN classification_evidence e ON e.ocid = c.ocid AND e.capability = 'facial_recognition'
        WHERE list_contains(c.capabilities, 'facial_recognition')
        ORDER BY c.ocid, e.field, e.span_start
        """
    )
    by_ocid: dict[str, list[dict]] = {}
    for r in rows:
        ev = by_ocid.setdefault(r["ocid"], [])
        if r["matched"] is not None:
            ev.append(evidence_of(r["ocid"], r["source_id"], r["locator"], r["field"], matched=r["matched"]))
    out = []
    for ocid, ev in by_ocid.items():
        quoted = f" (\"{ev[0]['matched']}\" in {ev[0].get('field')})" if ev else ""
        out.append(Finding(
            code=CODE, indicator_version=version, subject_type="process", subject_id=ocid, ocid=ocid,
            value=float(len(ev)),
            explanation=(f"This purchase appears to include facial recognition{quoted}, which raises the question "
                         "of its legal basis under Serbian data-protection law; a risk indicator, not proof of "
                         "wrongdoing."),
            evidence=ev or [evidence_of(ocid, None, None, "classifications/capabilities")],
        ))
    return out
