"""`nadzor serve`: browse the store in a web browser (read-only)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        ctx: typer.Context,
        host: str = typer.Option("127.0.0.1", help="Address to listen on (127.0.0.1: this computer only)."),
        port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    ):
        """Serve the store as web pages and a JSON API, read-only, at http://HOST:PORT/."""
        from nadzor.web.app import serve as run

        run(ctx.obj.db, host=host, port=port)
