"""``nadzor cameras``: camera locations, counts, population and density."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]

cameras_app = typer.Typer(help="Camera registry: locations, counts per municipality, cameras per 1,000 people.",
                          no_args_is_help=True)


@cameras_app.command("ingest")
def ingest(ctx: typer.Context,
           path: Path = typer.Argument(..., help="CSV with latitude/longitude columns, or GeoJSON points."),
           dataset: str = typer.Option(None, "--dataset", help="A short name for this data set."),
           area: str = typer.Option(None, "--area", help="Municipality or town of every point, if the file has none.")):
    """Add camera locations from a CSV or GeoJSON file."""
    from nadzor.cli.output import print_json
    from nadzor.evidence.cameras import ingest_cameras

    print_json(ingest_cameras(ctx.obj.store(), path, dataset=dataset, area_name=area))


@cameras_app.command("list")
def list_(ctx: typer.Context,
          fmt: str = typer.Option("geojson", "--format", help="geojson or csv."),
          dataset: str = typer.Option(None, "--dataset")):
    """Print the stored camera points as GeoJSON or CSV."""
    from nadzor.cli.output import print_csv, print_json
    from nadzor.evidence.cameras import camera_rows, cameras_geojson

    store = ctx.obj.store(read_only=True)
    if fmt == "csv":
        rows = camera_rows(store, dataset)
        print_csv(rows, list(rows[0]) if rows else ["camera_id", "lon", "lat"])
    else:
        print_json(cameras_geojson(store, dataset))


@cameras_app.command("count")
def count(ctx: typer.Context,
          area: str = typer.Argument(..., help="Municipality, e.g. \"Čačak\"."),
          cameras: int = typer.Argument(..., help="Number of cameras."),
          basis: str = typer.Option("foi", "--basis", help="foi, manual, registry or contract."),
          as_of: str = typer.Option(None, "--as-of", help="Date the count refers to."),
          foi_id: str = typer.Option(None, "--foi", help="The FOI request that gave the count."),
          note: str = typer.Option(None, "--note")):
    """Record a camera count for a municipality (e.g. from an FOI answer)."""
    from nadzor.cli.output import print_json
    from nadzor.evidence.cameras import add_camera_count

    print_json(add_camera_count(ctx.obj.store(), area_name=area, cameras=cameras, basis=basis, as_of=as_of,
                                foi_id=foi_id, note=note))


@cameras_app.command("population")
def population(ctx: typer.Context,
               path: Path = typer.Argument(..., help="CSV: area_code, area_name, population, year, source.")):
    """Load a population table (from the statistical office; nadzor ships none)."""
    from nadzor.cli.output import print_json
    from nadzor.evidence.cameras import load_population

    print_json(load_population(ctx.obj.store(), path))


@cameras_app.command("density")
def density_(ctx: typer.Context, fmt: str = typer.Option("table", "--format", help="table, json or csv.")):
    """Show cameras per 1,000 inhabitants per municipality (where population is loaded)."""
    from nadzor.cli import err_console
    from nadzor.cli.output import print_csv, print_json, print_table
    from nadzor.evidence.cameras import density

    result = density(ctx.obj.store(read_only=True))
    cols = ["area_code", "area_name", "registry", "reported", "contracted", "cameras", "population",
            "population_year", "per_1000"]
    if fmt == "json":
        print_json(result)
        return
    if fmt == "csv":
        print_csv(result["areas"], cols)
    else:
        print_table(result["areas"], cols, title="cameras per 1,000 inhabitants")
    err_console.print(result["note"], highlight=False, markup=False, soft_wrap=True)


@cameras_app.command("districts")
def districts(ctx: typer.Context):
    """Print Serbia's districts as GeoJSON with purchase and camera counts (for a map)."""
    from nadzor.cli.output import print_json
    from nadzor.evidence.cameras import districts_geojson

    print_json(districts_geojson(ctx.obj.store(read_only=True)))


def register(app: typer.Typer) -> None:
    app.add_typer(cameras_app, name="cameras")
