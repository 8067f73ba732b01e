"""``nadzor entities``: build organisation entities, and explain which names were merged into one and why."""

from __future__ import annotations

from pathlib import Path

import typer

from nadzor.cli.output import console, print_json, print_table

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Organisations as entities: one per real organisation across spellings and scripts.",
                        no_args_is_help=True)
    app.add_typer(group, name="entities")

    @group.command("build")
    def build(
        ctx: typer.Context,
        decisions: Path = typer.Option(None, "--decisions", help="Decisions file (YAML); default: "
                                       "entities.decisions.yml beside the store."),
    ):
        """Resolve every organisation name and identifier into entities (also part of `nadzor analyze`)."""
        from nadzor.entities.build import build_entities

        with ctx.obj.store() as store:
            print_json(build_entities(store, decisions))

    @group.command("explain")
    def explain(
        ctx: typer.Context,
        entity_id: str = typer.Argument(..., help="An entity id, e.g. from `nadzor suppliers`."),
        format: str = typer.Option("table", "--format", "-f", help="table or json."),
    ):
        """Show which names were merged into an entity, by which rule, and why."""
        from nadzor.entities.directory import explain_entity

        with ctx.obj.store(read_only=True) as store:
            info = explain_entity(store, entity_id)
        if format == "json":
            print_json(info)
            return
        console.print(f"[bold]{info['name']}[/] ({info['entity_id']})  identifiers: "
                      f"{', '.join(info['identifiers']) or 'none published'}")
        print_table(info["merged"], ["name", "occurrences", "rule", "score", "reason"], title="Merged names")
