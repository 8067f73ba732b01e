"""Measure the classifier against the labelled sets in tests/fixtures/classifier.

Usage: python benchmarks/classifier_accuracy.py [--errors] [CSV ...]   (default: devset.csv and holdout.csv)

Prints precision, recall and F1 for "is this a surveillance purchase", per capability and per language.
"""

import argparse
from pathlib import Path

from nadzor.classify.accuracy import evaluate, load_devset, report

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "classifier"

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("csv", nargs="*", default=[str(FIXTURES / "devset.csv"), str(FIXTURES / "holdout.csv")])
ap.add_argument("--errors", action="store_true", help="list rows with a wrong decision or capability set")
args = ap.parse_args()
for path in args.csv:
    print(f"== {Path(path).name}")
    print(report(evaluate(load_devset(Path(path))), errors=args.errors))
