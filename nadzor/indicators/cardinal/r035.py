"""R035 All except winning bid disqualified: one valid bidder won and the other bidders were disqualified."""

from __future__ import annotations

__all__ = ["CODE", "evaluate"]

CODE = "R035"


def expression(run):
    """Return (ocid, winner, disqualified) for processes whose only valid bidder won.

    "Only one" is tested as min = max of the ids (no distinct sets), and the disqualified bidders are counted
    only in the processes that pass; the ocid is joined last.
    """
    b = run.t["bids"]
    b = b.filter(b.has_tenderers & b.status.isin(["valid", "disqualified"]))
    t = run.tenderers(b.select("pid", "bid_idx", "status", "has_tenderers", "sole_tenderer_id"))
    t = t.select("pid", "status", "tenderer_id")
    # Only processes with a disqualified bid can be flagged: the groupings below read only those.
    dq = t.filter(t.status == "disqualified")
    has_dq = dq.select("pid").distinct()
    valid = t.filter(t.status == "valid").semi_join(has_dq, "pid")
    valid = valid.group_by("pid").agg(vid=valid.tenderer_id.min(), vmax=valid.tenderer_id.max())
    valid = valid.filter(valid.vid == valid.vmax)
    a = run.t["awards"]
    a = a.filter((a.status == "active") & a.has_suppliers).select("pid", "award_idx")
    s = run.t["award_suppliers"]
    s = s.filter(s.supplier_id.notnull()).semi_join(has_dq, "pid").join(a, ["pid", "award_idx"])
    s = s.group_by("pid").agg(sid=s.supplier_id.min(), smax=s.supplier_id.max())
    s = s.filter(s.sid == s.smax)
    c = valid.join(s, "pid")
    c = c.filter(c.vid == c.sid).select("pid", "vid")
    c = c.semi_join(run.final_processes(run.processes), "pid")
    d = dq.join(c, "pid")
    d = d.filter(d.tenderer_id != d.vid).select("pid", "vid", "tenderer_id").distinct()
    d = d.group_by(["pid", "vid"]).agg(nd=d.count())
    # Sum per ocid (a file may repeat an ocid), as the original grouping by (ocid, winner) did.
    d = d.join(run.t["processes"].select("pid", "ocid"), "pid")
    d = d.group_by(["ocid", "vid"]).agg(nd=d.nd.sum())
    threshold = max(int(run.settings.get(CODE, "threshold", 1)), 1)
    return d.filter(d.nd >= threshold)


def evaluate(run, result) -> None:
    """Flag the process (number of disqualified other bidders) and the winner (0.0)."""
    rows = run.fetch(CODE, lambda: expression(run))
    for row in rows:
        result.set("OCID", row["ocid"], CODE, float(row["nd"]))
        result.set("Tenderer", row["vid"], CODE, 0.0)
        result.add_map("ocid_tenderer_r035", row["ocid"], row["vid"])
    result.statistics[CODE] = {"flagged": len(rows)}
