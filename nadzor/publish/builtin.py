"""The built-in exporters, registered through the same hook a plugin uses."""

from __future__ import annotations

from nadzor.hookspecs import hookimpl
from nadzor.publish.exporters import Exporter

__all__ = ["register_exporters"]


@hookimpl
def register_exporters():
    from nadzor.publish import ftm, geojson, ocds, site, sqlite, tabular

    return [
        Exporter("csv", "one CSV file per list (purchases, buyers, suppliers, flags) in a folder",
                 tabular.export_csv, directory=True),
        Exporter("json", "one JSON document with every list and the headline numbers", tabular.export_json),
        Exporter("geojson", "district polygons with purchases and buyers per district", geojson.export_geojson),
        Exporter("ocds", "an OCDS release package of the compiled releases", ocds.export_ocds),
        Exporter("ftm", "FollowTheMoney entities (JSON lines) for Aleph", ftm.export_ftm),
        Exporter("sqlite", "a SQLite database for Datasette", sqlite.export_sqlite),
        Exporter("site", "a static copy of the web pages, to publish without a server", site.export_site,
                 directory=True),
    ]
