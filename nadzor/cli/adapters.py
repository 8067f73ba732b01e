"""``nadzor adapters``: list the source adapters and mappings that are installed."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("adapters")
    def adapters(
        fmt: str = typer.Option("table", "--format", help="table, json or csv."),
    ):
        """List source adapters (TED, spreadsheet mappings, plugins) with publisher, licence and status."""
        from nadzor.adapters import list_adapters
        from nadzor.cli.output import print_csv, print_json, print_table

        rows = [a.describe() for a in list_adapters()]
        cols = ["name", "kind", "country", "verified", "columns", "title", "publisher", "licence"]
        if fmt == "json":
            print_json(rows)
        elif fmt == "csv":
            print_csv(rows, cols)
        else:
            print_table(rows, ["name", "kind", "country", "verified", "title"], title="source adapters")
