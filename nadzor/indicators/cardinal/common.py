"""What the 11 indicators share: the flat tables as Ibis tables, Cardinal's global rules, the results object.

An indicator module builds Ibis expressions from a ``Run`` (so the same expressions run on DuckDB and on Spark),
fetches the small per-process or per-organisation vectors they produce, and finishes in Python where Cardinal
computes statistics over all the data (type-8 quartiles, fences: see ``stats``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

from nadzor.indicators.cardinal.reader import EXTENDED_TABLES, SCHEMAS, TABLES, org_decoder
from nadzor.indicators.cardinal.settings import Settings, pipe_list

__all__ = ["Run", "Result", "GROUPS", "MAP_KEYS"]

GROUPS = ("OCID", "Buyer", "ProcuringEntity", "Tenderer")
_IBIS_TYPES = {"BIGINT": "int64", "VARCHAR": "string", "BOOLEAN": "boolean", "DOUBLE": "float64"}
MAP_KEYS = (
    "ocid_buyer_r038",
    "ocid_procuringentity_r038",
    "ocid_tenderer",
    "ocid_tenderer_r024",
    "ocid_tenderer_r028",
    "ocid_tenderer_r030",
    "ocid_tenderer_r035",
    "ocid_tenderer_r058",
)


@dataclass
class Result:
    """Cardinal's output: results per group and id, Meta per indicator, Maps (only filled with ``map``).

    Organisation ids are given to ``set`` and ``add_map`` as the flat tables hold them (codes with the native
    reader) and stored as strings, decoded with ``org_names`` (see ``FlatTables.org_names``).
    """

    map: bool = False
    org_names: Sequence[str] | None = field(default=None, repr=False, compare=False)
    meta: dict = field(default_factory=dict)
    maps: dict = field(default_factory=lambda: {k: {} for k in MAP_KEYS})
    statistics: dict = field(default_factory=dict)
    # The values as one {id: value} dict per group and indicator, in the order they were set: a dict per id, as
    # Cardinal's output nests them, costs about 330 bytes an id instead of about 110 (at 1M releases 400k ids,
    # about 120 MiB, held while DuckDB still runs the other indicators). ``groups`` nests them when asked.
    columns: dict = field(default_factory=lambda: {g: {} for g in GROUPS}, repr=False)
    _nested: dict | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        self._org = org_decoder(self.org_names)

    def set(self, group: str, key, code: str, value: float) -> None:
        """Record one indicator value for one id of one group (an ocid, or an organisation id or code)."""
        if group != "OCID":
            key = self._org(key)
        column = self.columns[group].get(code)
        if column is None:
            column = self.columns[group][code] = {}
        column[key] = float(value)
        self._nested = None

    @property
    def groups(self) -> dict:
        """The values as Cardinal nests them: {group: {id: {code: value}}}, ids in the order first set (built once
        after the last ``set``)."""
        if self._nested is None:
            nested = {}
            for group, codes in self.columns.items():
                ids: dict = {}
                for code, column in codes.items():
                    for key, value in column.items():
                        values = ids.get(key)
                        if values is None:
                            values = ids[key] = {}
                        values[code] = value
                nested[group] = ids
            self._nested = nested
        return self._nested

    def set_meta(self, code: str, key: str, value: float) -> None:
        """Record one Meta statistic (rounded only when rendered)."""
        self.meta.setdefault(code, {})[key] = value

    def add_map(self, name: str, ocid: str, value) -> None:
        """Add an organisation id (or code) to a Maps entry (a set per ocid, or a single id for the R038 maps)."""
        if not self.map:
            return
        value = self._org(value)
        if name in ("ocid_buyer_r038", "ocid_procuringentity_r038"):
            self.maps[name][ocid] = value
        else:
            self.maps[name].setdefault(ocid, set()).add(value)


class Run:
    """One computation: the flat tables on one backend, the settings, and shared sub-expressions.

    Queries are named and built on demand: ``fetch(key, build)`` runs the Ibis expression ``build()`` returns.
    On DuckDB with a ``cache`` (``sqlcache.SqlCache``) the SQL compiled for ``key`` in an earlier run is executed
    instead, so that a run whose queries are all cached neither builds expressions nor imports Ibis. For this to
    be sound a builder may depend on the data only through ``main_currency`` (recorded as a parameter of the
    query) and on temporary tables only through ``table`` (recorded as a dependency).

    ``schemas`` and ``org_names`` are the flat tables' (``FlatTables``): organisation ids may be codes, which the
    expressions only compare for equality; ``org_name`` gives the id of a value (to sort ids as strings).
    ``backend`` is an Ibis backend, or on DuckDB any object with ``name``, ``con`` and ``compile(expr)``
    (``engines.DuckDBEngine``, which imports Ibis only when something is compiled).
    """

    def __init__(self, backend, settings: Settings, *, map: bool = False, schemas: dict | None = None,
                 org_names: Sequence[str] | None = None, cache=None):
        self.backend = backend
        self.settings = settings
        self.map = map
        self.org_name = org_decoder(org_names)
        self.names = self.table_names(settings)
        self.schemas = schemas or SCHEMAS
        self.duckdb = backend.name == "duckdb"
        self.cache = cache if self.duckdb else None
        self._frames: list[dict] = []  # one per query being built: {"deps": [...], "params": {...}}
        self._made: dict[str, dict] = {}  # temporary tables created in this run: name -> schema
        self._pid_tables: dict[str, list[int]] = {}  # elsewhere than DuckDB: name -> pids
        self._currency: list = []  # [main currency] once computed

    @staticmethod
    def table_names(settings: Settings) -> tuple[str, ...]:
        """The flat tables the indicators read with these settings (the variants need more)."""
        return TABLES + (EXTENDED_TABLES if settings.option("lots") or settings.option("related_bids") else ())

    @cached_property
    def t(self) -> dict:
        """The flat tables as Ibis tables, by name."""
        import ibis

        if self.duckdb:
            # The reader's own schemas: asking DuckDB for them costs a query per table and imports pyarrow.
            return {name: ibis.table({c: _IBIS_TYPES[t] for c, t in self.schemas[name].items()}, name=name)
                    for name in self.names}
        return {name: self.backend.table(name) for name in self.names}

    # Queries ----------------------------------------------------------------------------------------------

    def sql(self, key, build) -> str:
        """Return the SQL of query ``key`` (DuckDB): cached, or compiled from ``build()`` and then cached.

        The temporary tables the query reads are created first.
        """
        entry = self._entry(key, build)
        return entry["sql"]

    def _entry(self, key, build) -> dict:
        if self.cache is not None:
            names = self.cache.params(key)
            if names is not None:
                entry = self.cache.get(key, [self._param(name) for name in names])
                if entry is not None:
                    for name in entry["deps"]:
                        self._create(name)
                    return entry
        frame = {"deps": [], "params": {}}
        self._frames.append(frame)
        try:
            expr = build()
        finally:
            self._frames.pop()
        entry = {"sql": self.backend.compile(expr), "deps": frame["deps"],
                 "schema": {name: str(dtype) for name, dtype in expr.schema().items()}}
        if self.cache is not None:
            self.cache.put(key, frame["params"], entry)
        return entry

    def _param(self, name: str):
        if name == "main_currency":
            return self.main_currency
        raise KeyError(name)

    def fetch(self, key, build) -> list[dict]:
        """Execute query ``key`` (built by ``build()``) and return its rows as dicts."""
        return list(self.rows(key, build))

    def rows(self, key, build, batch: int = 20_000):
        """Execute query ``key`` (built by ``build()``) and yield its rows as dicts, a batch at a time on DuckDB."""
        if not self.duckdb:
            yield from self.backend.to_pyarrow(build()).to_pylist()
            return
        # The SQL straight on the connection: no Arrow/pandas round trip (pandas alone costs ~0.5 s to import).
        # Integer sums come back as Python ints instead of int64, which divide the same way.
        cursor = self.backend.con.execute(self.sql(key, build))
        names = [d[0] for d in cursor.description]
        while chunk := cursor.fetchmany(batch):
            for row in chunk:
                yield dict(zip(names, row))

    # Temporary tables -------------------------------------------------------------------------------------

    # Sub-results several queries share, computed once into a temporary table on DuckDB (which would otherwise
    # plan and run them again in each query): name -> the Run method that builds them.
    MATERIALIZED = {"nz_single_awards": "_single_awards_expression"}

    def table(self, name: str):
        """Return the shared sub-result ``name`` (see MATERIALIZED): on DuckDB its temporary table, created once
        and recorded as a dependency of the query being built; elsewhere the expression itself."""
        build = getattr(self, self.MATERIALIZED[name])
        if not self.duckdb:
            return build()
        import ibis

        schema = self._create(name)
        if self._frames:
            self._frames[-1]["deps"].append(name)
        return ibis.table(schema, name=name)

    def _create(self, name: str) -> dict:
        schema = self._made.get(name)
        if schema is None:
            entry = self._entry(("table", name), getattr(self, self.MATERIALIZED[name]))
            self.backend.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {entry['sql']}")
            schema = self._made[name] = entry["schema"]
        return schema

    def pid_table(self, pids: list[int], name: str) -> str:
        """Store ``pids`` as a table ``name`` of one ``pid`` column (to narrow a query to a few processes); a
        builder reads it with ``pid_ref(name)``."""
        if self.duckdb:
            # Integers written into the SQL text: binding a Python list as a parameter imports pandas (~0.5 s).
            values = ",".join(str(int(pid)) for pid in pids)
            self.backend.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT unnest([{values}]::BIGINT[]) AS pid")
        else:  # kept for pid_ref's in-memory table
            self._pid_tables[name] = list(pids)
        return name

    def pid_ref(self, name: str):
        """Return the table ``pid_table`` stored as ``name``, as an Ibis table."""
        import ibis

        if not self.duckdb:
            return ibis.memtable({"pid": self._pid_tables[name]}, schema={"pid": "int64"})
        return ibis.table({"pid": "int64"}, name=name)

    # Global rules -----------------------------------------------------------------------------------------

    def _looked_at(self, p):
        cond = p.tender_status.isnull() | (p.tender_status != "cancelled")
        excluded = pipe_list(self.settings.get("exclusions", "procurement_method_details"))
        if excluded:
            cond &= p.pmd.isnull() | ~p.pmd.isin(excluded)
        return cond

    def _price_condition(self, p):
        allow = pipe_list(self.settings.top.get("price_comparison_procurement_methods"))
        deny = pipe_list(self.settings.top.get("no_price_comparison_procurement_methods"))
        if allow:
            return p.pmd.notnull() & p.pmd.isin(allow)
        if deny:
            return p.pmd.isnull() | ~p.pmd.isin(deny)
        return None

    @cached_property
    def processes(self):
        """Processes Cardinal looks at: string ocid, tender not cancelled, not in ``[exclusions]``."""
        p = self.t["processes"]
        return p.filter(self._looked_at(p))

    def price_comparison(self, p):
        """Apply the price-comparison allow/deny lists on ``procurementMethodDetails`` (R024 R028 R036 R058)."""
        cond = self._price_condition(p)
        return p if cond is None else p.filter(cond)

    def within(self, table, *, price_comparison: bool = False):
        """Keep the rows of ``table`` (bids, awards...: any table with ``pid``) whose process Cardinal looks at,
        and with ``price_comparison`` that passes the price-comparison lists.

        The same rows as a semi-join with ``processes``, written as an anti-join with the processes left out
        (usually few), which is much cheaper than matching against nearly all processes. This relies on the
        reader writing rows of the other tables only for processes (releases with a string ocid).
        """
        p = self.t["processes"]
        cond = self._looked_at(p)
        if price_comparison and (pc := self._price_condition(p)) is not None:
            cond &= pc
        return table.anti_join(p.filter(~cond).select("pid"), "pid")

    @cached_property
    def submitted_bids(self):
        """Bids whose status is a string other than ``invited`` and ``withdrawn``."""
        b = self.t["bids"]
        return b.filter(b.status.notnull() & ~b.status.isin(["invited", "withdrawn"]))

    def final_processes(self, p):
        """Processes whose ``awards`` and ``bids/details`` are arrays and whose awards are all final."""
        a = self.t["awards"]
        pending = a.filter(a.status.notnull() & ~a.status.isin(["active", "cancelled", "unsuccessful"]))
        pending = pending.select("pid").distinct()
        return p.filter(p.has_awards & p.has_details).anti_join(pending, "pid")

    def single_award(self, p):
        """Final processes with exactly one active award to exactly one supplier with a string id.

        Columns: pid, supplier_id.
        """
        a = self.t["awards"]
        active = a.filter(a.status == "active")
        one = active.group_by("pid").agg(
            n=active.count(), award_idx=active.award_idx.min(), n_suppliers=active.n_suppliers.max()
        )
        one = one.filter((one.n == 1) & (one.n_suppliers == 1))
        s = self.t["award_suppliers"]
        s = s.filter(s.supplier_id.notnull())
        fp = self.final_processes(p).select("pid")
        j = fp.join(one, "pid").select("pid", "award_idx")
        return j.join(s, ["pid", "award_idx"]).select("pid", "supplier_id")

    @property
    def single_awards(self):
        """``single_award`` of all processes Cardinal looks at, computed once (R024, R025, R058 share it)."""
        return self.table("nz_single_awards")

    def _single_awards_expression(self):
        return self.single_award(self.processes)

    def valid_priced_bids(self):
        """Valid bids with a numeric amount, a string currency and exactly one tenderer with a string id."""
        b = self.t["bids"]
        vb = b.filter((b.status == "valid") & b.amount.notnull() & b.currency.notnull()
                      & b.sole_tenderer_id.notnull())
        return vb.select("pid", "bid_idx", "amount", "currency", tenderer_id="sole_tenderer_id")

    def tenderers(self, bids):
        """Return one row per tenderer with a string id of each bid in ``bids`` (a filtered ``bids`` table),
        with the bids' columns plus ``tenderer_id``.

        A bid with a single tenderer carries its id (``sole_tenderer_id``); only the other bids (consortia,
        non-string ids) have rows in ``bid_tenderers`` and are joined with it.
        """
        bt = self.t["bid_tenderers"]
        bt = bt.filter(bt.tenderer_id.notnull())
        columns = [c for c in bids.columns if c != "sole_tenderer_id"]
        sole = bids.filter(bids.sole_tenderer_id.notnull())
        sole = sole.select(*columns, tenderer_id=sole.sole_tenderer_id)
        rest = bids.filter(bids.sole_tenderer_id.isnull() & bids.has_tenderers)
        rest = rest.join(bt, ["pid", "bid_idx"]).select(*columns, "tenderer_id")
        return sole.union(rest, distinct=False)

    @cached_property
    def bid_tenderer_rows(self):
        """(pid, bid_idx, tenderer_id) for every tenderer with a string id of every bid: the sole tenderers kept in
        ``bids`` plus the rows of ``bid_tenderers`` (which holds only the other bids' tenderers)."""
        b = self.t["bids"]
        sole = b.filter(b.sole_tenderer_id.notnull()).select("pid", "bid_idx", tenderer_id=b.sole_tenderer_id)
        bt = self.t["bid_tenderers"]
        return sole.union(bt.filter(bt.tenderer_id.notnull()), distinct=False)

    @property
    def ratio_processes(self):
        """Processes eligible for R024/R058: price comparison and the single-award rule (pid, supplier_id)."""
        p = self.processes
        pc = self.price_comparison(p)
        # The single-award rule is row-wise on processes, so narrowing afterwards gives the same rows.
        return self.single_awards if pc is p else self.single_awards.semi_join(pc, "pid")

    @cached_property
    def r036_bids(self):
        """Submitted bids with a numeric amount and a string currency, in processes with an active award.

        Columns: pid, bid_idx, status, amount, currency.
        """
        p = self.price_comparison(self.processes)
        a = self.t["awards"]
        with_active = a.filter(a.status == "active").select("pid").distinct()
        p = p.filter(p.has_awards).semi_join(with_active, "pid")
        b = self.submitted_bids
        b = b.filter(b.amount.notnull() & b.currency.notnull()).semi_join(p, "pid")
        return b.select("pid", "bid_idx", "status", "amount", "currency")

    @property
    def main_currency(self) -> str | None:
        """Cardinal's main currency: ``currency`` if set, else the first currency observed in file order.

        "Observed" follows Cardinal's fold order within a release: first a bid considered for R024/R058, then one
        considered for R036. (Cardinal's multi-threaded run can pick another; nadzor is deterministic.)
        A query built with it depends on it (its cached SQL is looked up by this value).
        """
        if not self._currency:
            self._currency.append(self._find_main_currency())
        if self._frames:
            self._frames[-1]["params"]["main_currency"] = self._currency[0]
        return self._currency[0]

    def _currency_candidates(self, stage: int):
        if stage == 0:
            if self.settings.option("lots") or self.settings.option("related_bids"):
                # Variants consider more processes (lots, consortia): the first valid priced bid among them.
                b = self.t["bids"]
                b = b.filter((b.status == "valid") & b.amount.notnull() & b.currency.notnull())
                return b.join(self.final_processes(self.price_comparison(self.processes)).select("pid"), "pid")
            return self.valid_priced_bids().join(self.ratio_processes, "pid")
        return self.r036_bids

    def _find_main_currency(self) -> str | None:
        configured = self.settings.top.get("currency")
        if configured:
            return configured
        enabled = set(self.settings.enabled())
        stages = ([0] if enabled & {"R024", "R058"} else []) + ([1] if "R036" in enabled else [])

        def window(stage, low, high):
            v = self._currency_candidates(stage)
            v = v.filter(v.pid >= low) if high is None else v.filter((v.pid >= low) & (v.pid < high))
            return v.order_by(["pid", "bid_idx"]).select("pid", "bid_idx", "currency").limit(1)

        # Look at the first releases first: the answer is almost always there, and a full scan is costly.
        bounds = [0, 1_000, 100_000, None]
        for low, high in zip(bounds, bounds[1:]):
            candidates = []
            for stage in stages:
                first = self.fetch(("main_currency", stage, low, high), lambda: window(stage, low, high))
                candidates += [(r["pid"], stage, r["bid_idx"], r["currency"]) for r in first]
            if candidates:
                return min(candidates)[3]
        return None


def first_by(table, keys, order):
    """Keep the first row of each ``keys`` group by ``order`` (ties broken by the order list itself).

    The order columns must not be null and must identify one row per group (e.g. end with a bid index). Written
    as a minimum and a semi-join per order column rather than a ranking window: on DuckDB the window's sort was
    the most expensive operator of R036 and of the R024/R058 ratio query.
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    for column in order:
        lowest = table.group_by(keys).agg(_first=table[column].min())
        table = table.semi_join(lowest, [*(table[k] == lowest[k] for k in keys), table[column] == lowest._first])
    return table
