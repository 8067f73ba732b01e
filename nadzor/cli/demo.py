"""`nadzor demo`: the main job on the bundled data (what `make demo` runs)."""

from __future__ import annotations

import os

import typer

from nadzor.cli import err_console

__all__ = ["register"]


def demo(
    ctx: typer.Context,
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web app when done."),
    port: int = typer.Option(8000, "--port", help="Port for the web app."),
):
    """Ingest the bundled real samples, analyse them, print where to look, and serve the results."""
    from nadzor.demo import run_demo

    say = lambda msg: err_console.print(msg, highlight=False)  # noqa: E731
    with ctx.obj.store() as store:
        result = run_demo(store, say=say)
    stats = result["stats"]
    say("")
    say(f"The store {ctx.obj.db} now holds {stats['processes']} contracting processes from {stats['sources']} "
        f"archived files ({stats['quarantined']} item(s) quarantined, each with its reason).")
    for name, summary in result["analysis"].items():
        say(f"  {name}: {summary}")
    db = ctx.obj.db
    say("Look at it with (the nadzor command is in .venv/bin; `. .venv/bin/activate` puts it on your PATH):")
    for cmd, what in (("stats", "what is in the store"), ("sources", "every archived file, its licence"),
                      ("quarantine", "what could not be used, and why"),
                      ("purchases --format table", "the surveillance purchases found"),
                      ("suppliers --surveillance --format table", "who sold them"),
                      ("flags --format table", "red flags with explanations"),
                      ("report -o report.html", "a findings brief with receipts")):
        say(f"  nadzor --db {db} {cmd}   ({what})")
    say("The bundled data: real OCDS samples (examples/ocds, no surveillance purchases among them) and FICTIONAL")
    say("demonstration data in the shape of the Serbian camera case (examples/fictional): no real organisation.")
    say("Findings are risk indicators, not proof of wrongdoing.")
    if serve and not os.environ.get("CI"):
        try:
            from nadzor.web import serve as serve_app
        except ImportError:
            say("(the web app is not installed in this build)")
            return
        serve_app(ctx.obj.db, host="127.0.0.1", port=port)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
