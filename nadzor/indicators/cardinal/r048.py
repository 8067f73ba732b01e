"""R048 Heterogeneous supplier: a supplier is awarded items from unusually many different categories."""

from __future__ import annotations

from nadzor.indicators.cardinal import stats

__all__ = ["CODE", "evaluate"]

CODE = "R048"


def expression(run):
    """Return per supplier: processes with a classified awarded item, and the number of distinct codes."""
    digits = int(run.settings.get(CODE, "digits", 2))
    a = run.t["awards"]
    a = a.filter((a.status == "active") & (a.n_suppliers == 1)).select("pid", "award_idx")
    a = run.within(a)
    s = run.t["award_suppliers"]
    s = s.filter(s.supplier_id.notnull()).join(a, ["pid", "award_idx"])
    i = run.t["award_items"]
    i = i.filter(i.classification_id.notnull())
    j = s.join(i, ["pid", "award_idx"])
    j = j.mutate(code=j.classification_id.substr(0, digits))
    return j.group_by("supplier_id").agg(processes=j.pid.nunique(), variety=j.code.nunique())


def evaluate(run, result) -> None:
    """Flag suppliers (with enough processes) whose variety is at or above the upper fence or the threshold."""
    minimum = int(run.settings.get(CODE, "minimum_contracting_processes", 20))
    rows = [r for r in run.fetch(CODE, lambda: expression(run)) if r["processes"] >= minimum]
    values = [float(r["variety"]) for r in rows]
    threshold = run.settings.get(CODE, "threshold")
    fence, _ = stats.fence(result, CODE, values, threshold, "upper")
    result.set_meta(CODE, "upper_fence", fence)
    flagged = 0
    for r, value in zip(rows, values):
        if value >= fence:
            flagged += 1
            result.set("Tenderer", r["supplier_id"], CODE, value)
    result.statistics[CODE] = stats.summary(values, upper_fence=fence, flagged=flagged)
