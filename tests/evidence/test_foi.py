from datetime import date

import pytest

from nadzor.evidence.foi import add_foi, due_date, list_foi, load_rules, overdue, update_foi
from nadzor.exceptions import InputError, NotFoundError


def test_serbian_rule_matches_the_law():
    rule = load_rules()["RS"]
    assert (rule.response_days, rule.extended_days, rule.urgent_hours) == (15, 40, 48)


def test_deadlines_normal_extended_and_urgent():
    sent = date(2024, 3, 1)
    assert due_date("RS", sent) == date(2024, 3, 16)
    assert due_date("RS", sent, extended=True) == date(2024, 4, 10)
    assert due_date("RS", sent, urgent=True) == date(2024, 3, 3)


def test_country_without_rule_is_not_guessed():
    with pytest.raises(NotFoundError, match="no FOI deadline rule"):
        due_date("XX", date(2024, 1, 1))


def test_request_lifecycle_sent_overdue_answered(store, tmp_path):
    req = add_foi(store, authority="Opština Primerovo (fictional)", subject="Number of cameras",
                  sent_on="01.03.2024", channel="email")
    assert req["foi_id"] == "FOI-0001"
    assert req["due_on"] == date(2024, 3, 16)
    assert list_foi(store, today=date(2024, 3, 10))[0]["status"] == "sent"
    assert list_foi(store, today=date(2024, 3, 10))[0]["days_left"] == 6
    assert [r["foi_id"] for r in overdue(store, date(2024, 3, 17))] == ["FOI-0001"]
    assert overdue(store, date(2024, 3, 16)) == []
    update_foi(store, "FOI-0001", extended=True)
    assert overdue(store, date(2024, 3, 17)) == []
    done = update_foi(store, "FOI-0001", status="partial", answered_on="2024-04-02")
    assert done["status"] == "partial" and done["answered_on"] == date(2024, 4, 2)
    assert overdue(store, date(2025, 1, 1)) == []
    assert [r["foi_id"] for r in list_foi(store, "partial")] == ["FOI-0001"]


def test_attach_answer_document(store, tmp_path):
    from nadzor.evidence.foi import attach_foi, get_foi

    add_foi(store, authority="Grad Izmišljevac (fictional)", subject="Contracts", sent_on="2024-01-05")
    answer = tmp_path / "odgovor.txt"
    answer.write_text("Odgovor: grad ima 12 kamera.", encoding="utf-8")
    attach_foi(store, "FOI-0001", answer)
    assert [d["filename"] for d in get_foi(store, "FOI-0001")["documents"]] == ["odgovor.txt"]


def test_bad_status_and_channel_are_input_errors(store):
    with pytest.raises(InputError):
        add_foi(store, authority="A", subject="B", sent_on="2024-01-01", channel="pigeon")
    add_foi(store, authority="A", subject="B", sent_on="2024-01-01")
    with pytest.raises(InputError):
        update_foi(store, "FOI-0001", status="lost")
    with pytest.raises(InputError):
        add_foi(store, authority="A", subject="B", sent_on="not a date")
