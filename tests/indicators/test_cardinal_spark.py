"""The same Ibis indicator expressions on PySpark give exactly Cardinal's (and DuckDB's) results."""

import json
import shutil

import pytest

from nadzor.indicators.cardinal import compute_indicators, parse_settings, to_cardinal
from tests.indicators.cardinal_cases import FIXTURES, indicator_cases, settings_for

pytestmark = [
    pytest.mark.spark,
    pytest.mark.xdist_group("spark"),
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17"),
    # py4j leaves its gateway sockets to the garbage collector; pyspark's pandas bridge warns about pandas 4.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
]


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    from nadzor.indicators.cardinal.engines import spark_session

    return spark_session("local[2]")


@pytest.mark.parametrize("name", indicator_cases())
def test_spark_equals_cardinal_on_fixture(spark, name):
    result = compute_indicators(FIXTURES / "indicators" / f"{name}.jsonl", parse_settings(settings_for(name)),
                                engine="spark")
    expected = json.loads((FIXTURES / "indicators" / f"{name}.expected").read_text())
    assert to_cardinal(result, meta=False) == expected


@pytest.mark.slow
def test_spark_equals_duckdb_on_100k_generated_releases(spark, tmp_path):
    from benchmarks.generate import write_file
    from nadzor.indicators.cardinal import default_settings

    path = tmp_path / "g.jsonl"
    write_file(100_000, str(path), seed=7)
    duck = to_cardinal(compute_indicators(path, default_settings(), map=True))
    spk = to_cardinal(compute_indicators(path, default_settings(), map=True, engine="spark"))
    assert sum(len(v) for k, v in duck.items() if k not in ("Meta", "Maps")) > 1000
    assert spk == duck
