"""Build the optional C extensions; everything else is declared in pyproject.toml.

The Cardinal reader's native flattener (nadzor/indicators/cardinal/_flatten.c, with the vendored yyjson) makes
`nadzor indicators` about twice as fast. It is optional: where no C compiler is available the install still
succeeds and the reader falls back to DuckDB's read_json (same results, slower). The ingest's native stager
(nadzor/normalize/_stage.c) parses JSON lines once into the store's model tables; without it the ingest does the
same in SQL.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "nadzor.indicators.cardinal._flatten",
            sources=["nadzor/indicators/cardinal/_flatten.c", "nadzor/_vendor/yyjson/yyjson.c"],
            depends=["nadzor/_vendor/yyjson/yyjson.h", "nadzor/_native/columns.h"],
            # Python's own flags (-O3 on Linux): about 10% faster than -O2 for the flattener at 1M releases.
            optional=True,
        ),
        Extension(
            "nadzor.normalize._stage",
            sources=["nadzor/normalize/_stage.c", "nadzor/_vendor/yyjson/yyjson.c"],
            depends=["nadzor/_vendor/yyjson/yyjson.h", "nadzor/_native/columns.h"],
            optional=True,
        ),
    ]
)
