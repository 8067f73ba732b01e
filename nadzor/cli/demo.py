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
    say("Look at it with:")
    say(f"  nadzor --db {ctx.obj.db} stats")
    say(f"  nadzor --db {ctx.obj.db} sources")
    say(f"  nadzor --db {ctx.obj.db} quarantine")
    for name in result["analysis"]:
        say(f"  (analysis step '{name}' ran: see README for its command)")
    say("Findings are risk indicators, not proof of wrongdoing.")
    if serve and not os.environ.get("CI"):
        try:
            from nadzor.web.server import serve as serve_app
        except ImportError:
            say("(the web app is not installed in this build)")
            return
        say(f"serving on http://127.0.0.1:{port}/  (Ctrl-C to stop)")
        serve_app(ctx.obj.db, host="127.0.0.1", port=port)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
