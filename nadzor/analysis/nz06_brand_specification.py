"""NZ06: brand-name specification without "or equivalent" (process)."""

from __future__ import annotations

import re
from collections import defaultdict

from nadzor.analysis.common import definition, evidence_of, has_equivalent_phrase
from nadzor.entities.names import fold
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute"]

CODE = "NZ06"


def compute(store, params: dict) -> list[Finding]:
    """Return one finding per surveillance process naming a brand in items or documents with no "or equivalent"."""
    version = definition(CODE).version
    texts = store.rows(
        """
        WITH s AS (SELECT ocid, vendors FROM classifications WHERE is_surveillance)
        SELECT i.ocid, 'items/' || coalesce(i.item_id, '?') || '/description' AS field, i.description AS text,
               i.source_id, i.locator, true AS spec
        FROM items i JOIN s USING (ocid)
        UNION ALL
        SELECT d.ocid, 'documents/' || coalesce(d.document_id, '?'),
               concat_ws(' ', d.title, d.description), d.source_id, d.locator, true
        FROM documents d JOIN s USING (ocid)
        UNION ALL
        SELECT p.ocid, 'tender/title+description', concat_ws(' ', p.title, p.description), p.source_id, p.locator,
               false
        FROM processes p JOIN s USING (ocid)
        """
    )
    vendors = {r["ocid"]: list(r["vendors"] or []) for r in
               store.rows("SELECT ocid, vendors FROM classifications WHERE is_surveillance")}
    base = [str(b) for b in params["brands"]]
    # The classifier's vendor and product matches (rules named vendor.*) in items and documents.
    vendor_evidence: dict[str, list[dict]] = defaultdict(list)
    for r in store.rows(
            """
            SELECT e.ocid, e.field, e.matched, e.source_id, e.locator FROM classification_evidence e
            JOIN classifications c ON c.ocid = e.ocid AND c.is_surveillance
            WHERE e.rule LIKE 'vendor.%' AND e.matched IS NOT NULL
              AND (e.field LIKE '%items/%/description' OR e.field LIKE '%documents/%')
            ORDER BY e.ocid, e.field, e.span_start
            """):
        vendor_evidence[r["ocid"]].append(r)
    by_ocid: dict[str, list[dict]] = defaultdict(list)
    for t in texts:
        by_ocid[t["ocid"]].append(t)
    out = []
    for ocid, rows in sorted(by_ocid.items()):
        if any(has_equivalent_phrase(r["text"]) for r in rows):
            continue
        brands = {fold(b): b for b in base + vendors.get(ocid, []) if b and len(fold(b)) >= 3}
        patterns = {key: re.compile(r"\b" + re.escape(key) + r"\b") for key in brands}
        hits: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            if not r["spec"] or not r["text"]:
                continue
            text = fold(r["text"])
            for key, pattern in patterns.items():
                if pattern.search(text):
                    hits[brands[key]].append(evidence_of(ocid, r["source_id"], r["locator"], r["field"],
                                                         matched=r["text"][:200]))
        for ev in vendor_evidence.get(ocid, []):
            label = ev["matched"].strip()
            if not any(fold(label) == fold(b) or re.search(r"\b" + re.escape(fold(b)) + r"\b", fold(label))
                       for b in hits):
                hits[label].append(evidence_of(ocid, ev["source_id"], ev["locator"], ev["field"], matched=label))
        if not hits:
            continue
        names = sorted(hits)
        out.append(Finding(
            code=CODE, indicator_version=version, subject_type="process", subject_id=ocid, ocid=ocid,
            value=float(len(names)),
            explanation=(f"The specification names {', '.join(names)} without allowing an equivalent product "
                         "(\"ili odgovarajuće\"), which can limit competition to sellers of that brand; a risk "
                         "indicator, not proof of wrongdoing."),
            evidence=[e for n in names for e in hits[n]], details={"brands": names},
        ))
    return out
