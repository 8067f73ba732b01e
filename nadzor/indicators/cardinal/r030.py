"""R030 Late bid won: a bid received after the tender period ended was accepted and won."""

from __future__ import annotations

__all__ = ["CODE", "evaluate"]

CODE = "R030"


def expression(run):
    """Return (ocid, tenderer_id) for each winner of a valid bid dated after the tender period's end."""
    p = run.processes
    p = p.filter(p.has_awards & p.has_details).select("pid")
    a = run.t["awards"]
    a = a.filter((a.status == "active") & a.has_suppliers).select("pid", "award_idx")
    s = run.t["award_suppliers"]
    s = s.filter(s.supplier_id.notnull()).join(a, ["pid", "award_idx"]).select("pid", "supplier_id").distinct()
    b = run.t["bids"]
    # ``late``: the bid's date sorts after the tender period's end date, a plain string comparison made by the
    # reader, as Cardinal does (time zones are not normalised).
    b = b.filter((b.status == "valid") & b.late & b.has_tenderers)
    late = b.semi_join(p, "pid").select("pid", "bid_idx", "has_tenderers", "sole_tenderer_id")
    t = run.tenderers(late).select("pid", "tenderer_id")
    t = t.join(s, [t.pid == s.pid, t.tenderer_id == s.supplier_id]).select(t.pid, t.tenderer_id)
    t = t.join(run.t["processes"].select("pid", "ocid"), "pid").select("ocid", "tenderer_id")
    return t.distinct()


def evaluate(run, result) -> None:
    """Flag the process (1.0) and the late winning tenderer (1.0)."""
    rows = run.fetch(CODE, lambda: expression(run))
    for row in rows:
        result.set("OCID", row["ocid"], CODE, 1.0)
        result.set("Tenderer", row["tenderer_id"], CODE, 1.0)
        result.add_map("ocid_tenderer_r030", row["ocid"], row["tenderer_id"])
    result.statistics[CODE] = {"flagged": len({r["ocid"] for r in rows})}
