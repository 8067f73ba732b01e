"""``nadzor prepare``: Cardinal's data-quality step (fill defaults, redact placeholders, normalise ids)."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("prepare")
    def prepare(
        file: Path = typer.Argument(..., help="JSON lines: one OCDS compiled release per line."),
        settings: Path = typer.Option(None, "--settings", "-s", help="Cardinal settings file (INI)."),
        output: Path = typer.Option(..., "--output", "-o", help="Where to write the corrected JSON lines ('-' = stdout)."),
        errors: Path = typer.Option(..., "--errors", "-e", help="Where to write the issues CSV ('-' = stdout)."),
    ):
        """Correct data-quality issues as Cardinal's prepare does; list what remains in a CSV.

        CSV columns (no header): line, ocid, path, array indexes, incorrect value, description.
        """
        from nadzor.indicators.cardinal.prepare import prepare_file
        from nadzor.indicators.cardinal.settings import load_settings

        prepare_file(file, load_settings(settings), output, errors)
