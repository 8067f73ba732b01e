"""The findings brief: a fact box of statements generated from the store, each with its receipts (the ocids and
source files behind it), charts, and the standing note that findings are risk indicators, not proof.

``build_brief(store)`` gathers the facts; ``render(brief, fmt)`` writes HTML (standalone: scripts inlined, opens
offline), Markdown, or PDF (HTML printed by headless Chromium).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from nadzor import __version__
from nadzor.exceptions import InputError, NadzorError
from nadzor.web import charts, queries
from nadzor.web.download import all_rows

__all__ = ["build_brief", "render", "write_report", "RECEIPT_LIMIT", "CHROMIUM_CANDIDATES"]

RECEIPT_LIMIT = 200  # ocids listed per statement; the rest are counted
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
RISK_NOTE = "Findings are risk indicators, not proof of wrongdoing: each is a reason to look closer at the records."


def _purchases(r, **filters) -> list[dict]:
    f = queries.PurchaseFilters(**filters)
    return list(all_rows(lambda **kw: queries.list_purchases(r, f, sort="date", **kw)))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _flag_processes(r, code: str) -> list[dict]:
    """The processes behind an indicator's findings: their ocid, or the ocids in their evidence."""
    import orjson

    ocids = set()
    for row in r.rows("SELECT ocid, CAST(evidence AS VARCHAR) AS evidence FROM findings WHERE code = ?", [code]):
        if row["ocid"]:
            ocids.add(row["ocid"])
        try:
            ocids.update(e["ocid"] for e in orjson.loads(row["evidence"] or "[]") if isinstance(e, dict) and e.get("ocid"))
        except orjson.JSONDecodeError:
            pass
    return [{"ocid": x} for x in sorted(ocids)]


def build_brief(store) -> dict:
    """Gather the statements, their receipts, and the chart specs."""
    r = queries.Reader.from_store(store)
    o = queries.overview(r)
    s = o["stats"]
    scope = o["scope"]
    noun = "surveillance purchases" if scope == "surveillance" else "purchases (not yet classified)"
    statements = []

    def add(text: str, rows: list[dict]):
        statements.append({"n": len(statements) + 1, "text": text, "ocids": [x["ocid"] for x in rows]})

    every = _purchases(r, scope=scope)
    add(f"{s['buyers']} buyers made {s['purchases']} {noun} from {s['suppliers']} suppliers.", every)
    if s["buyers"]:
        one = list(all_rows(lambda **kw: queries.list_buyers(r, scope=scope, only_one_supplier=True, **kw)))
        rows = [p for b in one for p in _purchases(r, scope=scope, buyer=b["key"])]
        names = ", ".join(b["name"] or b["key"] for b in one[:10]) + (" and others" if len(one) > 10 else "")
        add(f"{len(one)} of the {s['buyers']} buyers bought only from one supplier"
            + (f" ({names})." if one else "."), rows)
    add(f"{s['single_bid']} {noun} received a single bid; a second bid came in {s['multiple_bids']}"
        + (f"; the number of bids is not published for {s['bids_unknown']}." if s["bids_unknown"] else "."),
        _purchases(r, scope=scope, bids="single"))
    top = o["top_suppliers"][:1]
    if top and s["purchases"]:
        t = top[0]
        add(f"The supplier with most {noun}, {t['name'] or t['key']}, won {t['purchases']} of {s['purchases']} "
            f"({100 * t['purchases'] / s['purchases']:.0f}%).", _purchases(r, scope=scope, supplier=t["key"]))
    for c in o["capabilities"]:
        add(f"{_n(c['purchases'], 'purchase')} bought {c['capability'].replace('_', ' ')}.",
            _purchases(r, scope=scope, capability=c["capability"]))
    for f in o["flags"]:
        add(f"Indicator {f['code']} raised {_n(f['n'], 'flag')}.", _flag_processes(r, f["code"]))

    all_ocids = sorted({x for st in statements for x in st["ocids"]})
    details = {x["ocid"]: x for x in r.rows(
        """SELECT p.ocid, p.title, p.buyer_name, p.locator, s.original_path, s.publisher, s.licence, s.retrieved_at
           FROM processes p LEFT JOIN sources s ON s.source_id = p.source_id
           WHERE list_contains(?, p.ocid)""", [all_ocids])}
    for st in statements:
        st["more"] = max(0, len(st["ocids"]) - RECEIPT_LIMIT)
        st["receipts"] = [details.get(x, {"ocid": x}) for x in st["ocids"][:RECEIPT_LIMIT]]
    return {
        "title": "Surveillance technology purchases: findings brief",
        "generated": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "version": __version__,
        "risk_note": RISK_NOTE,
        "analysed": o["analysed"],
        "statements": statements,
        "sources": o["sources"],
        "charts": {"per_year": charts.per_year_chart(o["per_year"]),
                   "single_bid": charts.single_bid_rate_chart(o["per_year"]),
                   "suppliers": charts.shares_chart(o["top_suppliers"], title="Suppliers by number of purchases")},
    }


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(resources.files("nadzor.report").joinpath("templates"))),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["md"] = _md_escape
    return env


def _md_escape(value) -> str:
    """Escape text for Markdown so names from the data cannot become links, emphasis, tables or HTML."""
    text = "" if value is None else str(value)
    for ch in "\\`*_{}[]#+!|<>":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _vendored_js() -> str:
    vendor = resources.files("nadzor.web").joinpath("static", "vendor")
    parts = [vendor.joinpath(n).read_text(encoding="utf-8") for n in
             ("vega.min.js", "vega-interpreter.min.js", "vega-lite.min.js", "vega-embed.min.js")]
    parts.append(resources.files("nadzor.web").joinpath("static", "app.js").read_text(encoding="utf-8"))
    return "\n;\n".join(p.replace("</script", "<\\/script") for p in parts)


def render(brief: dict, fmt: str) -> str:
    """Return the brief as 'html' (standalone) or 'md' text."""
    if fmt == "html":
        css = resources.files("nadzor.web").joinpath("static", "style.css").read_text(encoding="utf-8")
        return _env().get_template("brief.html").render(b=brief, css=css, js=_vendored_js())
    if fmt == "md":
        return _env().get_template("brief.md").render(b=brief)
    raise InputError("format must be html, md or pdf")


def _chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def write_report(store, fmt: str, output: Path | None) -> Path:
    """Build the brief and write it in ``fmt`` (html, md, pdf) to ``output`` (default: brief.<fmt>).

    PDF needs Chromium (Debian: ``apt-get install chromium``); without it a NadzorError says so.
    """
    if fmt not in ("html", "md", "pdf"):
        raise InputError("format must be html, md or pdf")
    output = Path(output or f"brief.{fmt}")
    brief = build_brief(store)
    if fmt in ("html", "md"):
        output.write_text(render(brief, fmt), encoding="utf-8")
        return output
    chromium = _chromium()
    if chromium is None:
        raise NadzorError("PDF needs Chromium, which is not installed: install it (Debian: `apt-get install "
                          "chromium`) or write --format html and print it from a browser")
    with tempfile.TemporaryDirectory(prefix="nadzor-report-") as tmp:
        page = Path(tmp) / "brief.html"
        page.write_text(render(brief, "html"), encoding="utf-8")
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
               f"--user-data-dir={tmp}/profile", "--virtual-time-budget=15000",
               f"--print-to-pdf={output.resolve()}", page.as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or not output.exists():
            raise NadzorError(f"Chromium could not print the PDF: {done.stderr.strip()[-500:]}")
    return output
