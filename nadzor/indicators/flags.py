"""Red flags on the store: compute the enabled Cardinal indicators on the ingested processes, write findings.

The compiled release of each process (``processes.compiled``, or the text of the release
``releases.release_key = processes.compiled_from``, read through ``Store.release_texts``) goes through exactly the pipeline ``nadzor indicators`` uses
on a JSON-lines file, so results on the store equal Cardinal's on the same releases. Each result becomes a
Finding with a sentence a journalist can read (a risk indicator, not proof) and evidence pointing at the source
files (source_id + locator) of the releases involved.
"""

from __future__ import annotations

import copy
import hashlib
import os
import tempfile
from dataclasses import asdict
from datetime import datetime, timezone

import orjson

from nadzor.indicators.definition import Finding

__all__ = ["compute_findings", "write_findings", "run_flags", "read_findings", "FlagsStep", "EXPLANATIONS"]

SUBJECT = {"OCID": "process", "Buyer": "buyer", "ProcuringEntity": "procuring_entity", "Tenderer": "tenderer"}
_MAX_EVIDENCE = 20

# One sentence per (code, subject type). {id} is the subject, {value} the indicator's value.
EXPLANATIONS = {
    ("R003", "process"): "The tender period of this process was shorter than the set minimum, which can keep "
                         "bidders out; this is a risk indicator, not proof of wrongdoing.",
    ("R018", "process"): "Only one bid was received in this open or selective procedure, a common risk indicator "
                         "of restricted competition, not proof of wrongdoing.",
    ("R024", "process"): "The second-lowest bid was only {pct} above the winning bid, unusually close, which can "
                         "point to cover bidding; this is a risk indicator, not proof.",
    ("R024", "tenderer"): "{id} won or came second in a process where the two lowest bids were unusually close, a "
                          "risk indicator of possible cover bidding, not proof.",
    ("R025", "tenderer"): "{id} bid often but won only {pct} of the processes it bid in, unusually few, which can "
                          "point to deliberately losing bids; this is a risk indicator, not proof.",
    ("R028", "process"): "Different bidders offered exactly the same price in this process, which can point to "
                         "coordinated bidding; this is a risk indicator, not proof.",
    ("R028", "tenderer"): "{id} offered exactly the same price as another bidder in a process, a risk indicator of "
                          "possible coordination, not proof.",
    ("R030", "process"): "A bid dated after the tender deadline was accepted and won, which calls for a closer "
                         "look; this is a risk indicator, not proof of wrongdoing.",
    ("R030", "tenderer"): "{id} won with a bid dated after the tender deadline, a risk indicator that calls for a "
                          "closer look, not proof of wrongdoing.",
    ("R035", "process"): "All bidders except the winner were disqualified ({n} disqualified), which can be a way "
                         "to steer a contract; this is a risk indicator, not proof.",
    ("R035", "tenderer"): "{id} won a process in which every other bidder was disqualified, a risk indicator that "
                          "calls for a closer look, not proof.",
    ("R036", "process"): "The lowest bid was disqualified although the award was decided on price, which calls "
                         "for a closer look; this is a risk indicator, not proof.",
    ("R038", "buyer"): "This buyer disqualified an unusually high share of bids ({pct}), a risk indicator of "
                       "possible steering, not proof of wrongdoing.",
    ("R038", "procuring_entity"): "This procuring entity disqualified an unusually high share of bids ({pct}), a "
                                  "risk indicator of possible steering, not proof of wrongdoing.",
    ("R038", "tenderer"): "{id} had an unusually high share of its bids disqualified ({pct}), a risk indicator "
                          "that calls for a closer look, not proof.",
    ("R048", "tenderer"): "{id} was awarded items from {n} different categories, unusually many, which can point "
                          "to an intermediary; this is a risk indicator, not proof.",
    ("R058", "process"): "The winning bid was {pct} below the second-lowest bid, unusually far, which calls for a "
                         "closer look; this is a risk indicator, not proof.",
    ("R058", "tenderer"): "{id} won with a bid far below all others, a risk indicator that calls for a closer "
                          "look, not proof of wrongdoing.",
}


