"""``nadzor foi``: freedom-of-information requests, their legal deadlines and answers."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]

foi_app = typer.Typer(help="Freedom-of-information requests: record, track deadlines, attach answers.",
                      no_args_is_help=True)

_COLS = ["foi_id", "status", "authority", "subject", "sent_on", "due_on", "days_left", "answered_on", "ocid"]


def _show(rows, fmt):
    from nadzor.cli.output import print_csv, print_json, print_table

    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        print_csv(rows, _COLS)
    else:
        print_table(rows, _COLS, title="FOI requests")


@foi_app.command("add")
def add(ctx: typer.Context,
        authority: str = typer.Option(..., "--to", help="The authority asked, e.g. \"Opština Primerovo\"."),
        subject: str = typer.Option(..., "--subject", help="What was asked."),
        sent: str = typer.Option(..., "--sent", help="Date sent: yyyy-mm-dd or dd.mm.yyyy."),
        channel: str = typer.Option("email", "--channel", help="email, post, portal, in person, fax, other."),
        country: str = typer.Option("RS", "--country", help="Whose law sets the deadline."),
        urgent: bool = typer.Option(False, "--urgent", help="Life/freedom/health case: the short deadline."),
        ocid: str = typer.Option(None, "--ocid", help="The procurement process it is about."),
        notes: str = typer.Option(None, "--notes")):
    """Record a request you sent; prints it with its legal deadline."""
    from nadzor.cli.output import print_json
    from nadzor.evidence.foi import add_foi

    print_json(add_foi(ctx.obj.store(), authority=authority, subject=subject, sent_on=sent, channel=channel,
                       country=country, urgent=urgent, ocid=ocid, notes=notes))


@foi_app.command("list")
def list_(ctx: typer.Context,
          status: str = typer.Option(None, "--status", help="sent, answered, partial, refused, overdue, appealed."),
          fmt: str = typer.Option("table", "--format", help="table, json or csv.")):
    """List requests with their status and days left."""
    from nadzor.evidence.foi import list_foi

    _show(list_foi(ctx.obj.store(read_only=True), status), fmt)


@foi_app.command("update")
def update(ctx: typer.Context,
           foi_id: str = typer.Argument(...),
           status: str = typer.Option(None, "--status", help="answered, partial, refused, appealed, ..."),
           answered: str = typer.Option(None, "--answered", help="Date of the answer."),
           extended: bool = typer.Option(None, "--extended/--not-extended",
                                         help="The authority announced the longer deadline."),
           notes: str = typer.Option(None, "--notes")):
    """Change a request's status, answer date, extension or notes."""
    from nadzor.cli.output import print_json
    from nadzor.evidence.foi import update_foi

    print_json(update_foi(ctx.obj.store(), foi_id, status=status, answered_on=answered, extended=extended,
                          notes=notes))


@foi_app.command("attach")
def attach(ctx: typer.Context, foi_id: str = typer.Argument(...),
           path: Path = typer.Argument(..., help="The answer: PDF, DOCX, XLSX, ..."),
           note: str = typer.Option(None, "--note")):
    """Archive an answer document and attach it to a request."""
    from nadzor.cli.output import print_json
    from nadzor.evidence.foi import attach_foi

    doc = attach_foi(ctx.obj.store(), foi_id, path, note=note)
    doc.pop("text", None)
    print_json(doc)


@foi_app.command("overdue")
def overdue_(ctx: typer.Context,
             today: str = typer.Option(None, "--today", help="Check as of this date (default: today)."),
             fmt: str = typer.Option("table", "--format", help="table, json or csv.")):
    """List requests still unanswered after their legal deadline (time to appeal)."""
    from nadzor.evidence.foi import overdue

    _show(overdue(ctx.obj.store(read_only=True), today), fmt)


def register(app: typer.Typer) -> None:
    app.add_typer(foi_app, name="foi")
