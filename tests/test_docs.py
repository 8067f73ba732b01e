"""Docs cannot drift: the CLI reference is generated from --help and every command is in the README."""

from pathlib import Path

from nadzor.docs import cli_reference, command_names

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_current():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == cli_reference(), \
        "docs/cli.md is stale: run `python -m nadzor.docs`"


def test_every_command_is_mentioned_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in command_names() if f"nadzor {c}" not in readme]
    assert not missing, f"README.md does not mention: {missing}"


def test_every_command_has_a_help_text():
    import typer

    from nadzor.cli import _register_commands, app

    _register_commands()
    group = typer.main.get_command(app)

    def walk(cmd, path):
        for name, sub in cmd.commands.items():
            if hasattr(sub, "commands"):
                walk(sub, f"{path} {name}")
            else:
                assert (sub.help or "").strip(), f"nadzor{path} {name} has no help text"

    walk(group, "")