def _explain(code: str, subject_type: str, subject_id: str, value: float) -> str:
    template = EXPLANATIONS.get((code, subject_type), f"{code} flagged this {subject_type}; this is a risk "
                                                      "indicator, not proof of wrongdoing.")
    pct = f"{value * 100:.1f}%" if value == value and abs(value) != float("inf") else "n/a"
    n = f"{value:.0f}" if value == value and abs(value) != float("inf") else "n/a"
    return template.format(id=subject_id, value=value, pct=pct, n=n)


def _export(store, path: str) -> int:
    ref = store.release_ref_sql("r", "CAST(coalesce(p.compiled, r.data) AS VARCHAR)")
    cur = store.con.execute(
        f"""SELECT {ref} FROM processes p LEFT JOIN releases r ON r.release_key = p.compiled_from
        WHERE p.compiled IS NOT NULL OR r.release_key IS NOT NULL ORDER BY p.ocid"""
    )
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        while batch := cur.fetchmany(10_000):
            for text in store.release_texts(batch):
                if text is None:
                    continue
                # A raw newline can only be whitespace between JSON tokens, so this keeps one release per line.
                fh.write(text.replace("\n", " ").replace("\r", " ") + "\n")
                n += 1
    return n


def _evidence_index(store, ocids: set[str]) -> dict[str, list[dict]]:
    if not ocids:
        return {}
    store.con.execute("CREATE OR REPLACE TEMP TABLE nz_flag_ocids (ocid VARCHAR)")
    store.con.executemany("INSERT INTO nz_flag_ocids VALUES (?)", [[o] for o in ocids])
    rows = store.rows(
        """SELECT p.ocid, coalesce(c.source_id, r.source_id) AS source_id, coalesce(c.locator, r.locator) AS locator
        FROM processes p JOIN nz_flag_ocids f ON f.ocid = p.ocid
        LEFT JOIN releases c ON c.release_key = p.compiled_from
        LEFT JOIN releases r ON c.release_key IS NULL AND r.ocid = p.ocid
        ORDER BY p.ocid, 2, 3"""
    )
    store.con.execute("DROP TABLE nz_flag_ocids")
    out: dict[str, list[dict]] = {}
    for r in rows:
        if r["source_id"] is not None:
            out.setdefault(r["ocid"], []).append({"ocid": r["ocid"], "source_id": r["source_id"],
                                                   "locator": r["locator"]})
    return out


def _organisation_ocids(flat, group: str) -> dict[str, list[str]]:
    """Map organisation ids to the ocids they appear in (flat tables of the computation)."""
    if group == "Buyer":
        sql = "SELECT buyer_id AS k, ocid FROM processes WHERE buyer_id IS NOT NULL"
    elif group == "ProcuringEntity":
        sql = "SELECT pe_id AS k, ocid FROM processes WHERE pe_id IS NOT NULL"
    else:
        sql = """SELECT DISTINCT k, p.ocid FROM (
                    SELECT pid, sole_tenderer_id AS k FROM bids UNION ALL
                    SELECT pid, tenderer_id AS k FROM bid_tenderers UNION ALL
                    SELECT pid, supplier_id AS k FROM award_suppliers) t JOIN processes p USING (pid)
                 WHERE k IS NOT NULL"""
    out: dict[str, list[str]] = {}
    for k, ocid in flat.con.execute(sql + " ORDER BY 1, 2").fetchall():  # the ocids of each id in order
        out.setdefault(flat.org_name(k), []).append(ocid)
    return out


