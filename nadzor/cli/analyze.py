"""`nadzor analyze`: run every analysis step on the store."""

from __future__ import annotations

import typer

from nadzor.cli import err_console
from nadzor.cli.output import print_json

__all__ = ["register"]


def analyze(
    ctx: typer.Context,
    step: list[str] = typer.Option(None, "--step", help="Run only this step (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print each step's summary as JSON."),
):
    """Run the analysis steps (entities, classification, red flags, findings) on the ingested data."""
    from nadzor.analysis.run import analysis_steps, analyze as run

    with ctx.obj.store() as store:
        if not analysis_steps():
            err_console.print("no analysis steps are installed")
        results = run(store, only=step or None, on_step=lambda n: err_console.print(f"running {n} ...")
                      if not as_json else None)
    if as_json:
        print_json(results)
    else:
        for name, summary in results.items():
            err_console.print(f"{name}: {summary}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
