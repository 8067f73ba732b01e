"""Match rule terms and CPV codes against texts and decide what a text (or a whole process) buys.

Speed: terms are indexed by the first three letters of their first word; a text is normalised once, split
into words, and only the terms indexed under a word's first letters are tried there, all in one regex match
(each term an optional lookahead group). Results per text are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from nadzor.classify.taxonomy import CAPABILITY_IDS, Rule, Taxonomy, load_taxonomy
from nadzor.classify.text import _LONG, normalize, normalize_text
from nadzor.exceptions import PluginError

__all__ = ["Match", "TextResult", "Unit", "ProcessResult", "Matcher", "get_matcher", "cpv8"]


@lru_cache(maxsize=8192)
def cpv8(code: str | None) -> str | None:
    """Return the first 8 digits of a CPV code (check digits vary between portals), or None."""
    if not code:
        return None
    code = str(code)
    head = code[:8]
    if head.isdigit():
        return head
    digits = "".join(c for c in code if c.isdigit())
    return digits[:8] if len(digits) >= 8 else None


class Match(NamedTuple):
    """One rule hit: where (span in the ORIGINAL text, or None for a CPV code) and what was matched."""

    rule: str
    kind: str
    capability: str | None
    vendor: str | None
    span: tuple[int, int] | None
    matched: str
    scope: str = "span"
    field: str | None = None

    def as_dict(self) -> dict:
        """Return the JSON shape used by the CLI."""
        return {
            "rule": self.rule,
            "capability": self.capability,
            "span": list(self.span) if self.span else None,
            "matched": self.matched,
        }


@dataclass
class TextResult:
    """What one text (or one item with its CPV code) says."""

    is_surveillance: bool
    matches: list[Match]  # the positive and vendor matches that count
    vetoes: list[Match]  # negative matches that removed something or were present

    @property
    def capabilities(self) -> list[str]:
        caps = {m.capability for m in self.matches if m.capability}
        return [c for c in CAPABILITY_IDS if c in caps]

    @property
    def vendors(self) -> list[str]:
        return sorted({m.vendor for m in self.matches if m.vendor})


@dataclass
class Unit:
    """A piece of a process classified together: texts (field, text) and CPV codes (field, code)."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    cpv: list[tuple[str, str]] = field(default_factory=list)
    source_id: str | None = None
    locator: str | None = None


@dataclass
class ProcessResult:
    """The decision for a whole process, with per-unit evidence."""

    is_surveillance: bool
    capabilities: list[str]
    vendors: list[str]
    evidence: list[tuple[Unit, Match]]


def _term_regex(term: str) -> tuple[str, re.Pattern]:
    words: list[str] = []
    for raw in term.split():
        stem = raw.endswith("*")
        parts = normalize_text(raw.rstrip("*")).split()
        for i, p in enumerate(parts):
            words.append(p + ("*" if stem and i == len(parts) - 1 else ""))
    if not words:
        raise PluginError(f"empty classifier term {term!r}")
    pieces = []
    for w in words:
        core = re.escape(w.rstrip("*"))
        pieces.append(core + (r"[^\W_]*" if w.endswith("*") else ""))
    pattern = " *".join(pieces)
    if not words[-1].endswith("*"):
        pattern += r"(?![^\W_])"
    key_word = words[0].rstrip("*")
    return key_word, re.compile(pattern)