def compute_findings(store, settings=None, codes: list[str] | None = None) -> list[Finding]:
    """Compute the indicators (all 11 by default, or ``codes``) on the store's processes; return Findings."""
    from nadzor.indicators.cardinal import compute_on_tables, default_settings, reader_options
    from nadzor.indicators.cardinal.engines import DuckDBEngine
    from nadzor.indicators.cardinal.reader import read_releases
    from nadzor.indicators.registry import registered_indicators

    settings = copy.deepcopy(settings) if settings else default_settings()
    if codes:
        settings.sections = {k: v for k, v in settings.sections.items() if not k.startswith("R") or k in codes}
    definitions = registered_indicators()
    fd, path = tempfile.mkstemp(prefix="nadzor-flags-", suffix=".jsonl")
    os.close(fd)
    try:
        if _export(store, path) == 0:
            return []
        flat = read_releases(path, **reader_options(settings))
    finally:
        os.unlink(path)
    result = compute_on_tables(DuckDBEngine(flat.con), settings, map=True, flat=flat)
    org_ocids = {g: _organisation_ocids(flat, g) for g in ("Buyer", "ProcuringEntity", "Tenderer")}
    flat.con.close()
    maps = result.maps

    def ocids_for(group, code, key):
        if group == "OCID":
            return [key]
        specific = maps.get(f"ocid_tenderer_{code.lower()}", {}) if group == "Tenderer" else {}
        linked = sorted(o for o, ids in specific.items() if key in ids)
        return (linked or org_ocids[group].get(key, []))[:_MAX_EVIDENCE]

    planned = []
    for group, subject_type in SUBJECT.items():
        for key, values in result.groups[group].items():
            for code, value in values.items():
                planned.append((code, subject_type, key, value, ocids_for(group, code, key), group))
    evidence = _evidence_index(store, {o for p in planned for o in p[4]})
    findings = []
    for code, subject_type, key, value, ocids, group in planned:
        findings.append(Finding(
            code=code,
            indicator_version=definitions[code].version if code in definitions else "unknown",
            subject_type=subject_type,
            subject_id=key,
            value=value,
            explanation=_explain(code, subject_type, key, value),
            evidence=[e for o in ocids for e in evidence.get(o, [])][:_MAX_EVIDENCE],
            ocid=key if group == "OCID" else None,
            details={"meta": {k: v for k, v in result.meta.get(code, {}).items() if v == v}},
        ))
    return findings


def _finding_id(f: Finding) -> str:
    return hashlib.sha1(f"{f.code}|{f.subject_type}|{f.subject_id}|{f.ocid or ''}".encode()).hexdigest()


def write_findings(store, findings: list[Finding], codes: list[str]) -> int:
    """Replace the findings of ``codes`` in the store with ``findings`` (one transaction); return the count."""
    now = datetime.now(timezone.utc)
    rows = [[_finding_id(f), f.code, f.indicator_version, f.subject_type, f.subject_id, f.ocid,
             f.value if f.value == f.value else None, f.explanation, orjson.dumps(f.evidence).decode(),
             orjson.dumps(f.details).decode(), now] for f in findings]
    with store.transaction():
        if codes:
            store.con.execute(f"DELETE FROM findings WHERE code IN ({', '.join('?' * len(codes))})", codes)
        if rows:
            store.con.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def run_flags(store, settings=None, codes: list[str] | None = None) -> dict:
    """Compute and store the findings; return a summary {code: number of findings}."""
    from nadzor.indicators.cardinal import INDICATOR_CODES, default_settings

    settings = settings or default_settings()
    enabled = [c for c in settings.enabled() if not codes or c in codes]
    findings = compute_findings(store, settings, codes=enabled)
    write_findings(store, findings, list(codes or INDICATOR_CODES))
    summary = {c: 0 for c in enabled}
    for f in findings:
        summary[f.code] = summary.get(f.code, 0) + 1
    return summary


def read_findings(store, codes: list[str] | None = None, *, compute: str = "if-needed", settings=None) -> list[dict]:
    """Return stored findings (optionally of ``codes``), computing them first if none are stored or asked.

    ``compute`` is ``if-needed`` (default), ``always`` or ``never``.
    """
    where, params = "", []
    if codes:
        where, params = f"WHERE code IN ({', '.join('?' * len(codes))})", list(codes)
    count = store.scalar(f"SELECT count(*) FROM findings {where}", params)
    if compute == "always" or (compute == "if-needed" and not count):
        run_flags(store, settings, codes)
    rows = store.rows(
        f"""SELECT code, subject_type, subject_id, ocid, value, explanation, evidence, indicator_version
        FROM findings {where} ORDER BY code, subject_type, subject_id, ocid""", params)
    for r in rows:
        r["evidence"] = orjson.loads(r["evidence"]) if r["evidence"] else []
    return rows


class FlagsStep:
    """The analysis step "flags": Cardinal's 11 indicators on the store, written to ``findings``."""

    name = "flags"
    order = 50

    def run(self, store) -> dict:
        """Compute and store the findings; return {code: count}."""
        return run_flags(store)


def finding_dict(f: Finding) -> dict:
    """Return a Finding as the JSON object ``nadzor flags`` prints."""
    d = asdict(f)
    return {k: d[k] for k in ("code", "subject_type", "subject_id", "ocid", "value", "explanation", "evidence",
                              "indicator_version")}
