"""R025 Excessive unsuccessful bids: a frequent bidder wins an unusually small share of its bids."""

from __future__ import annotations

from nadzor.indicators.cardinal import stats

__all__ = ["CODE", "evaluate"]

CODE = "R025"


def expression(run):
    """Return per tenderer: processes with a valid bid (den) and processes won (num)."""
    sa = run.single_awards
    b = run.t["bids"]
    b = b.filter((b.status == "valid") & b.sole_tenderer_id.notnull())
    vt = b.select("pid", tenderer_id="sole_tenderer_id").distinct()  # once per process
    j = vt.join(sa, "pid")
    j = j.mutate(won=(j.tenderer_id == j.supplier_id).cast("int64"))
    return j.group_by("tenderer_id").agg(num=j.won.sum(), den=j.count())


def evaluate(run, result) -> None:
    """Flag tenderers with many bids (at or above the percentile) and a low win ratio (at or below the fence)."""
    rows = run.fetch(CODE, lambda: expression(run))
    dens = [float(r["den"]) for r in rows]
    ratios = [r["num"] / r["den"] for r in rows]
    upper = stats.quantile(dens, int(run.settings.get(CODE, "percentile", 75)) / 100)
    threshold = run.settings.get(CODE, "threshold")
    lower, q1 = stats.fence(result, CODE, ratios, threshold, "lower")
    result.set_meta(CODE, "upper_fence", upper)
    result.set_meta(CODE, "lower_fence", lower)
    flagged = 0
    if q1 > 0 and lower > 0:
        for r, den, ratio in zip(rows, dens, ratios):
            if den >= upper and ratio <= lower:
                flagged += 1
                result.set("Tenderer", r["tenderer_id"], CODE, ratio)
    result.statistics[CODE] = stats.summary(ratios, upper_fence_bids=upper, lower_fence=lower, flagged=flagged)
