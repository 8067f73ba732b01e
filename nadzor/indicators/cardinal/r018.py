"""R018 Single bid received: ``numberOfTenderers`` is the JSON integer 1 in an open or selective procedure."""

from __future__ import annotations

from nadzor.indicators.cardinal.settings import pipe_list

__all__ = ["CODE", "evaluate"]

CODE = "R018"


def expression(run):
    """Return the flagged processes (ocid) as an Ibis expression."""
    p = run.processes
    setting = run.settings.get(CODE, "procurement_methods")
    methods = ["open", "selective"] if setting is None else pipe_list(setting)
    if methods:
        p = p.filter(p.pm.notnull() & p.pm.isin(methods))
    return p.filter(p.nt_one).select("ocid")


def evaluate(run, result) -> None:
    """Flag each single-bid process (value 1.0)."""
    rows = run.fetch(CODE, lambda: expression(run))
    for row in rows:
        result.set("OCID", row["ocid"], CODE, 1.0)
    result.statistics[CODE] = {"flagged": len(rows)}
