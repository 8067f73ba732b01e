"""The SQL cache of the indicator queries (nadzor/indicators/cardinal/sqlcache.py): the same results from a cold
cache, a warm one and none; a warm run compiles nothing and does not import Ibis; data-dependent SQL (the main
currency) is looked up by its value; a broken or unwritable cache is ignored."""

import json
import os
import subprocess
import sys

import pytest

from nadzor.indicators.cardinal import compute_indicators, default_settings, parse_settings, to_cardinal
from nadzor.indicators.cardinal.engines import DuckDBEngine
from nadzor.indicators.cardinal.sqlcache import PREFIX
from tests.indicators.cardinal_cases import FIXTURES, indicator_cases, settings_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _no_compiling(monkeypatch):
    def refuse(self, expr):
        raise AssertionError("a warm run compiled a query")

    monkeypatch.setattr(DuckDBEngine, "compile", refuse)


def _cardinal(path, settings, **kwargs):
    return to_cardinal(compute_indicators(path, settings, **kwargs))


@pytest.mark.parametrize("name", indicator_cases())
def test_fixture_cold_warm_and_uncached_agree(name, tmp_path, monkeypatch):
    monkeypatch.setenv("NADZOR_CACHE_DIR", str(tmp_path / "cache"))
    path = FIXTURES / "indicators" / f"{name}.jsonl"
    expected = json.loads((FIXTURES / "indicators" / f"{name}.expected").read_text(encoding="utf-8"))
    uncached = _cardinal(path, parse_settings(settings_for(name)), sql_cache=False)
    cold = _cardinal(path, parse_settings(settings_for(name)))
    assert len(list((tmp_path / "cache").glob(f"{PREFIX}*.json"))) == 1
    with monkeypatch.context() as m:
        _no_compiling(m)
        warm = _cardinal(path, parse_settings(settings_for(name)))
    assert uncached == cold == warm
    assert {k: v for k, v in warm.items() if k != "Meta"} == expected


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """600 generated releases (almost all in RSD), and the same file with every currency renamed."""
    from benchmarks.generate import write_file

    folder = tmp_path_factory.mktemp("generated")
    rsd = folder / "rsd.jsonl"
    write_file(600, str(rsd), seed=5, processes=1)
    text = rsd.read_text(encoding="utf-8")
    assert '"currency": "RSD"' in text or '"currency":"RSD"' in text
    usd = folder / "usd.jsonl"
    usd.write_text(text.replace('"RSD"', '"USD"').replace('"EUR"', '"GBP"'), encoding="utf-8")
    return rsd, usd


def test_main_currency_is_a_parameter_of_the_cached_sql(generated, tmp_path, monkeypatch):
    rsd, usd = generated
    settings = default_settings()
    expected_rsd = _cardinal(rsd, settings, sql_cache=False)
    expected_usd = _cardinal(usd, settings, sql_cache=False)
    assert expected_rsd["OCID"] and expected_rsd == expected_usd  # the same data under another currency's name
    monkeypatch.setenv("NADZOR_CACHE_DIR", str(tmp_path / "cache"))
    assert _cardinal(rsd, settings) == expected_rsd
    # The cache knows the RSD queries; USD needs its own (a stale 'RSD' filter would drop every bid).
    assert _cardinal(usd, settings) == expected_usd
    [cache] = (tmp_path / "cache").glob(f"{PREFIX}*.json")
    queries = json.loads(cache.read_text())["queries"]
    assert queries['"R036"']["params"] == ["main_currency"]
    assert set(queries['"R036"']["variants"]) == {'["RSD"]', '["USD"]'}
    with monkeypatch.context() as m:
        _no_compiling(m)
        assert _cardinal(rsd, settings) == expected_rsd
        assert _cardinal(usd, settings) == expected_usd


def test_settings_map_and_variants_get_their_own_cache(generated, tmp_path, monkeypatch):
    rsd, _ = generated
    monkeypatch.setenv("NADZOR_CACHE_DIR", str(tmp_path / "cache"))
    variants = parse_settings("\n".join(f"[{c}]" for c in ("R024", "R036", "R058"))
                              + "\n[nadzor]\nlots = true\nrelated_bids = true\n")
    runs = [(default_settings(), False), (default_settings(), True), (variants, False),
            (parse_settings("[R003]\nthreshold = 30\n"), False)]
    for settings, map_ in runs:
        assert (to_cardinal(compute_indicators(rsd, settings, map=map_))
                == to_cardinal(compute_indicators(rsd, settings, map=map_, sql_cache=False)))
    assert len(list((tmp_path / "cache").glob(f"{PREFIX}*.json"))) == len(runs)


def test_warm_run_does_not_import_ibis(generated, tmp_path):
    rsd, _ = generated
    env = {**os.environ, "NADZOR_CACHE_DIR": str(tmp_path / "cache")}
    code = ("import sys; from nadzor.indicators.cardinal import compute_indicators, to_cardinal; "
            "import json; r = to_cardinal(compute_indicators(sys.argv[1])); "
            "print(json.dumps({'ibis': 'ibis' in sys.modules, 'result': r}, sort_keys=True))")
    runs = [json.loads(subprocess.run([sys.executable, "-c", code, str(rsd)], env=env, cwd=ROOT, check=True,
                                      capture_output=True, text=True).stdout) for _ in range(2)]
    assert runs[0]["ibis"] is True and runs[1]["ibis"] is False
    assert runs[0]["result"] == runs[1]["result"] and runs[1]["result"]["OCID"]


def test_broken_cache_file_is_ignored_and_replaced(generated, tmp_path, monkeypatch, caplog):
    rsd, _ = generated
    monkeypatch.setenv("NADZOR_CACHE_DIR", str(tmp_path / "cache"))
    expected = _cardinal(rsd, default_settings())
    [cache] = (tmp_path / "cache").glob(f"{PREFIX}*.json")
    cache.write_text('{"format": 1, "queries": {"\\"R0', encoding="utf-8")  # truncated
    assert _cardinal(rsd, default_settings()) == expected
    assert "ignoring the SQL cache" in caplog.text
    assert json.loads(cache.read_text())["queries"]  # written again, complete


def test_unwritable_or_disabled_cache(generated, tmp_path, monkeypatch):
    rsd, _ = generated
    expected = _cardinal(rsd, default_settings(), sql_cache=False)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NADZOR_CACHE_DIR", str(blocker / "cache"))
    assert _cardinal(rsd, default_settings()) == expected
    monkeypatch.setenv("NADZOR_CACHE_DIR", "off")
    assert _cardinal(rsd, default_settings()) == expected
