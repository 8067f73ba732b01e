"""``nadzor suppliers``: every supplier as one entity (all its spellings merged), with its buyers and values."""

from __future__ import annotations

import typer

from nadzor.cli.output import print_csv, print_jsonl, print_table

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("suppliers")
    def suppliers(
        ctx: typer.Context,
        format: str = typer.Option("table", "--format", "-f", help="table, jsonl or csv."),
        surveillance: bool = typer.Option(False, "--surveillance", help="Only suppliers of surveillance purchases."),
        limit: int = typer.Option(0, "--limit", help="At most this many rows (0: all)."),
    ):
        """List suppliers (entities), most surveillance processes first. Run `nadzor analyze` first."""
        from nadzor.entities.directory import SUPPLIER_COLUMNS, list_suppliers

        with ctx.obj.store(read_only=True) as store:
            rows = list_suppliers(store, surveillance_only=surveillance, limit=limit or None)
        render(rows, SUPPLIER_COLUMNS, format, "Suppliers")


def render(rows, columns, format: str, title: str) -> None:
    """Print rows in the chosen format."""
    if format == "jsonl":
        print_jsonl(rows)
    elif format == "csv":
        print_csv(rows, columns)
    elif format == "table":
        print_table(rows, [c for c in columns if c not in ("names", "identifiers")], title=title)
    else:
        raise typer.BadParameter(f"unknown format {format!r}: use table, jsonl or csv", param_hint="--format")
