"""Cardinal's fixture cases, and the settings each one implies (see tests/fixtures/cardinal/SOURCES.md)."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cardinal"

__all__ = ["FIXTURES", "indicator_cases", "prepare_cases", "coverage_cases", "settings_for"]


def settings_for(name: str) -> str:
    """Return the INI text Cardinal's test suite uses for an indicator fixture called ``name``."""
    code, *rest = name.split("-")
    lines = ["no_price_comparison_procurement_methods = NPC", "", "[exclusions]",
             "procurement_method_details = EXC", "", f"[{code}]"]
    if len(rest) >= 2:
        key, values = rest[0], rest[1:]
        if key == "procurement_method_details":
            lines.append(f"[{code}.procurement_method_details]")
            lines += [f"{k} = {v}" for k, v in zip(values[::2], values[1::2])]
        else:
            lines.append(f"{key} = {values[0].replace('+', '|')}")
    return "\n".join(lines) + "\n"


def _stems(folder: str) -> list[str]:
    return sorted(p.stem for p in (FIXTURES / folder).glob("*.jsonl"))


def indicator_cases() -> list[str]:
    return _stems("indicators")


def prepare_cases() -> list[str]:
    return _stems("prepare")


def coverage_cases() -> list[str]:
    return _stems("coverage")
