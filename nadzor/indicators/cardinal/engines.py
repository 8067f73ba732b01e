"""The engines the indicator expressions run on: DuckDB (default, in process) and PySpark (local mode).

The flat tables are always read from the JSON-lines file by DuckDB (see ``reader``); for Spark they are handed
over as Parquet files in a temporary directory, and the same Ibis expressions then run on Spark.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from nadzor.exceptions import NadzorError

__all__ = ["backend_for", "spark_session", "DuckDBEngine", "ENGINES"]

ENGINES = ("duckdb", "spark")

_SESSION = None


def spark_session(master: str = "local[2]"):
    """Return the process-wide local SparkSession (created on first use; Java 17 and the spark extra needed)."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise NadzorError("--engine spark needs PySpark: pip install 'nadzor[spark]' (and Java 17)") from None
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    warehouse = tempfile.mkdtemp(prefix="nadzor-spark-warehouse-")
    _SESSION = (
        SparkSession.builder.master(master)
        .appName("nadzor")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.driver.memory", "4g")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


class DuckDBEngine:
    """The DuckDB connection the flat tables are on, as ``common.Run`` uses a backend: ``name``, ``con`` and
    ``compile(expr)``. Ibis and its DuckDB backend (about 0.6 s to import) are loaded only when a query has to be
    compiled, i.e. not when all of a run's SQL is cached (see ``sqlcache``)."""

    name = "duckdb"

    def __init__(self, con):
        self.con = con
        self._ibis = None

    def compile(self, expr) -> str:
        """Return the DuckDB SQL of an Ibis expression."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis.compile(expr)


@contextmanager
def backend_for(engine: str, flat):
    """Yield the backend on which the flat tables of ``flat`` are registered under their names: a
    ``DuckDBEngine`` for ``duckdb``, an Ibis PySpark backend for ``spark``."""
    if engine == "duckdb":
        yield DuckDBEngine(flat.con)
        return
    import ibis

    if engine != "spark":
        raise NadzorError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    session = spark_session()
    backend = ibis.pyspark.connect(session)
    with tempfile.TemporaryDirectory(prefix="nadzor-flat-") as tmp:
        paths = flat.to_parquet(Path(tmp))
        for name, path in paths.items():
            session.read.parquet(str(path)).createOrReplaceTempView(name)
        yield backend
        for name in paths:
            session.catalog.dropTempView(name)