class Matcher:
    """A compiled taxonomy: call ``classify_text`` for one text, ``classify_units`` for a process."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self.version = taxonomy.version
        self._yields: dict[str, frozenset[str]] = {}  # rule id -> capabilities it yields to
        by_key: dict[str, list[tuple[str, Rule]]] = {}
        self._cpv: dict[str, list[Rule]] = {}
        for rule in taxonomy.rules:
            if rule.yields_to:
                self._yields[rule.id] = frozenset(rule.yields_to)
            for term in rule.terms:
                key_word, rx = _term_regex(term)
                if len(key_word) < 2:
                    raise PluginError(f"rule {rule.id}: term {term!r} starts with a word shorter than 2 letters")
                entries = by_key.setdefault(key_word[:3], [])
                if (rx.pattern, rule) not in entries:  # a Cyrillic and a Latin spelling normalise alike
                    entries.append((rx.pattern, rule))
            for code in rule.cpv:
                self._cpv.setdefault(code, []).append(rule)
        # One regex per 3-letter key: every term under the key is an optional lookahead group, so one C-level
        # match at a word start reports all the terms that match there (overlapping ones included).
        self._index: dict[str, tuple[re.Pattern, tuple[Rule, ...]]] = {
            key: (re.compile("".join(f"(?:(?=({pat}))|)" for pat, _ in entries)), tuple(r for _, r in entries))
            for key, entries in by_key.items()
        }
        self._cached = lru_cache(maxsize=65536)(self._classify_uncached)
        self._find_cached = lru_cache(maxsize=65536)(self.find)

    # -- matching ----------------------------------------------------------------------------------------------
    def find(self, text: str) -> list[Match]:
        """Return every raw rule hit in ``text`` (before vetoes), spans in the original text."""
        if not text:
            return []
        norm = normalize(text)
        s = norm.text
        index = self._index
        out: list[Match] = []
        to_original = norm.to_original if norm.offsets is not None else None
        pos = 0
        # str.split and a dict lookup per word beat any regex scan of the whole text in CPython
        for word in s.split():
            entry = index.get(word[:3])
            if entry is None:
                continue
            start = s.find(word, pos)
            while start > 0 and s[start - 1].isalnum():  # the word also occurs inside an earlier word
                start = s.find(word, start + 1)
            pos = start + len(word)
            pattern, rules = entry
            m = pattern.match(s, start)
            if m.lastindex is None:
                continue
            for i, g in [(i, g) for i, g in enumerate(m.groups()) if g is not None]:
                if to_original is None:
                    o_start, o_end = start, start + len(g)
                else:
                    o_start, o_end = to_original(start, start + len(g))
                r = rules[i]
                out.append(Match(r.id, r.kind, r.capability, r.vendor, (o_start, o_end), text[o_start:o_end], r.scope))
        return out

    def find_cpv(self, code: str | None) -> list[Match]:
        """Return the rule hits of one CPV code (matched on its first 8 digits)."""
        c8 = cpv8(code)
        if c8 is None:
            return []
        return [Match(r.id, r.kind, r.capability, r.vendor, None, str(code), r.scope) for r in self._cpv.get(c8, ())]

    # -- deciding ----------------------------------------------------------------------------------------------
    def decide(self, hits: list[Match]) -> TextResult:
        """Apply vetoes and strengths to the hits of one unit (see ``Rule`` for the meaning of each kind)."""
        if not hits:
            return _EMPTY
        if len(hits) == 1:  # the common positive case: one hit, nothing to veto or nest
            h = hits[0]
            if h.kind in ("strong", "weak"):
                return TextResult(True, hits, [])
            if h.kind == "vendor":
                return TextResult(False, hits, [])
            return TextResult(False, [], hits if h.kind == "negative" else [])
        negatives = [m for m in hits if m.kind == "negative"]
        pos = [m for m in hits if m.kind != "negative"]
        # spans are offsets into one text: compare them only within the same field
        span_neg = [(m.field, m.span) for m in negatives if m.scope == "span" and m.span]
        if span_neg:
            pos = [m for m in pos if not m.span or not any(
                f == m.field and m.span[0] < e and s < m.span[1] for f, (s, e) in span_neg)]
        # a weak word nested strictly inside a longer hit ("kamere" in "kamere za kontrolu brzine") is the same
        # mention said less precisely; a strong nested hit is its own claim and stays, and so does a vendor name
        spans = [(m.field, m.span) for m in pos if m.span]
        if len(spans) > 1:
            pos = [
                m for m in pos
                if not m.span or m.kind in ("strong", "vendor") or m.vendor or not any(
                    f == m.field and s <= m.span[0] and m.span[1] <= e and (e - s) > (m.span[1] - m.span[0])
                    for f, (s, e) in spans
                )
            ]
        strong_caps = {m.capability for m in pos if m.kind == "strong"}
        if strong_caps:
            yields = self._yields
            pos = [m for m in pos if not (m.rule in yields and yields[m.rule] & strong_caps)]
        if any(m.scope == "text" for m in negatives):
            pos = [m for m in pos if m.kind not in ("weak", "context")]
        if not any(m.kind in ("strong", "weak") for m in pos):
            pos = [m for m in pos if m.kind == "vendor"]
        is_surv = any(m.kind in ("strong", "weak") for m in pos)
        # deduplicate identical evidence (same rule, same place)
        seen = set()
        kept = []
        for m in pos:
            k = (m.rule, m.span, m.matched, m.field)
            if k not in seen:
                seen.add(k)
                kept.append(m)
        return TextResult(is_surv, kept, negatives)

    def _classify_uncached(self, text: str) -> TextResult:
        return self.decide(self.find(text))

    def classify_text(self, text: str) -> TextResult:
        """Classify one text (cached unless it is a long document text)."""
        text = text or ""
        if len(text) > _LONG:
            return self._classify_uncached(text)
        return self._cached(text)

    def classify_unit(self, unit: Unit) -> TextResult:
        """Classify the texts and CPV codes of one unit together (a negative in one vetoes weak hits in all)."""
        hits: list[Match] = []
        for fld, text in unit.texts:
            if not text:
                continue
            for m in (self.find(text) if len(text) > _LONG else self._find_cached(text)):
                hits.append(_with_field(m, fld))
        for fld, code in unit.cpv:
            for m in self.find_cpv(code):
                hits.append(_with_field(m, fld))
        return self.decide(hits)

    def classify_units(self, units: list[Unit]) -> ProcessResult:
        """Classify a process from its units (title, description, each lot, item, document ...)."""
        evidence: list[tuple[Unit, Match]] = []
        caps: set[str] = set()
        vendors: set[str] = set()
        positive = False
        for unit in units:
            res = self.classify_unit(unit)
            vendors.update(res.vendors)
            if res.is_surveillance:
                positive = True
                caps.update(res.capabilities)
            for m in res.matches:
                evidence.append((unit, m))
        if not positive:
            evidence = [(u, m) for u, m in evidence if m.kind == "vendor" or m.vendor]
        return ProcessResult(positive, [c for c in CAPABILITY_IDS if c in caps], sorted(vendors), evidence)


_EMPTY = TextResult(False, [], [])


def _with_field(m: Match, fld: str) -> Match:
    return m._replace(field=fld)


@lru_cache(maxsize=1)
def get_matcher() -> Matcher:
    """Return the matcher for every rule file registered through the plugin hook (built once per process)."""
    return Matcher(load_taxonomy())
