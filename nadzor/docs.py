"""Generated documentation: the CLI reference (docs/cli.md) from the real ``--help`` of every command.

Run ``python -m nadzor.docs`` after changing a command; a test fails when docs/cli.md is stale.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["command_names", "cli_reference"]

ROOT = Path(__file__).resolve().parent.parent


def _click_group():
    import typer

    from nadzor.cli import _register_commands, app

    _register_commands()
    return typer.main.get_command(app)


def command_names() -> list[str]:
    """Return every command path, e.g. ['analyze', 'foi add', ...], sorted."""
    group = _click_group()
    names = []

    def walk(cmd, prefix):
        for name, sub in sorted(cmd.commands.items()):
            path = f"{prefix} {name}".strip()
            if hasattr(sub, "commands"):
                walk(sub, path)
            else:
                names.append(path)

    walk(group, "")
    return names


def _help(path: list[str]) -> str:
    from nadzor.cli import click

    group = _click_group()
    ctx = click.Context(group, info_name="nadzor", terminal_width=100, max_content_width=100)
    cmd = group
    for part in path:
        ctx = click.Context(cmd.commands[part], info_name=part, parent=ctx, terminal_width=100,
                            max_content_width=100)
        cmd = cmd.commands[part]
    text = cmd.get_help(ctx)
    return re.sub(r"[ \t]+\n", "\n", text)


def cli_reference() -> str:
    """Return docs/cli.md."""
    out = ["# CLI reference", "",
           "Generated from the real `--help` output by `python -m nadzor.docs`; a test fails when it is stale.", "",
           "## nadzor", "", "```", _help([]).rstrip(), "```", ""]
    for name in command_names():
        out += [f"## nadzor {name}", "", "```", _help(name.split()).rstrip(), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    (ROOT / "docs" / "cli.md").write_text(cli_reference(), encoding="utf-8")
