"""Matches from different fields of one unit are not compared by their offsets."""


def test_a_vendor_name_is_kept_when_another_field_has_a_longer_hit():
    """Spans are offsets into one text: 'Dahua' (11-16) in the item description is not nested in
    'Sigurnosne kamere' (0-17) of the classification label."""
    from nadzor.classify.matcher import Unit, get_matcher

    unit = Unit(texts=[("tender/items/1/description", "PTZ kamera Dahua SD49225XA"),
                       ("tender/items/1/classification/description", "Sigurnosne kamere")],
                cpv=[("tender/items/1/classification", "35125300")])
    assert get_matcher().classify_unit(unit).vendors == ["dahua"]
