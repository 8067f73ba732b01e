"""The ``nadzor`` command line. Each command lives in its own module in this package and only parses, calls
one library function, and renders; see ``nadzor.cli.builtin`` for how commands are registered."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import typer

try:  # Typer >= 0.20 vendors Click
    from typer import _click as click
except ImportError:  # pragma: no cover
    import click

from nadzor import __version__
from nadzor._lazy import LazyConsole
from nadzor.exceptions import NadzorError

__all__ = ["app", "main", "Context", "err_console", "click", "request_fast_exit"]

err_console = LazyConsole(stderr=True)

app = typer.Typer(
    name="nadzor",
    help=(
        "nadzor - who buys surveillance technology, from whom, how competitively.\n\n"
        "Findings are risk indicators, not proof of wrongdoing."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@dataclass
class Context:
    """What every command gets: where the store is."""

    db: Path

    def store(self, *, read_only: bool = False):
        """Open the store at ``db`` (created on first use unless read-only)."""
        from nadzor.store import Store

        return Store.open(self.db, read_only=read_only)


def _version(value: bool):
    if value:
        typer.echo(f"nadzor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    db: Path = typer.Option(
        Path("nadzor.duckdb"), "--db", envvar="NADZOR_DB", help="The store: a DuckDB file (created if missing)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
):
    ctx.obj = Context(db=db)


def _register_commands() -> None:
    from nadzor.plugins import get_plugin_manager

    get_plugin_manager().hook.register_commands(app=app)


def _out_of_memory_message() -> str:
    """Say that DuckDB ran out of its memory limit and how to raise it."""
    limit = os.environ.get("NADZOR_MEMORY_LIMIT")
    now = f"NADZOR_MEMORY_LIMIT is {limit}" if limit else "the limit is the default for this command"
    return (f"DuckDB ran out of the memory nadzor allows it ({now}). Run the command again with a higher limit, "
            "e.g. NADZOR_MEMORY_LIMIT=2GB.")


_FAST_EXIT: list[bool] = []


def request_fast_exit() -> None:
    """Let the ``nadzor`` process end without tearing the interpreter down once the command has succeeded.

    For a command whose only resources are in memory (no store file open, output written): freeing DuckDB's
    tables and every module costs about 0.1 s, a twentieth of ``nadzor indicators`` on 100k releases. Exit
    handlers (temporary folders) still run. Ignored when ``main`` is called with arguments (tests, library use).
    """
    _FAST_EXIT.append(True)


def _fast_exit() -> None:
    import atexit
    import logging

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # e.g. a closed pipe: let the normal exit report it
        return
    logging.shutdown()
    atexit._run_exitfuncs()
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn a NadzorError into a readable message and its exit code."""
    _register_commands()
    try:
        app(args=argv, standalone_mode=False)
    except NadzorError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("interrupted: the store is left consistent; run the same command again to finish")
        sys.exit(130)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        duckdb = sys.modules.get("duckdb")  # only loaded if a command used it
        if duckdb is not None and isinstance(exc, duckdb.OutOfMemoryException):
            err_console.print(f"[bold red]error:[/] {_out_of_memory_message()}", highlight=False, markup=True)
            sys.exit(1)
        raise
    if os.environ.get("NADZOR_DEBUG"):
        err_console.print("done")
    if argv is None and _FAST_EXIT:
        _fast_exit()
