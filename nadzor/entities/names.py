"""Organisation names: transliteration, folding, legal forms, seat cities, and a phonetic key for fuzzy matching.

Serbian names come in Latin and Cyrillic, with or without diacritics, with legal forms written many ways
("d.o.o.", "doo", "DOO", "društvo sa ograničenom odgovornošću") and often a seat city after the legal form
("MAKINA SECURITY DOO Beograd"). ``normalise`` reduces all of these to one key; the original is kept for display.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import cyrtranslit
from rapidfuzz.distance import OSA, Levenshtein

from nadzor.text import fold as shared_fold

__all__ = ["NormalisedName", "fold", "normalise", "phonetic", "distinctive", "GENERIC_WORDS", "LEGAL_FORMS",
           "CITIES"]

# Legal forms, as folded token sequences (longest first when matched). Serbian, regional, and common foreign ones.
LEGAL_FORMS = [
    "drustvo sa ogranicenom odgovornoscu", "drustvo s ogranicenom odgovornoscu", "akcionarsko drustvo",
    "privredno drustvo", "ortacko drustvo", "komanditno drustvo", "preduzetnik", "samostalna radnja",
    "d o o", "doo", "d d", "dd", "a d", "ad", "o d", "od", "k d", "kd", "pr", "szr", "str", "sur", "pd",
    "dooel", "dooel", "d o o e l", "sh p k", "shpk",
    "ltd", "limited", "llc", "inc", "corp", "corporation", "co", "plc", "gmbh", "ag", "kg", "sa", "s a", "srl",
    "s r l", "spa", "s p a", "bv", "b v", "nv", "n v", "ab", "oy", "as", "a s", "sro", "s r o", "kft", "zrt",
    "sp z o o", "company", "sa de cv", "s a de c v", "sapi de cv", "s de rl de cv", "s de r l de c v", "sc",
    "s c", "sas", "s a s", "ltda", "eireli", "me", "epp", "sl", "s l", "sarl", "eurl", "ooo", "tov", "pp", "fop",
]

# Words so common in company names that sharing them says nothing about being the same company.
GENERIC_WORDS = frozenset("""
security sekjuriti sekuriti sistem sistemi system systems sistems tehnologije tehnologija technology technologies
tech tehnik tehnika engineering inzenjering inzinjering trade trejd promet komerc commerce company kompanija group
grupa solutions solusns resenja services servis usluge international internacional global doo export import
eksport uvoz izvoz consulting konsalting networks mreze mreza it telekom telecom elektronik electronic electronics
elektronika centar center plus pro digital digitalni net info invest gradnja montaza projekt project
""".split())

# Seat cities that appear after a legal form ("... DOO Beograd"), folded: every Serbian municipality (cities.txt)
# plus Belgrade's parts and regional capitals.
_EXTRA_CITIES = """
beograd belgrade novi_sad nis kragujevac subotica zrenjanin pancevo cacak novi_pazar kraljevo smederevo leskovac
valjevo krusevac vranje sabac uzice sombor pozarevac pirot zajecar kikinda sremska_mitrovica jagodina vrsac bor
prokuplje loznica ruma indjija stara_pazova obrenovac zemun novi_beograd lazarevac mladenovac ub arandjelovac
paracin cuprija gornji_milanovac ivanjica backa_palanka becej vrbas apatin sid sremski_karlovci temerin
podgorica sarajevo banja_luka skopje zagreb ljubljana tirana pristina pristine vienna wien beijing hangzhou shenzhen
"""


def _load_cities() -> frozenset[str]:
    text = resources.files("nadzor.entities").joinpath("cities.txt").read_text(encoding="utf-8")
    listed = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return frozenset(listed | set(_EXTRA_CITIES.split()))


CITIES = _load_cities()

# Russian letters Serbian lacks, spelt the Russian way ("Щит" -> "shhit", "Сергей" -> "sergej") before the
# shared fold (which spells them the Bulgarian way): keeps the keys and entity ids of Russian names stable.
_RUSSIAN = str.maketrans({c: ("" if c in "ьъЬЪ" else latin)
                          for c, latin in cyrtranslit.mapping.TRANSLIT_DICT["ru"]["tolatin"].items()
                          if c not in cyrtranslit.mapping.TRANSLIT_DICT["sr"]["tolatin"]})
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACES = re.compile(r"\s+")
_QUOTES = re.compile(r"[\"'“”„‘’«»`]")


def fold(text: str) -> str:
    """Fold a name for matching: ``nadzor.text.fold``, then quotes dropped and punctuation made spaces."""
    if not text:
        return ""
    latin = shared_fold(text.translate(_RUSSIAN) if not text.isascii() else text)
    latin = _QUOTES.sub("", latin)
    latin = _PUNCT.sub(" ", latin)
    return _SPACES.sub(" ", latin).strip()


def _legal_form_patterns() -> list[list[str]]:
    forms = sorted({tuple(f.split()) for f in LEGAL_FORMS}, key=len, reverse=True)
    return [list(f) for f in forms]


_FORMS = _legal_form_patterns()
_LONG_FORMS = [f for f in _FORMS if len(f) >= 2 and len(" ".join(f)) >= 12]
_FORMS_BY_LAST: dict[str, list[list[str]]] = {}
for _form in _FORMS:
    _FORMS_BY_LAST.setdefault(_form[-1], []).append(_form)


def _ends_with_form(tokens: list[str]) -> int:
    """Return the length of the legal form that ends ``tokens`` (0 if none); long forms may be misspelt."""
    if not tokens:
        return 0
    for form in _FORMS_BY_LAST.get(tokens[-1], ()):
        if len(tokens) >= len(form) and tokens[-len(form):] == form:
            return len(form)
    # Misspelt long forms: only worth trying when the last word looks like their last word.
    if len(tokens[-1]) >= 6 and Levenshtein.normalized_similarity(tokens[-1], "odgovornoscu") < 0.7:
        return _dotted_run(tokens)
    for form in _LONG_FORMS:
        if len(tokens) > len(form) and Levenshtein.normalized_similarity(
                " ".join(tokens[-len(form):]), " ".join(form)) >= 0.85:
            return len(form)
    return _dotted_run(tokens)


def _dotted_run(tokens: list[str]) -> int:
    """A dotted form with a letter lost ("d. o. .", ".O.O."): a run of two or more of the letters d, o, a."""
    n = 0
    while n < len(tokens) - 1 and tokens[-1 - n] in {"d", "o", "a"}:
        n += 1
    return n if n >= 2 else 0


_PREFIXES = [f.split() for f in ("privredno drustvo", "akcionarsko drustvo", "drustvo sa ogranicenom odgovornoscu",
                                 "pd", "ad", "tov", "ooo", "pat", "zao", "oao")]


def _city_at(tokens: list[str], i: int) -> int:
    """Return the number of tokens of a known city starting at tokens[i] (0 if none); a city of five letters or
    more may be misspelt by one letter ("Kagujevac")."""
    for n in (2, 1):
        if i + n <= len(tokens):
            cand = "_".join(tokens[i:i + n])
            if cand in CITIES or (len(cand) >= 5 and _near_city(cand)):
                return n
    return 0


@lru_cache(maxsize=50_000)
def _near_city(cand: str) -> str | None:
    """Return the known city ``cand`` is one edit (or one swap of neighbours) away from, if any."""
    for c in sorted(CITIES):
        if len(c) >= 5 and abs(len(c) - len(cand)) <= 1 and OSA.distance(c, cand) <= 1:
            return c
    return None


def canonical_city(cand: str) -> str:
    """Return the known city's spelling for a (possibly misspelt) city token sequence joined by "_"."""
    return cand if cand in CITIES else (_near_city(cand) or cand)


