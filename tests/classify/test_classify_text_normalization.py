from nadzor.classify.text import normalize


def test_serbian_cyrillic_is_transliterated_and_folded():
    assert normalize("Стручни надзор над извођењем").text == "strucni nadzor nad izvodjenjem"


def test_macedonian_letters_are_transliterated():
    assert normalize("ЃЌЅ таблички").text == "gjkjdz tablicki"


def test_latin_diacritics_are_folded_and_punctuation_becomes_space():
    assert normalize("Video-nadzor: Đurđevo, térfigyelő, mbikëqyrje").text == (
        "video nadzor  djurdjevo  terfigyelo  mbikeqyrje"
    )


def test_span_maps_back_to_cyrillic_original_when_lengths_differ():
    n = normalize("Љиљана видео надзор")  # Љ -> lj makes the normalised text longer
    start = n.text.index("video")
    s, e = n.to_original(start, start + len("video nadzor"))
    assert n.original[s:e] == "видео надзор"


def test_span_identity_when_lengths_equal():
    n = normalize("Набавка камера")
    assert n.offsets is None
    assert n.to_original(8, 14) == (8, 14)
