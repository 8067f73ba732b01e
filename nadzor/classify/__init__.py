"""Detect surveillance-technology purchases: taxonomy (YAML), multilingual rules, explanations.

Library entry points: ``classify_text`` (one text), ``classify_process`` (the fields of one process),
``classify_store`` (every process in a store; the ``classify`` analysis step) and ``list_purchases``.
"""

from __future__ import annotations

from nadzor._lazy import lazy_attributes

__all__ = [
    "classify_text",
    "classify_texts",
    "classify_process",
    "classify_store",
    "list_capabilities",
    "list_purchases",
    "get_matcher",
    "Matcher",
    "TextResult",
    "ProcessResult",
    "Unit",
]

# Imported when first used, not with the package: the CLI loads every plugin at start, and the matcher with its
# taxonomy costs about 40 ms that a command which never classifies should not pay.
__getattr__ = lazy_attributes(__name__, {
    "Matcher": "nadzor.classify.matcher",
    "ProcessResult": "nadzor.classify.matcher",
    "TextResult": "nadzor.classify.matcher",
    "Unit": "nadzor.classify.matcher",
    "get_matcher": "nadzor.classify.matcher",
    "list_purchases": "nadzor.classify.purchases",
    "classify_store": "nadzor.classify.store",
    "CAPABILITY_IDS": "nadzor.classify.taxonomy",
})


def classify_text(text: str) -> dict:
    """Classify one text; return {text, is_surveillance, capabilities, vendors, matches} (spans in ``text``)."""
    from nadzor.classify.matcher import get_matcher

    res = get_matcher().classify_text(text)
    return {
        "text": text,
        "is_surveillance": res.is_surveillance,
        "capabilities": res.capabilities,
        "vendors": res.vendors,
        "matches": [m.as_dict() for m in res.matches],
    }


def classify_texts(texts):
    """Classify many texts lazily, in order (one dict per text, as ``classify_text``)."""
    for t in texts:
        yield classify_text(t)


def classify_process(process: dict) -> ProcessResult:
    """Classify one OCDS compiled release (a dict): title, description, lots, items, awards, contracts, documents.

    Item CPV codes are read from ``classification`` and ``additionalClassifications`` with a CPV scheme.
    """
    from nadzor.classify.matcher import Unit, get_matcher

    units: list[Unit] = []
    tender = process.get("tender") or {}
    for key in ("title", "description"):
        if tender.get(key):
            units.append(Unit(texts=[(f"tender/{key}", tender[key])]))

    def items(prefix, lst):
        for i, it in enumerate(lst or []):
            texts = [(f"{prefix}/items/{i}/description", it.get("description"))]
            codes = []
            for j, c in enumerate([it.get("classification")] + list(it.get("additionalClassifications") or [])):
                if isinstance(c, dict):
                    if c.get("description"):
                        texts.append((f"{prefix}/items/{i}/classification/description", c["description"]))
                    if (c.get("scheme") or "").upper().startswith("CPV") and c.get("id"):
                        codes.append((f"{prefix}/items/{i}/classification", str(c["id"])))
            units.append(Unit(texts=[t for t in texts if t[1]], cpv=codes))

    def docs(prefix, lst):
        for i, d in enumerate(lst or []):
            texts = [(f"{prefix}/documents/{i}/title", d.get("title")),
                     (f"{prefix}/documents/{i}/description", d.get("description"))]
            units.append(Unit(texts=[t for t in texts if t[1]]))

    items("tender", tender.get("items"))
    docs("tender", tender.get("documents"))
    for i, lot in enumerate(tender.get("lots") or []):
        texts = [(f"tender/lots/{i}/title", lot.get("title")), (f"tender/lots/{i}/description", lot.get("description"))]
        units.append(Unit(texts=[t for t in texts if t[1]]))
    for kind in ("awards", "contracts"):
        for i, obj in enumerate(process.get(kind) or []):
            if obj.get("title"):
                units.append(Unit(texts=[(f"{kind}/{i}/title", obj["title"])]))
            if obj.get("description"):
                units.append(Unit(texts=[(f"{kind}/{i}/description", obj["description"])]))
            items(f"{kind}/{i}", obj.get("items"))
            docs(f"{kind}/{i}", obj.get("documents"))
    return get_matcher().classify_units(units)


def list_capabilities() -> list[dict]:
    """Return the taxonomy: one dict per capability with its tier, description, term count and CPV codes."""
    from nadzor.classify.matcher import get_matcher
    from nadzor.classify.taxonomy import CAPABILITY_IDS

    tax = get_matcher().taxonomy
    out = []
    for cap_id in CAPABILITY_IDS:
        cap = tax.capabilities[cap_id]
        rules = [r for r in tax.rules if r.capability == cap_id]
        out.append({
            "id": cap_id,
            "title": cap.title,
            "risk_tier": cap.risk_tier,
            "description": cap.description,
            "rules": len(rules),
            "terms": sum(len(r.terms) for r in rules),
            "cpv": sorted({c for r in rules for c in r.cpv}),
        })
    return out
