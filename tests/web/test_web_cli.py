"""The commands: `nadzor serve` answers on its port, `nadzor export` and `nadzor report` write their files."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_read_only(sample_db):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "nadzor", "--db", str(sample_db), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/overview", timeout=2) as resp:
                    body = json.load(resp)
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert body["stats"]["purchases"] == 6
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in out


def test_serve_on_a_missing_store_says_what_to_do(tmp_path):
    done = subprocess.run([sys.executable, "-m", "nadzor", "--db", str(tmp_path / "none.duckdb"), "serve"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "nadzor ingest" in done.stderr


def test_export_and_report_commands(sample_db, tmp_path):
    done = subprocess.run([sys.executable, "-m", "nadzor", "--db", str(sample_db), "export", "--format", "ftm",
                           "-o", str(tmp_path / "e.ftm.json")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Contract"] == 6
    done = subprocess.run([sys.executable, "-m", "nadzor", "--db", str(sample_db), "report", "--format", "md",
                           "-o", str(tmp_path / "b.md")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Fact box" in (tmp_path / "b.md").read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "nadzor", "--db", str(sample_db), "export", "--format", "xls",
                          "-o", str(tmp_path / "x")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown export format" in bad.stderr
