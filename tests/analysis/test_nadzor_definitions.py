import importlib
import pkgutil
from importlib import resources

import pytest
import yaml

import nadzor.analysis
import nadzor.entities
from nadzor.analysis.common import definitions, has_equivalent_phrase, is_local_government
from nadzor.analysis.findings import INDICATORS
from nadzor.indicators.definition import IndicatorDefinition
from nadzor.plugins import collect

FOLDER = resources.files("nadzor.indicators").joinpath("nadzor")


@pytest.mark.parametrize("entry", sorted(e.name for e in FOLDER.iterdir() if e.name.endswith(".yml")))
def test_every_definition_validates_and_is_named_after_its_code(entry):
    d = IndicatorDefinition.model_validate(yaml.safe_load(FOLDER.joinpath(entry).read_text(encoding="utf-8")))
    assert d.family == "nadzor" and entry == f"{d.code}.yml"
    assert d.why and d.methodology and d.exclusions and d.output and d.sources


def test_every_definition_has_an_implementation_and_back():
    assert set(definitions()) == set(INDICATORS)
    for code, module in INDICATORS.items():
        assert module.CODE == code and callable(module.compute)


def test_indicators_are_registered_through_the_hook():
    codes = {d.code for d in collect("register_indicators")}
    assert set(INDICATORS) <= codes


def test_analysis_steps_run_entities_before_findings():
    steps = {s.name: s.order for s in collect("register_analysis_steps")}
    assert steps["entities"] < steps["nadzor-findings"]
    assert steps["entities"] < 10 <= 30 <= steps["nadzor-findings"]


@pytest.mark.parametrize("package", [nadzor.analysis, nadzor.entities])
def test_public_modules_declare_all(package):
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        assert isinstance(getattr(module, "__all__", None), list), module.__name__
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


@pytest.mark.parametrize("name", ["Opština Zlatovrh", "Општина Брезовац", "Grad Niš", "Град Крагујевац",
                                  "Gradska uprava grada Beograda", "Opštinska uprava opštine Bor",
                                  "City of Novi Sad", "Gradska opština Zemun", "Skupština opštine Ub"])
def test_local_government_names_in_both_scripts(name):
    assert is_local_government(name)


@pytest.mark.parametrize("name", ["JKP Gradska čistoća", "Grad Invest doo", "Gradnja doo", "OŠ Vuk Karadžić",
                                  "Dom zdravlja Opštine Bor", "Ministarstvo unutrašnjih poslova", None])
def test_not_local_government(name):
    assert not is_local_government(name)


@pytest.mark.parametrize("text", ["Kamera Dahua ili odgovarajuće", "камера Dahua или одговарајуће",
                                  "Hikvision or equivalent", "Axis ili jednakovrijedno", "ILI EKVIVALENT"])
def test_or_equivalent_phrases(text):
    assert has_equivalent_phrase(text)


def test_brand_alone_is_not_an_equivalent_phrase():
    assert not has_equivalent_phrase("Kamera Dahua IPC-HFW2431S")
