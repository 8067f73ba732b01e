"""R003 Short submission period: the tender period is shorter than the threshold (in whole days)."""

from __future__ import annotations

from nadzor.indicators.cardinal.settings import pipe_list

__all__ = ["CODE", "evaluate"]

CODE = "R003"
_DAY_US = 86_400_000_000


def expression(run):
    """Return the flagged processes (ocid, days, threshold) as an Ibis expression."""
    import ibis

    p = run.processes
    methods = pipe_list(run.settings.get(CODE, "procurement_methods"))
    if methods:
        p = p.filter(p.pm.notnull() & p.pm.isin(methods))
    p = p.filter(p.start_us.notnull() & p.end_us.notnull())
    diff = p.end_us - p.start_us
    # chrono's num_days() truncates toward zero; integer division is only portable for non-negative operands.
    days = ibis.cases((diff >= 0, diff // _DAY_US), else_=-((-diff) // _DAY_US))
    default = int(run.settings.get(CODE, "threshold", 15))
    mapping = run.settings.mappings.get("R003.procurement_method_details", {})
    if mapping:
        threshold = ibis.cases(*[(p.pmd == k, int(v)) for k, v in mapping.items()], else_=default)
    else:
        threshold = ibis.literal(default)
    p = p.mutate(days=days, threshold=threshold)
    return p.filter(p.days < p.threshold).select("ocid", "days", "threshold")


def evaluate(run, result) -> None:
    """Flag each process whose tender period is too short (value 1.0)."""
    rows = run.fetch(CODE, lambda: expression(run))
    for row in rows:
        result.set("OCID", row["ocid"], CODE, 1.0)
    result.statistics[CODE] = {"flagged": len(rows)}
