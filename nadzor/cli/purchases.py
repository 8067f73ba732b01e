"""``nadzor purchases``: list the surveillance purchases in the store, one per process."""

from __future__ import annotations

import typer

__all__ = ["register"]


def purchases(
    ctx: typer.Context,
    format: str = typer.Option("table", "--format", "-f", help="jsonl, csv or table."),
    capability: str = typer.Option(None, help="Only this capability (e.g. facial_recognition)."),
    buyer: str = typer.Option(None, help="Buyer id, or part of its name."),
    supplier: str = typer.Option(None, help="Supplier id, entity id, or part of its name."),
    year: int = typer.Option(None, help="Only processes dated in this year."),
    limit: int = typer.Option(None, help="At most this many rows."),
    offset: int = typer.Option(0, help="Skip this many rows."),
    order: str = typer.Option("-date", help="date, -date, value, -value, ocid, -ocid."),
):
    """List the processes classified as surveillance purchases (run `nadzor classify store` or `nadzor analyze` first).

    A purchase names surveillance technology in its texts or CPV codes: a risk context, not proof of wrongdoing.
    """
    from nadzor.classify.purchases import PURCHASE_COLUMNS, is_classified, list_purchases
    from nadzor.cli import err_console
    from nadzor.cli.output import print_csv, print_jsonl, print_table
    from nadzor.exceptions import InputError

    if format not in ("jsonl", "csv", "table"):
        raise InputError(f"unknown format {format!r}: use jsonl, csv or table")
    store = ctx.obj.store(read_only=True)
    try:
        rows = list_purchases(store, capability=capability, buyer=buyer, supplier=supplier, year=year,
                              limit=limit, offset=offset, order=order)
        if not is_classified(store):
            err_console.print("no classification in this store yet: run `nadzor analyze` (or `nadzor classify store`)")
    finally:
        store.close()
    if format == "jsonl":
        print_jsonl(rows)
    elif format == "csv":
        print_csv(rows, PURCHASE_COLUMNS)
    else:
        table_rows = [
            r | {
                "buyer": r["buyer"]["name"] or r["buyer"]["id"],
                "suppliers": ", ".join(s["name"] or s["id"] or "" for s in r["suppliers"]),
                "capabilities": ", ".join(r["capabilities"]),
                "vendors": ", ".join(r["vendors"]),
                "value": None if r["value"] is None else f"{r['value']:,.0f} {r['currency'] or ''}".strip(),
            }
            for r in rows
        ]
        print_table(table_rows, ["ocid", "date", "title", "buyer", "suppliers", "capabilities", "vendors", "value"],
                    title=f"{len(rows)} surveillance purchases (risk context, not proof)")


def register(app: typer.Typer) -> None:
    app.command("purchases")(purchases)
