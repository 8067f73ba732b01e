"""``nadzor buyers``: every buyer as one entity, with its suppliers and values."""

from __future__ import annotations

import typer

from nadzor.cli.suppliers import render

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("buyers")
    def buyers(
        ctx: typer.Context,
        format: str = typer.Option("table", "--format", "-f", help="table, jsonl or csv."),
        surveillance: bool = typer.Option(False, "--surveillance", help="Only buyers of surveillance."),
        limit: int = typer.Option(0, "--limit", help="At most this many rows (0: all)."),
    ):
        """List buyers (entities), most surveillance processes first. Run `nadzor analyze` first."""
        from nadzor.entities.directory import BUYER_COLUMNS, list_buyers

        with ctx.obj.store(read_only=True) as store:
            rows = list_buyers(store, surveillance_only=surveillance, limit=limit or None)
        render(rows, BUYER_COLUMNS, format, "Buyers")
