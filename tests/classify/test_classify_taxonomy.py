import importlib
import pkgutil

import pytest

import nadzor.classify
from nadzor.classify.taxonomy import CAPABILITY_IDS, builtin_rule_paths, load_taxonomy
from nadzor.exceptions import PluginError
from tests.conftest import shared_data


def test_every_capability_has_one_file_with_description_and_tier():
    tax = load_taxonomy(builtin_rule_paths())
    assert set(tax.capabilities) == set(CAPABILITY_IDS)
    for cap in tax.capabilities.values():
        assert cap.description and cap.risk_tier in ("base", "elevated", "high")


def test_builtin_rules_come_through_the_plugin_hook():
    tax = load_taxonomy()
    assert {r.id for r in tax.rules} >= {"vs.terms.bcms", "trap.construction_supervision", "cpvlabel.35125300"}


def test_every_restricted_listing_names_a_known_vendor_with_source_and_date():
    tax = load_taxonomy(builtin_rule_paths())
    for r in tax.restricted:
        assert r.vendor in tax.vendors and r.source and len(r.date) == 10


def test_country_pack_rules_are_added(tmp_path):
    extra = tmp_path / "pack.yml"
    extra.write_text("rules:\n  - {id: pack.vk, kind: strong, capability: video_surveillance, terms: [videokontrol*]}\n")
    from nadzor.classify.matcher import Matcher

    text = "Oprema za videokontrolu javnih mesta"
    assert not Matcher(load_taxonomy(builtin_rule_paths())).classify_text(text).is_surveillance
    res = Matcher(load_taxonomy(builtin_rule_paths() + [extra])).classify_text(text)
    assert res.is_surveillance and [m.rule for m in res.matches] == ["pack.vk"]


def test_unknown_capability_is_rejected(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("rules:\n  - {id: x, kind: strong, capability: mind_reading, terms: [x]}\n")
    with pytest.raises(PluginError, match="mind_reading"):
        load_taxonomy(builtin_rule_paths() + [bad])


def test_public_modules_declare_all():
    for info in pkgutil.iter_modules(nadzor.classify.__path__):
        module = importlib.import_module(f"nadzor.classify.{info.name}")
        assert isinstance(getattr(module, "__all__", None), list), info.name


def test_generated_cpv_label_rules_are_up_to_date():
    import subprocess
    import sys
    from pathlib import Path

    csv_path = shared_data("cpv", "cpv2008_multilingual.csv")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(root / "scripts" / "cpv_labels.py"), str(csv_path)],
                         capture_output=True, text=True, check=True).stdout
    assert out == (root / "nadzor" / "classify" / "rules" / "cpv_labels.yml").read_text(encoding="utf-8")
