"""The store commands print what the README promises."""

import subprocess
import sys

import orjson

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def run(db, *args):
    out = subprocess.run([sys.executable, "-m", "nadzor", "--db", str(db), *args], capture_output=True, check=True)
    return out.stdout


def test_stats_sources_and_quarantine_json(tmp_path):
    db = tmp_path / "c.duckdb"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"ocid": "ocds-c-1", "id": "1", "tag": ["tender"], "date": "2024-01-01T00:00:00Z"}\n{oops\n')
    run(db, "ingest", "-q", str(ROOT / "examples" / "ocds" / "portugal-base.json"), str(bad))
    stats = orjson.loads(run(db, "stats", "--json"))
    assert stats["processes"] == 101 and stats["sources"] == 2 and stats["quarantined"] == 1
    assert stats["tables"]["awards"] > 0 and stats["releases"] == 101
    sources = orjson.loads(run(db, "sources", "--json"))
    portugal = next(s for s in sources if s["original_path"].endswith("portugal-base.json"))
    assert portugal["licence"] == "https://creativecommons.org/licenses/by/4.0/"
    assert len(portugal["sha256"]) == 64 and portugal["size"] > 0 and portugal["ingested_at"]
    assert portugal["media_type"] == "application/json"
    quarantine = orjson.loads(run(db, "quarantine", "--json"))
    assert [(q["locator"], "malformed JSON" in q["reason"]) for q in quarantine] == [("L2", True)]
    assert quarantine[0]["source"].endswith("bad.jsonl") and quarantine[0]["raw"] == "{oops"


def test_read_only_commands_on_a_missing_store_say_what_to_do(tmp_path):
    out = subprocess.run([sys.executable, "-m", "nadzor", "--db", str(tmp_path / "none.duckdb"), "stats"],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "nadzor ingest" in out.stderr
