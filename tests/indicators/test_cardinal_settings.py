import pytest

from nadzor.exceptions import SettingsError
from nadzor.indicators.cardinal.settings import parse_settings, pipe_list


def test_unknown_key_is_an_error_naming_the_key():
    with pytest.raises(SettingsError, match="unknown field `treshold`"):
        parse_settings("[R024]\ntreshold = 0.1\n")


def test_unknown_top_level_key_and_section_are_errors():
    with pytest.raises(SettingsError, match="`curency`"):
        parse_settings("curency = USD\n")
    with pytest.raises(SettingsError, match=r"\[R999\]"):
        parse_settings("[R999]\n")


def test_dotted_sections_nest_and_comments_are_ignored():
    s = parse_settings("; comment\n# other\ncurrency = USD\n[R003.procurement_method_details]\nemergency = 10\n"
                       "[codelists.bid_status]\nQualified = valid\n")
    assert s.top["currency"] == "USD"
    assert s.mappings["R003.procurement_method_details"] == {"emergency": 10}
    assert s.mappings["codelists.bid_status"] == {"Qualified": "valid"}
    assert "R003" in s.enabled()


def test_invalid_number_is_an_error():
    with pytest.raises(SettingsError, match="R048.digits"):
        parse_settings("[R048]\ndigits = two\n")


def test_pipe_list_behaves_like_split_terminator():
    assert pipe_list("open|selective|") == ["open", "selective"]
    assert pipe_list("") == []
