"""Freedom-of-information (FOI) requests: who was asked what and when, the legal deadline from the
country's rule table (``foi_rules.yml``), the status, and the answer documents.

Statuses: sent, answered, partial, refused, overdue, appealed. ``overdue`` is also derived: a request still
``sent`` after its deadline is reported as overdue by ``list_foi`` and ``overdue``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict

from nadzor.exceptions import InputError, NotFoundError, SettingsError

__all__ = ["FoiRule", "STATUSES", "load_rules", "due_date", "add_foi", "get_foi", "list_foi", "update_foi",
           "attach_foi", "overdue"]

STATUSES = ("sent", "answered", "partial", "refused", "overdue", "appealed")
CHANNELS = ("email", "post", "portal", "in person", "fax", "other")


class FoiRule(BaseModel):
    """One country's FOI deadlines."""

    model_config = ConfigDict(extra="forbid")

    law: str
    response_days: int
    extended_days: int | None = None
    urgent_hours: int | None = None
    appeal_to: str | None = None
    source: str | None = None


@lru_cache(maxsize=1)
def load_rules() -> dict[str, FoiRule]:
    """Return the per-country rule table (nadzor/evidence/foi_rules.yml), validated."""
    text = resources.files("nadzor.evidence").joinpath("foi_rules.yml").read_text(encoding="utf-8")
    try:
        return {k: FoiRule.model_validate(v) for k, v in (yaml.safe_load(text) or {}).items()}
    except ValueError as exc:
        raise SettingsError(f"invalid foi_rules.yml: {exc}") from exc


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        from nadzor.ingest.values import parse_date

        try:
            return date.fromisoformat(parse_date(value)[:10])
        except (ValueError, TypeError):
            raise InputError(f"{value!r} is not a date (use yyyy-mm-dd or dd.mm.yyyy)") from None


def due_date(country: str, sent_on, *, urgent: bool = False, extended: bool = False) -> date:
    """Return the legal deadline for a request sent on ``sent_on`` under ``country``'s rule.

    Urgent (life/freedom) requests use the hours rule, rounded up to whole days; ``extended`` uses the longer
    deadline the authority may announce. Raises ``NotFoundError`` for a country without a rule.
    """
    rules = load_rules()
    rule = rules.get(country.upper())
    if rule is None:
        raise NotFoundError(f"no FOI deadline rule for {country!r}; known: {', '.join(sorted(rules))} "
                            "(add one to nadzor/evidence/foi_rules.yml from the law's text)")
    sent = _date(sent_on)
    if urgent and rule.urgent_hours:
        return sent + timedelta(days=-(-rule.urgent_hours // 24))
    if extended and rule.extended_days:
        return sent + timedelta(days=rule.extended_days)
    return sent + timedelta(days=rule.response_days)


def _now():
    return datetime.now(timezone.utc)


def _effective(row: dict, today: date) -> dict:
    row = dict(row)
    if row["status"] == "sent" and row["due_on"] is not None and row["due_on"] < today:
        row["status"] = "overdue"
    row["days_left"] = (row["due_on"] - today).days if row["due_on"] and row["status"] == "sent" else None
    return row


def add_foi(store, *, authority: str, subject: str, sent_on, channel: str = "email", country: str = "RS",
            urgent: bool = False, ocid: str | None = None, notes: str | None = None) -> dict:
    """Record a request that was sent; compute its deadline. Returns the stored request."""
    if channel not in CHANNELS:
        raise InputError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    if not authority.strip() or not subject.strip():
        raise InputError("a request needs an authority (to whom) and a subject (what was asked)")
    sent = _date(sent_on)
    due = due_date(country, sent, urgent=urgent)
    n = store.scalar("SELECT count(*) FROM foi_requests") + 1
    foi_id = f"FOI-{n:04d}"
    while store.scalar("SELECT count(*) FROM foi_requests WHERE foi_id = ?", [foi_id]):
        n += 1
        foi_id = f"FOI-{n:04d}"
    now = _now()
    store.con.execute(
        "INSERT INTO foi_requests VALUES (?, ?, ?, ?, ?, ?, ?, false, ?, 'sent', NULL, ?, ?, ?, ?)",
        [foi_id, country.upper(), authority.strip(), subject.strip(), sent, channel, urgent, due, ocid, notes,
         now, now])
    return get_foi(store, foi_id)


def get_foi(store, foi_id: str, *, today: date | None = None) -> dict:
    """Return one request with its effective status and its attached documents."""
    rows = store.rows("SELECT * FROM foi_requests WHERE foi_id = ?", [foi_id])
    if not rows:
        raise NotFoundError(f"no FOI request {foi_id}")
    row = _effective(rows[0], today or date.today())
    row["documents"] = store.rows(
        "SELECT d.sha256, d.filename, d.media_type FROM document_links l JOIN archived_documents d "
        "USING (sha256) WHERE l.foi_id = ? ORDER BY d.filename", [foi_id])
    return row


def list_foi(store, status: str | None = None, *, today: date | str | None = None) -> list[dict]:
    """Return requests (oldest first) with their effective status (sent past the deadline = overdue),
    optionally only those with ``status``."""
    if status is not None and status not in STATUSES:
        raise InputError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    today = _date(today) or date.today()
    rows = [_effective(r, today) for r in store.rows("SELECT * FROM foi_requests ORDER BY sent_on, foi_id")]
    return [r for r in rows if status is None or r["status"] == status]


def update_foi(store, foi_id: str, *, status: str | None = None, answered_on=None, extended: bool | None = None,
               notes: str | None = None) -> dict:
    """Change a request's status, answer date, extension (recomputes the deadline) or notes."""
    current = get_foi(store, foi_id)
    if status is not None and status not in STATUSES:
        raise InputError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    if status in ("answered", "partial", "refused") and answered_on is None and current["answered_on"] is None:
        answered_on = date.today()
    due = current["due_on"]
    if extended is not None:
        due = due_date(current["country"], current["sent_on"], urgent=current["urgent"], extended=extended)
    store.con.execute(
        "UPDATE foi_requests SET status = coalesce(?, status), answered_on = coalesce(?, answered_on), "
        "extended = coalesce(?, extended), due_on = ?, notes = coalesce(?, notes), updated_at = ? "
        "WHERE foi_id = ?",
        [status, _date(answered_on), extended, due, notes, _now(), foi_id])
    return get_foi(store, foi_id)


def attach_foi(store, foi_id: str, path, *, note: str | None = None) -> dict:
    """Archive an answer document (PDF, DOCX, XLSX, ...) and link it to the request."""
    from nadzor.evidence.documents import add_document

    get_foi(store, foi_id)
    return add_document(store, path, foi_id=foi_id, note=note)


def overdue(store, today: date | str | None = None) -> list[dict]:
    """Return the requests still unanswered after their legal deadline (as of ``today``, default today)."""
    return list_foi(store, "overdue", today=today)
