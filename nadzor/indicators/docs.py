"""Generate the docs page of each indicator (docs/indicators/<CODE>.md) from its definition."""

from __future__ import annotations

from pathlib import Path

from nadzor.indicators.definition import IndicatorDefinition

__all__ = ["render_markdown", "write_docs", "stale_docs", "DOCS_DIR"]

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "indicators"

_HEADER = "<!-- Generated from nadzor/indicators by scripts/generate_indicator_docs.py: do not edit. -->\n"


def _default(value) -> str:
    if value is None:
        return "none"
    if value == "":
        return "(empty)"
    return f"`{value}`"


def render_markdown(d: IndicatorDefinition) -> str:
    """Render one indicator's page under the fixed headings."""
    lines = [_HEADER, f"# {d.code} {d.title}", ""]
    lines += [
        f"Version {d.version} ({d.family}). Subjects: {', '.join(d.subject_types)}.",
        "",
        "A flag is a risk indicator that calls for a closer look, not proof of wrongdoing.",
        "",
        "## Why is this a red flag?",
        "",
        d.why.strip(),
        "",
        "## Methodology",
        "",
        d.methodology.strip(),
        "",
        "## Parameters",
        "",
    ]
    if d.parameters:
        lines += ["| Setting | Default | Meaning |", "| --- | --- | --- |"]
        for p in d.parameters:
            lines.append(f"| `{p.name}` | {_default(p.default)} | {' '.join(p.description.split())} |")
        lines.append("")
        lines.append(f"Set them in the settings file under `[{d.code}]`.")
    else:
        lines.append(f"None: enable it with an empty `[{d.code}]` section.")
    lines += ["", "## Exclusions", "", d.exclusions.strip(), "", "## Output", "", d.output.strip(), ""]
    if d.variants:
        lines += ["## Variants beyond Cardinal", "", d.variants.strip(), ""]
    lines += ["## Sources", ""]
    lines += [f"- {s}" for s in d.sources]
    return "\n".join(lines) + "\n"


def write_docs(definitions, directory: Path = DOCS_DIR) -> list[Path]:
    """Write one page per definition into ``directory``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in definitions:
        path = directory / f"{d.code}.md"
        path.write_text(render_markdown(d), encoding="utf-8")
        paths.append(path)
    return paths


def stale_docs(definitions, directory: Path = DOCS_DIR) -> list[str]:
    """Return the codes whose page is missing or differs from what the definition generates."""
    stale = []
    for d in definitions:
        path = directory / f"{d.code}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != render_markdown(d):
            stale.append(d.code)
    return stale
