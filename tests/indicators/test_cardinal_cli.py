import json

from typer.testing import CliRunner

from tests.indicators.cardinal_cases import FIXTURES, settings_for


def _invoke(args):
    from nadzor.cli import _register_commands, app

    _register_commands()
    return CliRunner().invoke(app, args)


def test_indicators_command_prints_cardinal_json(tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text(settings_for("R035"))
    res = _invoke(["indicators", "--settings", str(ini), "--no-meta", str(FIXTURES / "indicators" / "R035.jsonl")])
    assert res.exit_code == 0, res.output
    expected = json.loads((FIXTURES / "indicators" / "R035.expected").read_text())
    assert json.loads(res.stdout) == expected


def test_indicators_map_has_all_nine_keys(tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text(settings_for("R024"))
    res = _invoke(["indicators", "-s", str(ini), "--map", str(FIXTURES / "indicators" / "R024.jsonl")])
    maps = json.loads(res.stdout)["Maps"]
    assert len(maps) == 8 and maps["ocid_tenderer_r024"] == {"F": ["L", "W"], "repeat tenderers": ["L", "W"]}


def test_unknown_settings_key_exits_with_a_message_naming_it(tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text("[R024]\nthreshhold = 1\n")
    res = _invoke(["indicators", "-s", str(ini), str(FIXTURES / "indicators" / "R024.jsonl")])
    assert res.exit_code != 0


def test_prepare_command_writes_output_and_issues(tmp_path):
    out, err = tmp_path / "out.jsonl", tmp_path / "issues.csv"
    res = _invoke(["prepare", "-s", str(FIXTURES / "prepare" / "amount.ini"), "-o", str(out), "-e", str(err),
                   str(FIXTURES / "prepare" / "amount.jsonl")])
    assert res.exit_code == 0, res.output
    assert out.read_text() == (FIXTURES / "prepare" / "amount.output").read_text()
    assert err.read_text().splitlines()[0] == "1,,/bids/details[]/value/currency,0,,not set"


def test_coverage_human_mode_says_which_indicators_can_run():
    res = _invoke(["coverage", "--human", str(FIXTURES / "indicators" / "R018.jsonl")])
    assert res.exit_code == 0
    assert "R018" in res.stdout and "yes" in res.stdout


def test_statistics_lists_quartiles_and_fences(tmp_path):
    ini = tmp_path / "s.ini"
    ini.write_text(settings_for("R024"))
    res = _invoke(["indicators", "-s", str(ini), "--statistics", "--format", "jsonl",
                   str(FIXTURES / "indicators" / "R024.jsonl")])
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout.splitlines()[0])
    assert row["code"] == "R024" and row["population"] == 9 and row["flagged"] == 2
    assert abs(row["q1"] - 66.6667) < 1e-4 and abs(row["lower_fence"] - 16.6667) < 1e-4


def test_coverage_json_output_equals_cardinal():
    res = _invoke(["coverage", str(FIXTURES / "coverage" / "multiline.jsonl")])
    assert json.loads(res.stdout) == json.loads((FIXTURES / "coverage" / "multiline.expected").read_text())


def test_indicators_process_exits_fast_with_full_output_and_no_leftovers(tmp_path):
    # The real process (console script path) skips the interpreter's teardown after `indicators`; its output
    # must be complete, its exit code 0, and its exit handlers (the spill folder) must still have run.
    import os
    import subprocess
    import sys

    from nadzor.indicators.cardinal import compute_indicators, parse_settings, to_cardinal

    fixture = FIXTURES / "indicators" / "R024.jsonl"
    ini = tmp_path / "s.ini"
    ini.write_text(settings_for("R024"))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.run([sys.executable, "-m", "nadzor", "indicators", "-s", str(ini), "--map", str(fixture)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    expected = to_cardinal(compute_indicators(fixture, parse_settings(settings_for("R024")), map=True))
    assert json.loads(proc.stdout) == json.loads(json.dumps(expected))
    assert list(tmp.iterdir()) == []
