"""R058 Heavily discounted bid: the winning bid is far below the second-lowest valid bid."""

from __future__ import annotations

from nadzor.indicators.cardinal import stats
from nadzor.indicators.cardinal.ratios import ratios

__all__ = ["CODE", "evaluate"]

CODE = "R058"


def evaluate(run, result) -> None:
    """Flag processes whose ratio is at or above the upper fence (q3 + 1.5 IQR) or the threshold."""
    found = ratios(run)
    values = found.values
    threshold = run.settings.get(CODE, "threshold")
    fence, _ = stats.fence(result, CODE, values, threshold, "upper")
    result.set_meta(CODE, "upper_fence", fence)
    flagged = 0
    if fence > 0:
        # Highest last: a process keeps its most extreme lot's ratio.
        for r in sorted(found.flagged(lambda ratio: ratio >= fence), key=lambda r: r["ratio"]):
            flagged += 1
            result.set("OCID", r["ocid"], CODE, r["ratio"])
            for org in r["winner_ids"]:
                result.set("Tenderer", org, CODE, 0.0)
                result.add_map("ocid_tenderer_r058", r["ocid"], org)
    result.statistics[CODE] = stats.summary(values, upper_fence=fence, flagged=flagged)
