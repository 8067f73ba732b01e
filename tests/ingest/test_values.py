import pytest

from nadzor.ingest.values import decode_bytes, fold, parse_bool, parse_date, parse_int, parse_number


@pytest.mark.parametrize("text, expected", [
    ("1.234.567,89", 1234567.89),
    ("1,234,567.89", 1234567.89),
    ("1 234 567,89 RSD", 1234567.89),
    ("12.000,00 din.", 12000.0),
    ("2.500.000", 2500000.0),
    ("12,5", 12.5),
    ("1.234", 1234.0),
    ("3.5", 3.5),
    ("", None),
])
def test_numbers_in_serbian_and_english_notation_parse(text, expected):
    assert parse_number(text) == expected


def test_single_separator_before_three_digits_follows_the_decimal_setting():
    assert parse_number("1,234", decimal=",") == 1.234
    assert parse_number("1,234", decimal=".") == 1234.0


@pytest.mark.parametrize("text", ["12,3,4", "abc", "1.2.3,4.5"])
def test_malformed_numbers_are_rejected_with_a_reason(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_whole_numbers_reject_fractions():
    assert parse_int("3") == 3
    with pytest.raises(ValueError, match="whole number"):
        parse_int("2,5")


@pytest.mark.parametrize("text, expected", [
    ("12.03.2021", "2021-03-12T00:00:00Z"),
    ("12.03.2021.", "2021-03-12T00:00:00Z"),
    ("1.3.2021 10:15", "2021-03-01T00:00:00Z"),
    ("12/03/2021", "2021-03-12T00:00:00Z"),
    ("2021-03-12", "2021-03-12T00:00:00Z"),
    (44000, "2020-06-18T00:00:00Z"),
])
def test_dates_dd_mm_yyyy_and_iso_parse(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31.02.2021", "sometime in May", "13/2021"])
def test_impossible_dates_are_rejected(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_yes_no_in_three_languages():
    assert parse_bool("Da") is True and parse_bool("да") is True and parse_bool("yes") is True
    assert parse_bool("ne") is False and parse_bool("НЕ") is False
    with pytest.raises(ValueError):
        parse_bool("maybe")


def test_fold_transliterates_and_drops_diacritics():
    assert fold("Општина  Чачак") == "opstina cacak"
    assert fold("Đurđevo") == "djurdjevo"


def test_windows_1250_is_detected_and_warned_about():
    text, codec, warning = decode_bytes("Opština Čačak; Šabac; Niš".encode("cp1250"))
    assert text == "Opština Čačak; Šabac; Niš"
    assert codec == "cp1250"
    assert "Windows-1250" in warning


def test_windows_1251_is_detected_and_warned_about():
    text, codec, warning = decode_bytes("Општина Чачак; набавка камера".encode("cp1251"))
    assert text == "Општина Чачак; набавка камера"
    assert codec == "cp1251"
    assert "Windows-1251" in warning


def test_utf8_needs_no_warning():
    assert decode_bytes("Čačak".encode())[2] is None
