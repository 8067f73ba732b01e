"""NZ09: a tenderer that only ever loses, always to the same winner (complementary bidding risk)."""

from __future__ import annotations

from nadzor.analysis.common import definition, evidence_of
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute"]

CODE = "NZ09"


def compute(store, params: dict) -> list[Finding]:
    """Return one finding per complementary bidder with at least ``min_losses`` losses."""
    version = definition(CODE).version
    rows = store.rows(
        """
        SELECT c.*, l.name AS loser_name, w.name AS winner_name
        FROM complementary_bidders c
        LEFT JOIN entities l ON l.entity_id = c.loser_entity_id
        LEFT JOIN entities w ON w.entity_id = c.winner_entity_id
        WHERE c.losses >= ? ORDER BY c.loser_entity_id
        """,
        [int(params["min_losses"])],
    )
    return [
        Finding(
            code=CODE, indicator_version=version, subject_type="tenderer", subject_id=r["loser_entity_id"], ocid=None,
            value=float(r["losses"]),
            explanation=(f"{r['loser_name']} bid {r['losses']} times in surveillance tenders, never won, and lost "
                         f"every time to {r['winner_name']}, a pattern seen in cover bidding; a risk indicator, "
                         "not proof of wrongdoing."),
            evidence=[evidence_of(o, None, None, "bids") for o in r["ocids"]],
            details={"winner": r["winner_entity_id"], "losses": r["losses"], "min_losses": params["min_losses"]},
        )
        for r in rows
    ]
