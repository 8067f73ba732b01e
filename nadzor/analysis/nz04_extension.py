"""NZ04: delivery deadline or contract period extended by amendment (process), from the release history."""

from __future__ import annotations

from datetime import date, datetime

import orjson

from nadzor.analysis.common import definition, evidence_of
from nadzor.indicators.definition import Finding

__all__ = ["CODE", "compute", "extensions", "parse_date"]

CODE = "NZ04"


def parse_date(value) -> date | None:
    """Return the date part of an OCDS date-time string (None if missing or unreadable)."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def _end_dates(release: dict) -> dict[str, str]:
    out = {}
    for c in release.get("contracts") or []:
        if isinstance(c, dict):
            end = (c.get("period") or {}).get("endDate")
            if end:
                out[f"contracts/{c.get('id')}/period/endDate"] = end
    for a in release.get("awards") or []:
        if isinstance(a, dict):
            end = (a.get("contractPeriod") or {}).get("endDate")
            if end:
                out[f"awards/{a.get('id')}/contractPeriod/endDate"] = end
    tender = release.get("tender") or {}
    if isinstance(tender, dict):
        end = (tender.get("contractPeriod") or {}).get("endDate")
        if end:
            out["tender/contractPeriod/endDate"] = end
    return out


def extensions(store) -> dict[str, dict]:
    """Return {ocid: {days, field, before, after, first, last}} for every end date that moved later."""
    # Releases stored by reference are read from the archive (Store.release_texts), a batch at a time.
    cur = store.con.execute(
        f"""
        WITH multi AS (SELECT ocid FROM releases WHERE kind = 'release' GROUP BY ocid HAVING count(*) > 1)
        SELECT r.ocid, r.release_id, r.date, r.source_id, r.locator, {store.release_ref_sql('r')}
        FROM releases r JOIN multi USING (ocid)
        WHERE r.kind = 'release'
        ORDER BY r.ocid, r.date NULLS FIRST, r.release_id
        """
    )
    first: dict[tuple[str, str], tuple[str, dict]] = {}
    last: dict[tuple[str, str], tuple[str, dict]] = {}
    while batch := cur.fetchmany(10_000):
        texts = store.release_texts([row[5:] for row in batch])
        for (ocid, release_id, date_, source_id, locator, *_ref), text in zip(batch, texts):
            where = {"release_id": release_id, "date": date_, "source_id": source_id, "locator": locator}
            for field, end in _end_dates(orjson.loads(text)).items():
                first.setdefault((ocid, field), (end, where))
                last[(ocid, field)] = (end, where)
    out: dict[str, dict] = {}
    for key, (before, where_before) in first.items():
        after, where_after = last[key]
        d0, d1 = parse_date(before), parse_date(after)
        if not d0 or not d1 or d1 <= d0:
            continue
        days = (d1 - d0).days
        ocid, field = key
        if ocid not in out or days > out[ocid]["days"]:
            out[ocid] = {"days": days, "field": field, "before": before, "after": after,
                         "first": where_before, "last": where_after}
    return out


def compute(store, params: dict) -> list[Finding]:
    """Return one finding per process whose contract period or delivery deadline was extended."""
    version = definition(CODE).version
    min_days = int(params["min_days"])
    found = extensions(store)
    if params.get("scope", "surveillance") == "surveillance":
        surveillance = {r["ocid"] for r in store.rows("SELECT ocid FROM classifications WHERE is_surveillance")}
        found = {ocid: ext for ocid, ext in found.items() if ocid in surveillance}
    amendments: dict[str, list[dict]] = {}
    if found:
        for r in store.rows("SELECT ocid, parent, date, rationale, description, source_id, locator FROM amendments "
                            "WHERE list_contains(?, ocid) ORDER BY ocid, date", [sorted(found)]):
            amendments.setdefault(r["ocid"], []).append(r)
    out = []
    for ocid, ext in sorted(found.items()):
        if ext["days"] < min_days:
            continue
        amends = amendments.get(ocid, [])
        why = f" (amendment: \"{amends[0]['rationale']}\")" if amends and amends[0].get("rationale") else ""
        out.append(Finding(
            code=CODE, indicator_version=version, subject_type="process", subject_id=ocid, ocid=ocid,
            value=float(ext["days"]),
            explanation=(f"The contract end date was moved from {ext['before'][:10]} to {ext['after'][:10]} "
                         f"({ext['days']} days later){why}, which changes the terms bidders competed on; a risk "
                         "indicator, not proof of wrongdoing."),
            evidence=[evidence_of(ocid, ext["first"]["source_id"], ext["first"]["locator"], ext["field"],
                                  value=ext["before"], release_id=ext["first"]["release_id"]),
                      evidence_of(ocid, ext["last"]["source_id"], ext["last"]["locator"], ext["field"],
                                  value=ext["after"], release_id=ext["last"]["release_id"])]
            + [evidence_of(ocid, a["source_id"], a["locator"], "amendments", rationale=a["rationale"])
               for a in amends],
            details={"days_added": ext["days"], "field": ext["field"],
                     "amendments": [{"date": a["date"], "rationale": a["rationale"],
                                     "description": a["description"]} for a in amends]},
        ))
    return out
