import subprocess
import sys


def test_version_prints_package_version():
    from nadzor import __version__

    out = subprocess.run([sys.executable, "-m", "nadzor", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"nadzor {__version__}"


def test_duckdb_out_of_memory_is_a_readable_error(tmp_path):
    import json
    import os

    path = tmp_path / "releases.jsonl"
    release = {"ocid": "ocds-x-1", "tender": {"status": "active"}, "bids": {"details": [{"status": "valid"}]}}
    path.write_text("\n".join(json.dumps({**release, "ocid": f"ocds-x-{i}"}) for i in range(2000)) + "\n")
    env = {**os.environ, "NADZOR_MEMORY_LIMIT": "1MB"}
    out = subprocess.run([sys.executable, "-m", "nadzor", "indicators", str(path)], capture_output=True, text=True,
                         env=env)
    assert out.returncode == 1
    message = " ".join(out.stderr.split())  # the console wraps long lines
    assert "DuckDB ran out of the memory nadzor allows it (NADZOR_MEMORY_LIMIT is 1MB)" in message
    assert "Traceback" not in out.stderr
