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
