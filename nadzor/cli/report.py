"""`nadzor report`: write the findings brief (fact box, charts, receipts) as HTML, Markdown or PDF."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        ctx: typer.Context,
        format: str = typer.Option("html", "--format", "-f", help="html | md | pdf (pdf needs Chromium)."),
        output: Path = typer.Option(None, "--output", "-o", help="Where to write it (default: brief.<format>)."),
    ):
        """Write a findings brief: statements from the data, each with the records and files behind it."""
        from nadzor.report.brief import write_report

        with ctx.obj.store(read_only=True) as store:
            path = write_report(store, format, output)
        typer.echo(f"wrote {path}")
