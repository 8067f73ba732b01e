"""Findings on the store: same results as the file pipeline, with explanations and evidence."""

import json

import orjson
from typer.testing import CliRunner

from nadzor.indicators.flags import compute_findings, read_findings, run_flags
from tests.indicators.cardinal_cases import FIXTURES


def _fill(store, lines, *, source="s" * 64):
    """Insert each line as a stored compiled release used as is by its process (as ingest does)."""
    for i, line in enumerate(lines):
        release = json.loads(line)
        key = f"compiled:{release['ocid']}:{source}:L{i + 1}"
        store.con.execute(
            "INSERT INTO releases (release_key, ocid, kind, content_hash, data, source_id, locator) "
            "VALUES (?, ?, 'compiled', 'h', ?, ?, ?)", [key, release["ocid"], line, source, f"L{i + 1}"])
        store.con.execute("INSERT INTO processes (ocid, compiled_from) VALUES (?, ?)", [release["ocid"], key])


def test_store_findings_equal_the_file_results(store):
    lines = (FIXTURES / "indicators" / "R035.jsonl").read_text().splitlines()
    _fill(store, lines)
    summary = run_flags(store)
    assert summary["R035"] == 5  # 4 processes + the winner
    rows = read_findings(store, ["R035"], compute="never")
    processes = {r["subject_id"]: r["value"] for r in rows if r["subject_type"] == "process"}
    expected = json.loads((FIXTURES / "indicators" / "R035.expected").read_text())["OCID"]
    assert processes == {k: v["R035"] for k, v in expected.items()}


def test_findings_carry_explanation_version_and_evidence(store):
    _fill(store, (FIXTURES / "indicators" / "R030.jsonl").read_text().splitlines())
    findings = {(f.subject_type, f.subject_id): f for f in compute_findings(store)}
    process = findings[("process", "F")]
    assert process.code == "R030" and process.indicator_version == "1.0.0" and process.ocid == "F"
    assert "not proof" in process.explanation
    assert process.evidence == [{"ocid": "F", "source_id": "s" * 64, "locator": "L1"}]
    tenderer = findings[("tenderer", "W")]
    assert tenderer.ocid is None and [e["ocid"] for e in tenderer.evidence] == ["F"]


def test_rerun_replaces_previous_findings(store):
    _fill(store, (FIXTURES / "indicators" / "R018.jsonl").read_text().splitlines())
    run_flags(store)
    run_flags(store)
    assert store.scalar("SELECT count(*) FROM findings WHERE code = 'R018'") == 2


def test_the_flags_step_is_registered_for_analyze():
    from nadzor.plugins import collect

    steps = {s.name: s for s in collect("register_analysis_steps")}
    assert "flags" in steps and isinstance(steps["flags"].order, int)


def test_flags_command_prints_jsonl(tmp_path):
    from nadzor.cli import _register_commands, app
    from nadzor.store import Store

    db = tmp_path / "t.duckdb"
    with Store.open(db) as s:
        _fill(s, (FIXTURES / "indicators" / "R018.jsonl").read_text().splitlines())
    _register_commands()
    res = CliRunner().invoke(app, ["--db", str(db), "flags", "--code", "R018"])
    assert res.exit_code == 0, res.output
    rows = [orjson.loads(line) for line in res.stdout.splitlines()]
    assert {r["subject_id"] for r in rows} == {"open", "selective"}
    assert set(rows[0]) == {"code", "subject_type", "subject_id", "ocid", "value", "explanation", "evidence",
                            "indicator_version"}


def test_flags_after_a_real_ingest_point_to_archived_sources(tmp_path):
    from nadzor.cli import _register_commands, app
    from nadzor.store import Store
    from tests.conftest import ROOT

    db = tmp_path / "t.duckdb"
    _register_commands()
    res = CliRunner().invoke(app, ["--db", str(db), "ingest", str(ROOT / "examples" / "ocds" / "moldova")])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["--db", str(db), "flags"])
    assert res.exit_code == 0, res.output
    with Store.open(db) as s:
        sources = {r["source_id"] for r in s.rows("SELECT source_id FROM sources")}
        processes = s.scalar("SELECT count(*) FROM processes")
    rows = [orjson.loads(line) for line in res.stdout.splitlines()]
    assert processes > 0
    for row in rows:
        assert row["evidence"] and {e["source_id"] for e in row["evidence"]} <= sources
