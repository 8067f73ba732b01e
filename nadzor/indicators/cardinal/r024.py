"""R024 Price close to winning bid: the second-lowest valid bid is only slightly above the winning bid."""

from __future__ import annotations

from nadzor.indicators.cardinal import stats
from nadzor.indicators.cardinal.ratios import ratios

__all__ = ["CODE", "evaluate"]

CODE = "R024"


def evaluate(run, result) -> None:
    """Flag processes whose ratio is at or below the lower fence (q1 - 1.5 IQR) or the threshold."""
    rows = ratios(run)
    values = [r["ratio"] for r in rows]
    threshold = run.settings.get(CODE, "threshold")
    if threshold is None:
        q1, q3 = stats.quantile(values, 0.25), stats.quantile(values, 0.75)
        result.set_meta(CODE, "q1", q1)
        result.set_meta(CODE, "q3", q3)
        fence = stats.lower_fence(q1, q3)
    else:
        fence, q1 = float(threshold), 1.0  # a configured threshold skips the q1 guard
    result.set_meta(CODE, "lower_fence", fence)
    flagged = 0
    # Ratios are non-negative: if a quarter of them are 0, flagging "low" ratios would flag a quarter of all.
    if q1 > 0 and fence > 0:
        # Lowest first, so that with the lots variant a process keeps its most extreme lot's ratio.
        for r in sorted(rows, key=lambda r: -r["ratio"]):
            if r["ratio"] <= fence:
                flagged += 1
                result.set("OCID", r["ocid"], CODE, r["ratio"])
                for org in r["winner_ids"] + r["second_ids"]:
                    result.set("Tenderer", org, CODE, 0.0)
                    result.add_map("ocid_tenderer_r024", r["ocid"], org)
    result.statistics[CODE] = stats_summary(values, lower_fence=fence, flagged=flagged)


def stats_summary(values, **extra) -> dict:
    """Describe a distribution for ``--statistics``: size, min, quartiles (type 8), median, max."""
    finite = [v for v in values if v == v]
    return {
        "population": len(values),
        "min": min(finite) if finite else None,
        "q1": stats.quantile(finite, 0.25),
        "median": stats.quantile(finite, 0.5),
        "q3": stats.quantile(finite, 0.75),
        "max": max(finite) if finite else None,
        **extra,
    }
