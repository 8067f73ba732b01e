import csv
from pathlib import Path

from nadzor.entities.decisions import load_decisions
from nadzor.entities.names import normalise
from nadzor.entities.resolve import MatchSettings, Record, name_similarity, normalise_identifier, resolve

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "entities" / "variants.csv"


def _labelled():
    with FIXTURE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    records = []
    for r in rows:
        scheme, _, value = r["identifier"].partition(":")
        ident = normalise_identifier(scheme, value) if r["identifier"] else None
        records.append(Record(name=r["name"], identifiers=frozenset([ident] if ident else [])))
    return rows, records


def _pairwise(truth, predicted):
    tp = fp = fn = 0
    for i in range(len(truth)):
        for j in range(i + 1, len(truth)):
            same_t, same_p = truth[i] == truth[j], predicted[i] == predicted[j]
            tp += same_t and same_p
            fp += same_p and not same_t
            fn += same_t and not same_p
    return tp / (tp + fp), tp / (tp + fn)


def test_labelled_variants_reach_measured_precision_and_recall():
    rows, records = _labelled()
    res = resolve(records)
    precision, recall = _pairwise([r["company"] for r in rows], [a.entity_id for a in res.assignments])
    # Measured 1.000 / 0.984 (benchmarks/RESULTS-findings.md); the floor guards against regressions.
    assert precision >= 0.99
    assert recall >= 0.93


def test_fuzzy_stage_adds_recall_over_rules_alone():
    rows, records = _labelled()
    truth = [r["company"] for r in rows]
    rules = resolve(records, settings=MatchSettings(fuzzy=False))
    full = resolve(records)
    assert _pairwise(truth, [a.entity_id for a in full.assignments])[1] > \
        _pairwise(truth, [a.entity_id for a in rules.assignments])[1]


def test_latin_cyrillic_legal_form_city_and_typo_variants_merge():
    names = ["Makina Sekjuriti d.o.o.", "MAKINA SECURITY DOO Beograd", "Макина Секјурити доо",
             "Makina Securty d.o.o.", "Macchina Security", "Maccina Security doo"]
    res = resolve([Record(n) for n in names])
    assert len(res.entities) == 1
    assert {a.rule for a in res.assignments} <= {"normalised_name", "fuzzy"}


def test_companies_sharing_only_generic_words_stay_apart():
    res = resolve([Record("Alfaroš Security doo"), Record("Betarin Security doo"), Record("Telefonika doo"),
                   Record("Telefonija doo"), Record("Javorak Elektronik doo"), Record("Javorak Elektronik 2 doo")])
    assert len(res.entities) == 6


def test_different_identifiers_block_a_name_merge():
    res = resolve([Record("Vizija Plus doo", frozenset({"RS-PIB:1"})), Record("Vizija Plus d.o.o.",
                                                                               frozenset({"RS-PIB:2"}))])
    assert len(res.entities) == 2


def test_different_seat_cities_block_a_name_merge():
    res = resolve([Record("Vizija Plus doo Beograd"), Record("Vizija Plus doo Novi Sad")])
    assert len(res.entities) == 2


def test_shared_identifier_merges_different_names_with_reason():
    res = resolve([Record("Alfa doo", frozenset({"RS-MB:123"})), Record("Potpuno Drugo Ime",
                                                                       frozenset({"RS-MB:123"}))])
    assert len(res.entities) == 1
    assert res.assignments[1].rule == "identifier"
    assert "RS-MB:123" in res.assignments[1].reason


def test_every_assignment_has_a_reason():
    _, records = _labelled()
    res = resolve(records)
    assert all(a.reason and a.rule in {"identifier", "normalised_name", "fuzzy", "decision", "single"}
               for a in res.assignments)


def test_decisions_split_and_merge_are_applied(tmp_path):
    path = tmp_path / "entities.decisions.yml"
    path.write_text(
        "merge:\n  - names: ['Alfa doo', 'Omega Trade doo']\n    reason: registry extract\n"
        "split:\n  - names: ['Makina Securty d.o.o.']\n    reason: different company per documents\n",
        encoding="utf-8")
    decisions = load_decisions(path)
    res = resolve([Record("Alfa doo"), Record("OMEGA TRADE DOO"), Record("Makina Security doo"),
                   Record("Makina Securty d.o.o.")], decisions)
    a = res.assignments
    assert a[0].entity_id == a[1].entity_id and a[1].rule == "decision"
    assert a[2].entity_id != a[3].entity_id


def test_invalid_decisions_file_is_a_settings_error(tmp_path):
    import pytest

    from nadzor.exceptions import SettingsError

    path = tmp_path / "d.yml"
    path.write_text("merge:\n  - nams: [x]\n", encoding="utf-8")
    with pytest.raises(SettingsError):
        load_decisions(path)


def test_normalise_strips_legal_form_and_seat_city_but_keeps_city_of_a_municipality():
    assert normalise("MAKINA SECURITY DOO Beograd").key == "makina security"
    assert normalise("MAKINA SECURITY DOO Beograd").city == "beograd"
    assert normalise("Grad Niš").key == "grad nis"
    assert normalise("Општина Ћуприја").key == "opstina cuprija"


def test_name_similarity_explains_itself():
    score, ok, why = name_similarity("makina securty", "makina security")
    assert ok and 0.9 <= score < 1 and "threshold" in why


def test_non_serbian_cyrillic_and_foreign_legal_forms_are_normalised():
    assert normalise("ТОВ Альфа").key == "alfa"
    assert normalise("Hectárea Producciones S.A. de C.V.").key == "hectarea producciones"
    assert normalise("Ђурђевак д.о.о.").key == "djurdjevak"


def test_no_two_municipalities_merge():
    # Serbian municipality names differ by as little as one letter (Boljevac / Doljevac, Rača / Raška,
    # Lazarevac / Požarevac, Rakovica / Đakovica); under a shared prefix none may merge with another.
    import cyrtranslit

    from importlib import resources

    listed = resources.files("nadzor.entities").joinpath("cities.txt").read_text(encoding="utf-8").splitlines()
    places = sorted(c.replace("_", " ").title() for c in listed if c and not c.startswith("#"))
    names, place_of = [], []
    for place in places:
        for prefix in ("Opština", "Grad", "Opštinska uprava", "Dom zdravlja", "JKP Vodovod"):
            names.append(f"{prefix} {place}")
            place_of.append((prefix, place))
        names.append(cyrtranslit.to_cyrillic(f"Opština {place}", "sr"))
        place_of.append(("Opština", place))
    res = resolve([Record(n) for n in names])
    groups = {}
    for key, a in zip(place_of, res.assignments):
        groups.setdefault(a.entity_id, set()).add(key)
    merged = [g for g in groups.values() if len(g) > 1]
    assert merged == []
