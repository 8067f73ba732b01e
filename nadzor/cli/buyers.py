"""``nadzor buyers``: every buyer as one entity, with its suppliers and values."""

from __future__ import annotations

import typer

from nadzor.cli.suppliers import register_directory

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    register_directory(app, "buyers", "Only buyers of surveillance.",
                       lister="list_buyers", columns="BUYER_COLUMNS", title="Buyers")
