"""A kill in the middle of an ingest leaves the store consistent; running it again completes it."""

import os
import signal
import subprocess
import sys
import time

import orjson
import pytest

from nadzor.store import Store
from tests.ingest.conftest import counts, release


def _big_file(path, n):
    with open(path, "wb") as f:
        for i in range(n):
            r = release(ocid=f"ocds-k-{i}", rid=f"r{i}", tag=("compiled",),
                        awards=[{"id": "a", "status": "active", "value": {"amount": i, "currency": "RSD"},
                                 "suppliers": [{"id": "S", "name": "Firma"}]}])
            f.write(orjson.dumps(r) + b"\n")


def _ingest(db, path):
    return subprocess.Popen([sys.executable, "-m", "nadzor", "--db", str(db), "ingest", "-q", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [1.5])
def test_kill_during_ingest_then_rerun_completes(tmp_path, delay):
    data = tmp_path / "big.jsonl"
    _big_file(data, 40_000)
    clean_db = tmp_path / "clean.duckdb"
    assert _ingest(clean_db, data).wait() == 0
    with Store.open(clean_db, read_only=True) as s:
        expected = counts(s)
    assert expected["processes"] == 40_000

    db = tmp_path / "killed.duckdb"
    proc = _ingest(db, data)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store.open(db) as s:  # opens cleanly: the WAL is replayed or discarded by DuckDB
        after_kill = counts(s)
        complete = s.scalar("SELECT count(*) FROM sources WHERE status = 'complete'")
        # consistent: releases only exist together with their completed source
        assert (after_kill["releases"] == 0) == (complete == 0)
        assert after_kill["releases"] in (0, expected["releases"])
    assert _ingest(db, data).wait() == 0
    with Store.open(db, read_only=True) as s:
        assert counts(s) == expected
        assert s.scalar("SELECT count(*) FROM pending_processes") == 0


def test_failure_after_some_committed_batches_leaves_nothing_of_the_file(tmp_path, monkeypatch):
    from nadzor.ingest import ocds

    data = tmp_path / "big.jsonl"
    _big_file(data, 50)
    monkeypatch.setattr(ocds, "BATCH", 20)  # three batches; the first two are committed on their own
    monkeypatch.setattr(ocds, "LINE_CHUNK", 2000)
    real = ocds._stage_batch
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(ocds, "_stage_batch", failing)
    db = tmp_path / "t.duckdb"
    with Store.open(db) as s:
        with pytest.raises(RuntimeError):
            ocds.ingest_paths(s, [str(data)])
        assert counts(s)["releases"] == 0 and counts(s)["processes"] == 0 and counts(s)["sources"] == 0
    monkeypatch.setattr(ocds, "_stage_batch", real)
    with Store.open(db) as s:
        ocds.ingest_paths(s, [str(data)])
        assert counts(s)["releases"] == 50 and counts(s)["processes"] == 50


def test_store_opened_after_a_kill_between_batches_discards_the_partial_file(tmp_path, monkeypatch):
    from nadzor.ingest import ocds

    data = tmp_path / "big.jsonl"
    _big_file(data, 50)
    monkeypatch.setattr(ocds, "BATCH", 20)
    db = tmp_path / "t.duckdb"
    with Store.open(db) as s:
        ocds.ingest_paths(s, [str(data)])
        expected = counts(s)
        # what a kill after two committed batches leaves: the source still 'loading', some rows stored
        s.con.execute("UPDATE sources SET status = 'loading'")
        s.con.execute("DELETE FROM releases WHERE ocid >= 'ocds-k-40'")
    with Store.open(db) as s:
        assert counts(s)["releases"] == 0 and counts(s)["processes"] == 0 and counts(s)["items"] == 0
        ocds.ingest_paths(s, [str(data)])
        assert counts(s) == expected
        assert s.scalar("SELECT count(*) FROM pending_processes") == 0


def test_read_only_counts_and_lists_leave_out_a_half_ingested_file(tmp_path, monkeypatch):
    from nadzor.evidence.provenance import list_sources, store_stats
    from nadzor.ingest import ocds
    from nadzor.web import queries

    monkeypatch.setattr(ocds, "BATCH", 20)
    done, half = tmp_path / "done.jsonl", tmp_path / "half.jsonl"
    _big_file(done, 30)
    with open(half, "wb") as f:
        for i in range(50):
            f.write(orjson.dumps(release(ocid=f"ocds-h-{i}", rid=f"h{i}", tag=("compiled",))) + b"\n")
    db = tmp_path / "t.duckdb"
    with Store.open(db) as s:
        ocds.ingest_paths(s, [str(done), str(half)])
        assert store_stats(s)["releases"] == 80
        # what a kill after some committed batches of half.jsonl leaves, as a read-only opener sees it
        s.con.execute("UPDATE sources SET status = 'loading' WHERE original_path = ?", [str(half)])
    with Store.open(db, read_only=True) as s:
        stats = store_stats(s)
        assert (stats["sources"], stats["releases"], stats["processes"]) == (1, 30, 30)
        assert (stats["sources_loading"], stats["releases_loading"]) == (1, 50)
        assert [r["original_path"] for r in list_sources(s)] == [str(done)]
        assert [r["original_path"] for r in queries.list_sources(queries.Reader.from_store(s))] == [str(done)]


def test_opening_after_a_kill_rebuilds_the_processes_the_partial_file_shared(tmp_path):
    from nadzor.ingest import ocds

    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(orjson.dumps(release(ocid="ocds-k-shared", rid="r1", date="2024-01-01T00:00:00Z",
                                           tender={"id": "t1", "title": "Prva"})) + b"\n")
    second.write_bytes(orjson.dumps(release(ocid="ocds-k-shared", rid="r2", date="2024-02-01T00:00:00Z",
                                            tender={"id": "t1", "title": "Druga"})) + b"\n")
    db = tmp_path / "t.duckdb"
    with Store.open(db) as s:
        ocds.ingest_paths(s, [str(first)])
        before = s.rows("SELECT ocid, title, release_count FROM processes")
        ocds.ingest_paths(s, [str(second)])
        assert s.scalar("SELECT title FROM processes") == "Druga"
        # what a kill leaves while the second file is still loading
        s.con.execute("UPDATE sources SET status = 'loading' WHERE original_path = ?", [str(second)])
    with Store.open(db) as s:
        assert s.rows("SELECT ocid, title, release_count FROM processes") == before
        assert s.scalar("SELECT count(*) FROM pending_processes") == 0
