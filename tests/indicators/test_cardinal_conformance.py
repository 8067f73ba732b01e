"""Conformance with Cardinal: every fixture of its test suite (indicators, prepare, coverage) exactly."""

import io
import json

import pytest

from nadzor.indicators.cardinal import compute_indicators, parse_settings, to_cardinal
from nadzor.indicators.cardinal.coverage import coverage
from nadzor.indicators.cardinal.prepare import prepare
from nadzor.indicators.cardinal.settings import load_settings
from tests.indicators.cardinal_cases import FIXTURES, coverage_cases, indicator_cases, prepare_cases, settings_for


def _expected(folder, name):
    return json.loads((FIXTURES / folder / f"{name}.expected").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", indicator_cases())
def test_indicators_equal_cardinal_on_fixture(name):
    result = compute_indicators(FIXTURES / "indicators" / f"{name}.jsonl", parse_settings(settings_for(name)))
    assert to_cardinal(result, meta=False) == _expected("indicators", name)


@pytest.mark.parametrize("name", prepare_cases())
def test_prepare_output_is_byte_identical_to_cardinal(name):
    out, err = io.StringIO(), io.StringIO()
    with open(FIXTURES / "prepare" / f"{name}.jsonl", "rb") as fh:
        prepare(fh, load_settings(FIXTURES / "prepare" / f"{name}.ini"), out, err)
    assert out.getvalue() == (FIXTURES / "prepare" / f"{name}.output").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", coverage_cases())
def test_coverage_counts_equal_cardinal(name):
    with open(FIXTURES / "coverage" / f"{name}.jsonl", "rb") as fh:
        assert coverage(fh, io.StringIO()) == _expected("coverage", name)


def test_every_fixture_family_has_cases():
    assert len(indicator_cases()) == 15 and len(prepare_cases()) == 9 and len(coverage_cases()) == 35