@dataclass(frozen=True)
class NormalisedName:
    """A name reduced for matching: ``key`` (no legal form, no seat city), the ``city`` stripped, and the form."""

    key: str
    city: str | None
    legal_form: str | None


@lru_cache(maxsize=200_000)
def normalise(name: str) -> NormalisedName:
    """Reduce an organisation name to its matching key, and the seat city and legal form taken off it.

    A city is taken off only where it follows a legal form or ends the name after a comma/dash, so "Grad Niš"
    (the City of Niš) keeps its city while "Alfa DOO Niš" loses it.
    """
    raw = name or ""
    # A city after a separator at the end: "Alfa doo, Novi Sad" / "Alfa - Beograd".
    tail_city = None
    m = re.match(r"^(.*\S)\s*[,\-–]\s*([^,\-–]+)$", raw)
    if m:
        cand = fold(m.group(2)).split()
        # Only after a legal form: "Alfa doo, Novi Sad" is a seat, "Opština Niš - Palilula" is a name.
        if cand and _city_at(cand, 0) == len(cand) and _ends_with_form(fold(m.group(1)).split()):
            tail_city = canonical_city("_".join(cand))
            raw = m.group(1)
    tokens = fold(raw).split()
    city = tail_city
    form = None
    # From the end: a seat city after a legal form, then the legal form(s) ("... d o o beograd").
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for start in range(max(1, len(tokens) - 3), len(tokens)):
            c = _city_at(tokens, start)
            if c and start + c == len(tokens) and start > 0 and _ends_with_form(tokens[:start]):
                city = city or canonical_city("_".join(tokens[start:]))
                tokens = tokens[:start]
                changed = True
                break
        n = _ends_with_form(tokens)
        if n and len(tokens) > n:
            form = form or " ".join(tokens[-n:])
            tokens = tokens[:-n]
            changed = True
    # Prefix forms: "Privredno društvo ...", "PD ...", "Akcionarsko društvo ...".
    for prefix in _PREFIXES:
        if tokens[:len(prefix)] == prefix and len(tokens) > len(prefix):
            form = form or " ".join(prefix)
            tokens = tokens[len(prefix):]
            break
    key = " ".join(tokens)
    return NormalisedName(key=key, city=city, legal_form=form)


_PHONETIC_RULES = [
    (re.compile(r"ph"), "f"), (re.compile(r"th"), "t"), (re.compile(r"ck"), "k"), (re.compile(r"ch"), "k"),
    (re.compile(r"qu"), "kv"), (re.compile(r"q"), "k"), (re.compile(r"x"), "ks"), (re.compile(r"w"), "v"),
    (re.compile(r"c"), "k"), (re.compile(r"y"), "i"),
    # Serbian renderings of English loanwords: "sekjuriti" for "security", "kompjuter" for "computer".
    (re.compile(r"(?<=[kp])j(?=[uoae])"), ""),
    (re.compile(r"(.)\1+"), r"\1"),
]


@lru_cache(maxsize=200_000)
def phonetic(key: str) -> str:
    """Return a spelling-insensitive form of a normalised key (c/k, y/i, doubled letters, "kj" for "c")."""
    out = key
    for pattern, repl in _PHONETIC_RULES:
        out = pattern.sub(repl, out)
    return out


def distinctive(key: str) -> str:
    """Return the key without generic words ("security", "sistem", "trade"...): what tells companies apart."""
    words = [w for w in key.split() if w not in GENERIC_WORDS]
    return " ".join(words)
