"""Group organisation records into entities: identifier first, then normalised name, then fuzzy name; every merge
carries its rule, score and a reason, and a user's decisions file is re-applied on every run.

A record is one distinct (name, identifiers) pair as published. Merges are refused when they would join two
clusters that carry different identifiers of the same scheme, different seat cities, or different pins from the
decisions file, so one generic word or one shared spelling cannot chain distinct companies together.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process as rf_process
from rapidfuzz.distance import Levenshtein

from nadzor.entities.decisions import Decisions
from nadzor.entities.names import GENERIC_WORDS, fold, normalise, phonetic

__all__ = ["Record", "Assignment", "Entity", "Resolution", "MatchSettings", "resolve", "normalise_identifier",
           "name_similarity"]

_PLACEHOLDER_IDS = re.compile(r"^(0+|-+|n/?a|none|null|unknown|nepoznat[oa]?)$", re.IGNORECASE)


def normalise_identifier(scheme: str | None, ident: str | None) -> str | None:
    """Return ``SCHEME:ID`` with spaces removed, or None for a missing or placeholder identifier."""
    if ident is None:
        return None
    ident = re.sub(r"\s+", "", str(ident)).strip(".")
    if not ident or _PLACEHOLDER_IDS.match(ident):
        return None
    scheme = (scheme or "UNKNOWN").strip().upper() or "UNKNOWN"
    return f"{scheme}:{ident}"


@dataclass
class Record:
    """One distinct published spelling of an organisation, with the identifiers published with it."""

    name: str
    identifiers: frozenset[str] = frozenset()
    count: int = 1


@dataclass
class Assignment:
    """Why a record belongs to its entity."""

    entity_id: str
    rule: str          # identifier | normalised_name | fuzzy | decision | single
    score: float
    reason: str


@dataclass
class Entity:
    """One organisation: its display name, all spellings and identifiers."""

    entity_id: str
    name: str
    names: list[str]
    identifiers: list[str]
    records: list[int] = field(default_factory=list)


@dataclass
class Resolution:
    """The entities and, per record index, the assignment that explains it."""

    entities: list[Entity]
    assignments: list[Assignment]


@dataclass
class MatchSettings:
    """Thresholds of the fuzzy stage (similarity is 0..1 on spelling-folded names)."""

    threshold: float = 0.90
    short_threshold: float = 0.95   # for the distinctive part when it is shorter than short_length letters
    short_length: int = 11
    word_threshold: float = 0.8     # for each distinctive word against its counterpart
    fuzzy: bool = True


class _Clusters:
    def __init__(self, n: int, scheme_ids: list[dict[str, set[str]]], cities: list[set[str]], pins: list[set[int]]):
        self.parent = list(range(n))
        self.scheme_ids = scheme_ids
        self.cities = cities
        self.pins = pins

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def conflict(self, a: int, b: int, *, check_ids: bool = True) -> str | None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return "already together"
        if self.pins[ra] != self.pins[rb]:
            return "kept apart by a decision"
        if check_ids:
            for scheme, ids in self.scheme_ids[ra].items():
                other = self.scheme_ids[rb].get(scheme)
                if other and not (ids & other):
                    return f"different {scheme} identifiers"
        if self.cities[ra] and self.cities[rb] and not (self.cities[ra] & self.cities[rb]):
            return "different seat cities"
        return None

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        self.parent[rb] = ra
        for scheme, ids in self.scheme_ids[rb].items():
            self.scheme_ids[ra].setdefault(scheme, set()).update(ids)
        self.cities[ra] |= self.cities[rb]


def _digits(key: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\d+", key))


_GENERIC_PHONETIC = frozenset(phonetic(w) for w in GENERIC_WORDS)
_GENERIC_LIST = sorted(_GENERIC_PHONETIC)


@lru_cache(maxsize=200_000)
def _is_generic(token: str) -> bool:
    if token in _GENERIC_PHONETIC:
        return True
    # A misspelt generic word ("securty") is still generic.
    return len(token) >= 6 and rf_process.extractOne(
        token, _GENERIC_LIST, scorer=Levenshtein.normalized_similarity, score_cutoff=0.8) is not None


@lru_cache(maxsize=200_000)
def _distinctive_phonetic(pkey: str) -> str:
    return " ".join(t for t in pkey.split() if not _is_generic(t))


def name_similarity(a: str, b: str, settings: MatchSettings | None = None) -> tuple[float, bool, str]:
    """Return (similarity 0..1, whether it is a match, explanation) of two normalised keys.

    Both the whole names and their distinctive parts (without generic words such as "security", "sistem") are
    compared (Levenshtein, on spelling-folded names), so two companies that share only generic words
    ("Alfa Security" / "Beta Security") do not match. A short distinctive part must match more closely
    ("Telefonika" / "Telefonija" are two companies). Names with different numbers, or with no distinctive word,
    never match.
    """
    settings = settings or MatchSettings()
    pa, pb = phonetic(a), phonetic(b)
    if _digits(a) != _digits(b):
        return 0.0, False, "different numbers in the names"
    da, db = _distinctive_phonetic(pa), _distinctive_phonetic(pb)
    if not da or not db:
        return 0.0, False, "a name made only of generic words"
    whole = Levenshtein.normalized_similarity(pa, pb)
    dist = Levenshtein.normalized_similarity(da, db)
    short = min(len(da.replace(" ", "")), len(db.replace(" ", ""))) < settings.short_length
    needed = settings.short_threshold if short else settings.threshold
    word = _weakest_word(da.split(), db.split())
    ok = whole >= settings.threshold and dist >= needed and word >= settings.word_threshold
    score = min(whole, dist)
    why = (f"'{a}' ~ '{b}': spelling-folded similarity {whole:.2f} (whole name), {dist:.2f} (distinctive part), "
           f"{word:.2f} (least similar word); thresholds {settings.threshold:.2f} / {needed:.2f} / "
           f"{settings.word_threshold:.2f}")
    return score, ok, why


def _weakest_word(wa: list[str], wb: list[str]) -> float:
    """Return the similarity of the least similar pair of corresponding words (0 when the word counts differ).

    A typo changes one word a little; two places or companies differ by a whole word ("Lazarevac" /
    "Požarevac", "Bela" / "Bačka Palanka"), which a shared long prefix ("Dom zdravlja") must not hide.
    """
    if len(wa) != len(wb):
        joined_a, joined_b = "".join(wa), "".join(wb)  # "sekuriti sistem" vs "sekuritisistem"
        return Levenshtein.normalized_similarity(joined_a, joined_b) if joined_a[:3] == joined_b[:3] else 0.0
    return min((_word_similarity(x, y) for x, y in zip(wa, wb)), default=1.0)


def _word_similarity(x: str, y: str) -> float:
    """Similarity of two words; short words and first letters must agree (Rača / Raška, Boljevac / Doljevac)."""
    if x == y:
        return 1.0
    if min(len(x), len(y)) < 5 or x[0] != y[0]:
        return 0.0
    return Levenshtein.normalized_similarity(x, y)


def _blocks(keys: list[str]) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        p = phonetic(key)
        d = _distinctive_phonetic(p).replace(" ", "")
        if len(d) < 3:
            continue
        blocks["p:" + d[:3]].append(i)
        blocks["s:" + d[-3:]].append(i)
    return blocks


def _entity_id(identifiers: Iterable[str], keys: Iterable[str], cities: Iterable[str], taken: set[str]) -> str:
    """A stable id: from the smallest identifier, else from the smallest name key and seat city."""
    ids = sorted(identifiers)
    basis = "id:" + ids[0] if ids else "name:" + sorted(keys)[0] + "@" + ",".join(sorted(cities))
    eid = "E" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]
    n = 1
    while eid in taken:  # same name, kept apart (different cities or a decision)
        n += 1
        eid = "E" + hashlib.sha1(f"{basis}#{n}".encode()).hexdigest()[:12]
    taken.add(eid)
    return eid


def resolve(records: list[Record], decisions: Decisions | None = None,
            settings: MatchSettings | None = None) -> Resolution:
    """Group ``records`` into entities and explain every assignment.

    Order: the decisions file's merges, then shared identifiers, then equal normalised names, then fuzzy names
    (best score first). A decision's "split" pins the named records into their own entity.
    """
    settings = settings or MatchSettings()
    decisions = decisions or Decisions()
    n = len(records)
    norms = [normalise(r.name) for r in records]
    folded = [fold(r.name) for r in records]
    scheme_ids: list[dict[str, set[str]]] = []
    for r in records:
        d: dict[str, set[str]] = {}
        for ident in r.identifiers:
            scheme, _, value = ident.partition(":")
            d.setdefault(scheme, set()).add(value)
        scheme_ids.append(d)
    cities = [{nm.city} if nm.city else set() for nm in norms]
    pins = [decisions.pin_for(folded[i], records[i].identifiers) for i in range(n)]
    clusters = _Clusters(n, scheme_ids, cities, pins)
    # Accepted merges: (a, b, rule, score, why); a reason names the other record when it is explained.
    edges: dict[int, list[tuple[int, str, float, str]]] = defaultdict(list)

    def link(a: int, b: int, rule: str, score: float, reason: str, *, force: bool = False,
             check_ids: bool = True) -> bool:
        if not force and clusters.conflict(a, b, check_ids=check_ids):
            return False
        if clusters.find(a) == clusters.find(b):
            return False
        clusters.union(a, b)
        edges[a].append((b, rule, score, reason))
        edges[b].append((a, rule, score, reason))
        return True

    # 1. The user's decisions.
    for group in decisions.merges:
        members = [i for i in range(n) if group.matches(folded[i], records[i].identifiers)]
        for other in members[1:]:
            link(members[0], other, "decision", 1.0, f"merged by decision ({group.reason}) with '{{other}}'",
                 force=True)

    # 2. Shared identifiers.
    by_id: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        for ident in r.identifiers:
            by_id[ident].append(i)
    for ident, members in sorted(by_id.items()):
        for other in members[1:]:
            link(members[0], other, "identifier", 1.0,
                 f"same identifier {ident} as '{{other}}'", check_ids=False)

    # 3. Equal normalised names.
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, nm in enumerate(norms):
        if nm.key:
            by_key[nm.key].append(i)
    for key, members in sorted(by_key.items()):
        members = sorted(members, key=lambda i: -records[i].count)
        for other in members[1:]:
            for anchor in members:
                if anchor != other and link(anchor, other, "normalised_name", 1.0,
                                            f"same name after normalisation ('{key}') as '{{other}}'"):
                    break

    # 4. Fuzzy names, best first, within blocks.
    if settings.fuzzy:
        keys = sorted(by_key)
        candidates: list[tuple[float, str, str, str]] = []
        seen: set[tuple[int, int]] = set()
        distinct = [_distinctive_phonetic(phonetic(k)) for k in keys]
        cutoff = min(settings.threshold, settings.short_threshold)
        for members in _blocks(keys).values():
            if len(members) < 2:
                continue
            # Vectorised first pass on the distinctive parts; the full test runs only on the pairs that pass.
            texts = [distinct[m] for m in members]
            matrix = rf_process.cdist(texts, texts, scorer=Levenshtein.normalized_similarity, score_cutoff=cutoff,
                                      workers=1)
            xs, ys = matrix.nonzero()
            for x, y in zip(xs.tolist(), ys.tolist()):
                if x >= y:
                    continue
                a, b = members[x], members[y]
                pair = (min(a, b), max(a, b))
                if pair in seen:
                    continue
                seen.add(pair)
                ka, kb = keys[pair[0]], keys[pair[1]]
                score, ok, why = name_similarity(ka, kb, settings)
                if ok:
                    candidates.append((score, ka, kb, why))
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
        for score, ka, kb, why in candidates:
            a, b = by_key[ka][0], by_key[kb][0]
            escaped = why.replace("{", "{{").replace("}", "}}")  # the reason is a template filled with {other}
            link(a, b, "fuzzy", round(score, 4), "similar name to '{other}' (" + escaped + ")")

    # Entities.
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[clusters.find(i)].append(i)
    entities: list[Entity] = []
    assignments: list[Assignment | None] = [None] * n
    taken: set[str] = set()
    for members in sorted(groups.values(), key=lambda m: sorted(folded[i] for i in m)):
        idents = sorted({ident for i in members for ident in records[i].identifiers})
        eid = _entity_id(idents, [norms[i].key or folded[i] for i in members],
                         {norms[i].city for i in members if norms[i].city}, taken)
        spelling = Counter()
        for i in members:
            spelling[records[i].name] += records[i].count
        names = [name for name, _ in sorted(spelling.items(), key=lambda kv: (-kv[1], kv[0]))]
        entities.append(Entity(entity_id=eid, name=names[0], names=names, identifiers=idents, records=sorted(members)))
        # Explain along a spanning tree rooted at the most published spelling: every record shows the merge that
        # attached it to its parent, so each link of a chain appears once.
        root = max(members, key=lambda i: (records[i].count, -i))
        if len(members) == 1:
            assignments[root] = Assignment(eid, "single", 1.0, "no other record matched this name or identifier")
            continue
        queue, seen_nodes = [root], {root}
        root_rule = None
        while queue:
            parent = queue.pop(0)
            for child, rule, score, template in edges[parent]:
                if child in seen_nodes:
                    continue
                seen_nodes.add(child)
                queue.append(child)
                root_rule = root_rule or rule
                assignments[child] = Assignment(eid, rule, score, template.format(other=records[parent].name))
        assignments[root] = Assignment(eid, root_rule or "single", 1.0,
                                       "the entity's most published spelling; the other names were merged into it")
    entities.sort(key=lambda e: e.entity_id)
    return Resolution(entities=entities, assignments=assignments)  # type: ignore[arg-type]
