"""Measure the classifier against the labelled development set.

Usage: python benchmarks/classifier_accuracy.py [--errors] [DEVSET.csv]

Prints precision, recall and F1 for "is this a surveillance purchase" and per capability, and with
--errors every misclassified row. The labels were written before the rules (see tests/fixtures/classifier).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from nadzor.classify.matcher import get_matcher
from nadzor.classify.taxonomy import CAPABILITY_IDS

DEVSET = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "classifier" / "devset.csv"

__all__ = ["load_devset", "evaluate", "prf"]


def load_devset(path: Path = DEVSET) -> list[dict]:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("devset", nargs="?", default=str(DEVSET))
    ap.add_argument("--errors", action="store_true", help="list misclassified rows")
    args = ap.parse_args()
    res = evaluate(load_devset(Path(args.devset)))
    o = res["overall"]
    print(f"rows: {res['n']}")
    print(f"{'':24} {'prec':>6} {'recall':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    print(f"{'is_surveillance':24} {o['precision']:6.3f} {o['recall']:6.3f} {o['f1']:6.3f} {o['tp']:4} {o['fp']:4} {o['fn']:4}")
    for c, v in res["capabilities"].items():
        print(f"{c:24} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['tp']:4} {v['fp']:4} {v['fn']:4}")
    print("per language (is_surveillance):")
    for k, v in res["languages"].items():
        print(f"  {k:22} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f}  n={v['n']}")
    if args.errors:
        print(f"rows with a wrong decision or capability set: {len(res['errors'])}")
        for e in res["errors"]:
            print(f"  [{e['lang']}] {e['text']!r}: gold {e['gold']} {e['gold_caps']} pred {e['pred']} {e['pred_caps']} {e['rules']}")


if __name__ == "__main__":
    main()
