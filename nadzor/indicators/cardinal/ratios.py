"""The second-lowest-bid ratio shared by R024 and R058: (second-lowest valid bid - winning bid) / winning bid."""

from __future__ import annotations

import math

from nadzor.indicators.cardinal.common import first_by

__all__ = ["expression", "ratios"]


def expression(run):
    """Return per process: ocid, winner (the supplier), its lowest valid bid, the lowest other bidder and bid."""
    v = run.valid_priced_bids()
    currency = run.main_currency
    v = v.filter(v.currency == currency) if currency is not None else v.filter(v.pid < 0)
    j = v.join(run.ratio_processes, "pid")
    win = j.filter(j.tenderer_id == j.supplier_id)
    win = win.group_by(["pid", "ocid", "supplier_id"]).agg(winner_amount=win.amount.min())
    other = j.filter(j.tenderer_id != j.supplier_id)
    second = first_by(other, "pid", ["amount", "bid_idx"])
    second = second.select("pid", second_id=second.tenderer_id, second_amount=second.amount)
    r = win.join(second, "pid")
    # If the lowest bid did not win, the award criteria were not price only: Cardinal skips the process.
    r = r.filter(r.second_amount >= r.winner_amount)
    return r.select("ocid", winner_id="supplier_id", winner_amount="winner_amount", second_id="second_id",
                    second_amount="second_amount")


def _divide(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:  # IEEE semantics, as in Rust: x/0 = inf, 0/0 = NaN
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)


def ratios(run) -> list[dict]:
    """Return (and cache on the run) one dict per process: ocid, ratio, winner_id, second_id."""
    cached = getattr(run, "_ratios", None)
    if cached is None:
        cached = [
            {
                "ocid": r["ocid"],
                "ratio": _divide(r["second_amount"] - r["winner_amount"], r["winner_amount"]),
                "winner_id": r["winner_id"],
                "second_id": r["second_id"],
            }
            for r in run.fetch(expression(run))
        ]
        run._ratios = cached
    return cached
