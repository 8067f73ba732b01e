"""R024 Price close to winning bid: the second-lowest valid bid is only slightly above the winning bid."""

from __future__ import annotations

from nadzor.indicators.cardinal import stats
from nadzor.indicators.cardinal.ratios import ratios

__all__ = ["CODE", "evaluate"]

CODE = "R024"


def evaluate(run, result) -> None:
    """Flag processes whose ratio is at or below the lower fence (q1 - 1.5 IQR) or the threshold."""
    found = ratios(run)
    values = found.values
    threshold = run.settings.get(CODE, "threshold")
    fence, q1 = stats.fence(result, CODE, values, threshold, "lower")
    result.set_meta(CODE, "lower_fence", fence)
    flagged = 0
    # Ratios are non-negative: if a quarter of them are 0, flagging "low" ratios would flag a quarter of all.
    if q1 > 0 and fence > 0:
        # Lowest first, so that with the lots variant a process keeps its most extreme lot's ratio.
        for r in sorted(found.flagged(lambda ratio: ratio <= fence), key=lambda r: -r["ratio"]):
            flagged += 1
            result.set("OCID", r["ocid"], CODE, r["ratio"])
            for org in r["winner_ids"] + r["second_ids"]:
                result.set("Tenderer", org, CODE, 0.0)
                result.add_map("ocid_tenderer_r024", r["ocid"], org)
    result.statistics[CODE] = stats.summary(values, lower_fence=fence, flagged=flagged)

