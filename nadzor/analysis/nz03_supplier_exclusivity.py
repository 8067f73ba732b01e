"""NZ03: the supplier won every surveillance purchase of at least N buyers (supplier)."""

from __future__ import annotations

from collections import defaultdict

from nadzor.analysis.common import definition, evidence_of, plural
from nadzor.analysis.views import with_views
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute", "exclusive_buyers"]

CODE = "NZ03"


def exclusive_buyers(store) -> dict[str, dict[str, list[dict]]]:
    """Return {supplier entity: {buyer entity: [its awarded surveillance processes]}} where the supplier won all."""
    rows = store.rows(with_views(
        """
        SELECT pb.entity_id AS buyer, sa.ocid, sa.entity_id AS supplier, sa.source_id, sa.locator
        FROM supplier_awards sa
        JOIN surveillance s ON s.ocid = sa.ocid
        JOIN process_buyers pb ON pb.ocid = sa.ocid
        WHERE pb.entity_id IS NOT NULL
        ORDER BY buyer, sa.ocid
        """
    ))
    winners: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    locs: dict[tuple[str, str], dict] = {}
    for r in rows:
        winners[r["buyer"]][r["ocid"]].add(r["supplier"])
        locs.setdefault((r["ocid"], r["supplier"]), evidence_of(r["ocid"], r["source_id"], r["locator"],
                                                              "awards/suppliers"))
    out: dict[str, dict[str, list[dict]]] = defaultdict(dict)
    for buyer, processes in winners.items():
        common = set.intersection(*processes.values())
        for supplier in common:
            out[supplier][buyer] = [locs[(ocid, supplier)] for ocid in sorted(processes)]
    return out


def compute(store, params: dict) -> list[Finding]:
    """Return one finding per supplier exclusive for at least ``min_buyers`` buyers."""
    version = definition(CODE).version
    min_buyers = int(params["min_buyers"])
    names = {r["entity_id"]: r["name"] for r in store.rows("SELECT entity_id, name FROM entities")}
    out = []
    for supplier, buyers in sorted(exclusive_buyers(store).items()):
        if len(buyers) < min_buyers:
            continue
        evidence = [e for b in sorted(buyers) for e in buyers[b]]
        out.append(Finding(
            code=CODE, indicator_version=version, subject_type="supplier", subject_id=supplier, ocid=None,
            value=float(len(buyers)),
            explanation=(f"{names.get(supplier, supplier)} won every surveillance purchase of {len(buyers)} "
                         f"buyers in these data ({plural(len(evidence), 'process')}), a pattern that may point to "
                         "restricted competition; a risk indicator, not proof of wrongdoing."),
            evidence=evidence,
            details={"buyers": [{"entity_id": b, "name": names.get(b), "processes": len(buyers[b])}
                                for b in sorted(buyers)], "min_buyers": min_buyers},
        ))
    return out
