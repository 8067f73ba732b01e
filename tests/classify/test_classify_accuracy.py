from pathlib import Path

from nadzor.classify.accuracy import evaluate, load_devset

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "classifier"


def test_devset_has_enough_rows_languages_and_balance():
    rows = load_devset(FIXTURES / "devset.csv")
    assert len(rows) >= 200
    assert {r["lang"] for r in rows} >= {"sr-Latn", "sr-Cyrl", "hr", "bs", "me", "sl", "mk", "hu", "sq", "en"}
    assert 0.4 <= sum(r["is_surveillance"] for r in rows) / len(rows) <= 0.6


def test_devset_meets_accuracy_targets():
    res = evaluate(load_devset(FIXTURES / "devset.csv"))
    assert res["overall"]["f1"] >= 0.95
    assert res["capabilities"]["facial_recognition"]["recall"] == 1.0


def test_holdout_meets_accuracy_targets():
    res = evaluate(load_devset(FIXTURES / "holdout.csv"))
    assert res["overall"]["f1"] >= 0.95
    assert res["capabilities"]["facial_recognition"]["recall"] == 1.0
