import pytest

from nadzor.adapters import get_adapter, list_adapters, load_metadata
from nadzor.adapters.metadata import TARGET_FIELDS
from nadzor.exceptions import NotFoundError, SettingsError


def test_builtin_adapters_register_through_the_hook():
    names = {a.name for a in list_adapters()}
    assert {"ted", "rs-ujn-opendata", "ba-ejn-awards", "journalist"} <= names


@pytest.mark.parametrize("adapter", list_adapters(), ids=lambda a: a.name)
def test_every_adapter_states_publisher_and_licence(adapter):
    m = adapter.metadata
    assert m.publisher and m.licence and m.title
    if not m.verified:
        assert m.verification_note


def test_mapping_with_unknown_field_is_a_settings_error(tmp_path):
    p = tmp_path / "m.yml"
    p.write_text("name: m\ntitle: t\ncolumns:\n  Iznos: amout\n")
    with pytest.raises(SettingsError, match="columns"):
        load_metadata(p)


def test_mapping_file_path_works_as_adapter(tmp_path):
    p = tmp_path / "m.yml"
    p.write_text("name: m\ntitle: t\ncolumns:\n  Iznos: amount\n")
    assert get_adapter(str(p)).metadata.column_specs()["Iznos"].field == "amount"


def test_unknown_adapter_lists_known_ones():
    with pytest.raises(NotFoundError, match="journalist"):
        get_adapter("nope")


def test_every_adapter_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "readme" / "sources.md").read_text(encoding="utf-8")
    assert [a.name for a in list_adapters() if f"`{a.name}`" not in doc] == []


def test_every_target_field_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "readme" / "sources.md").read_text(encoding="utf-8")
    missing = [f for f in TARGET_FIELDS if f"`{f}`" not in doc]
    assert not missing


SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures" / "adapters"


@pytest.mark.parametrize("adapter", list_adapters(), ids=lambda a: a.name)
def test_every_adapter_converts_its_sample_cleanly(adapter):
    samples = sorted(p for p in SAMPLES.glob(f"{adapter.name}.*") if p.suffix != ".md")
    assert samples, f"add a sample file tests/fixtures/adapters/{adapter.name}.<ext>"
    conv = adapter.convert(samples[0])
    assert conv.releases and not conv.quarantined
    assert not [m for _, m in conv.warnings if "neither mapped" in m or "is not in the file" in m]
    for locator, release in conv.releases:
        assert locator
        assert release["ocid"].startswith(adapter.metadata.ocid_prefix)
        assert {"ocid", "id", "date", "tag", "tender"} <= set(release)
