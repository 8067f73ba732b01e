"""Compare Splink (DuckDB backend) with nadzor's resolver on the labelled variant set.

Splink is not a nadzor dependency (it pins its own DuckDB and SQLGlot): run this in a separate environment:

    python3 -m venv /tmp/splinkvenv && /tmp/splinkvenv/bin/pip install splink cyrtranslit rapidfuzz pyyaml pydantic
    PYTHONPATH=. /tmp/splinkvenv/bin/python benchmarks/entities_splink.py

Features follow the engines spike (shared/reference/engines.md section 6): the name normalised by nadzor
(nadzor.entities.names.normalise, then the phonetic key), Jaro-Winkler at 0.97/0.92/0.85 on it, exact seat city,
blocking on the first and last three characters; prior from a deterministic rule, u from random sampling, m by EM
or from the partial registry identifiers (label column). Clusters at p >= 0.5 and 0.8.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from entities_labelled import load, pairwise  # noqa: E402

from nadzor.entities.names import normalise, phonetic  # noqa: E402


def run(rows, *, m_from: str, threshold: float, key: str) -> dict:
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    records = []
    for i, r in enumerate(rows):
        nm = normalise(r["name"])
        records.append({"unique_id": i, "name": nm.key if key == "normalised" else phonetic(nm.key),
                        "city": nm.city, "pib": r["identifier"] or None})
    df = pd.DataFrame(records)
    db_api = DuckDBAPI()
    sdf = db_api.register(df)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.JaroWinklerAtThresholds("name", [0.97, 0.92, 0.85]), cl.ExactMatch("city")],
        blocking_rules_to_generate_predictions=[block_on("substr(name, 1, 3)"), block_on("substr(name, -3, 3)")],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(sdf, settings, log_level=logging.WARNING)
    t = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match([block_on("name")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    if m_from == "labels":
        linker.training.estimate_m_from_label_column("pib")
    else:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("substr(name, 1, 3)"))
    train = time.perf_counter() - t
    t = time.perf_counter()
    preds = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(preds, threshold).as_pandas_dataframe()
    predict = time.perf_counter() - t
    cluster_of = dict(zip(clusters["unique_id"], clusters["cluster_id"]))
    predicted = [cluster_of.get(i, f"single-{i}") for i in range(len(rows))]
    m = pairwise([r["company"] for r in rows], predicted)
    m.update(train=train, predict=predict)
    return m


def main() -> int:
    rows = load()
    print(f"{len(rows)} records, {len({r['company'] for r in rows})} companies")
    print("| method | pairwise precision | recall | F1 | false merges | missed pairs | time |")
    print("|---|---|---|---|---|---|---|")
    for key in ("normalised", "phonetic"):
        for m_from in ("em", "labels"):
            for threshold in (0.5, 0.8):
                try:
                    m = run(rows, m_from=m_from, threshold=threshold, key=key)
                except Exception as exc:  # report a failing configuration instead of stopping the comparison
                    print(f"| Splink, {key} name, m from {m_from}, p >= {threshold} | failed: "
                          f"{type(exc).__name__}: {str(exc)[:80]} | | | | | |")
                    continue
                print(f"| Splink, {key} name, m from {m_from}, p >= {threshold} | {m['precision']:.3f} | "
                      f"{m['recall']:.3f} | {m['f1']:.3f} | {m['false_merges']} | {m['missed']} | "
                      f"train {m['train']:.1f} s, predict {m['predict']:.1f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
