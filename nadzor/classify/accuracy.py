"""Measure the classifier against a labelled CSV (columns text, lang, is_surveillance, capabilities).

``benchmarks/classifier_accuracy.py`` prints the figures; a test asserts the targets on the dev set.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nadzor.classify.matcher import get_matcher
from nadzor.classify.taxonomy import CAPABILITY_IDS

__all__ = ["load_devset", "evaluate", "prf", "report"]


def load_devset(path: Path) -> list[dict]:
    """Return the labelled rows: text, lang, is_surveillance (bool), capabilities (set)."""
    with open(path, encoding="utf-8", newline="") as f:
        return [
            {
                "text": r["text"],
                "lang": r["lang"],
                "is_surveillance": r["is_surveillance"].strip().lower() == "true",
                "capabilities": {c for c in r["capabilities"].split(";") if c},
            }
            for r in csv.DictReader(f)
        ]


def prf(tp: int, fp: int, fn: int) -> dict:
    """Return precision, recall and F1 (1.0 when there is nothing to find and nothing was found)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def evaluate(rows: list[dict]) -> dict:
    """Classify every row and count; returns overall, per capability, per language and the errors."""
    m = get_matcher()
    counts = {"overall": [0, 0, 0]} | {c: [0, 0, 0] for c in CAPABILITY_IDS}
    by_lang: dict[str, list[int]] = {}
    errors = []
    for row in rows:
        res = m.classify_text(row["text"])
        pred, gold = res.is_surveillance, row["is_surveillance"]
        lang = by_lang.setdefault(row["lang"], [0, 0, 0, 0])
        lang[3] += 1
        for key, p, g in [("overall", pred, gold)] + [
            (c, c in res.capabilities, c in row["capabilities"]) for c in CAPABILITY_IDS
        ]:
            if p and g:
                counts[key][0] += 1
            elif p and not g:
                counts[key][1] += 1
            elif g and not p:
                counts[key][2] += 1
        lang[0] += pred and gold
        lang[1] += pred and not gold
        lang[2] += gold and not pred
        if pred != gold or set(res.capabilities) != row["capabilities"]:
            errors.append({"text": row["text"], "lang": row["lang"], "gold": gold, "pred": pred,
                           "gold_caps": sorted(row["capabilities"]), "pred_caps": res.capabilities,
                           "rules": [x.rule for x in res.matches]})
    return {
        "n": len(rows),
        "overall": prf(*counts["overall"]),
        "capabilities": {c: prf(*counts[c]) for c in CAPABILITY_IDS},
        "languages": {k: prf(*v[:3]) | {"n": v[3]} for k, v in sorted(by_lang.items())},
        "errors": errors,
    }


def report(res: dict, *, errors: bool = False) -> str:
    """Return the evaluation as a plain-text table."""
    o = res["overall"]
    lines = [f"rows: {res['n']}", f"{'':24} {'prec':>6} {'recall':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}"]
    for name, v in [("is_surveillance", o)] + list(res["capabilities"].items()):
        lines.append(f"{name:24} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['tp']:4} {v['fp']:4} {v['fn']:4}")
    lines.append("per language (is_surveillance):")
    for k, v in res["languages"].items():
        lines.append(f"  {k:22} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f}  n={v['n']}")
    if errors:
        lines.append(f"rows with a wrong decision or capability set: {len(res['errors'])}")
        for e in res["errors"]:
            lines.append(f"  [{e['lang']}] {e['text']!r}: gold {e['gold']} {e['gold_caps']} "
                         f"pred {e['pred']} {e['pred_caps']} {e['rules']}")
    return "\n".join(lines)
