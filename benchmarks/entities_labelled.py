"""Build the labelled name-variant set (tests/fixtures/entities/variants.csv) and measure entity resolution on it.

Usage:
    python benchmarks/entities_labelled.py --write   # regenerate the fixture (deterministic)
    python benchmarks/entities_labelled.py           # print pairwise precision / recall / F1 per method
    python benchmarks/entities_labelled.py --scale 20000   # time resolution of N distinct synthetic names

All company names are fictional. Each company gets variants the way Serbian procurement data spells them:
Cyrillic, legal forms (d.o.o., doo, DOO, d. o. o., društvo sa ograničenom odgovornošću, a.d., Ltd, GmbH), a seat
city after the legal form, upper case, quotes, folded diacritics, and a one-letter typo; a registry number on some.
Pairs of distinct companies with similar names (sharing generic words, one letter apart, numbered) test false merges.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from itertools import combinations
from pathlib import Path

import cyrtranslit

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "entities" / "variants.csv"

# (company key, base name, form family, seat city). Fictional.
COMPANIES = [
    ("makina", "Makina Security", "doo", "Beograd"),
    ("zoran_tel", "Zorantel Komunikacije", "doo", "Novi Sad"),
    ("vidik", "Vidik Sistemi", "doo", "Niš"),
    ("vidikovac", "Vidikovac Gradnja", "doo", "Beograd"),
    ("alfa_sec", "Alfaroš Security", "doo", "Beograd"),
    ("beta_sec", "Betarin Security", "doo", "Beograd"),
    ("kameleon", "Kameleon Video", "doo", "Kragujevac"),
    ("kamelot", "Kamelot Video", "doo", "Kragujevac"),
    ("oko", "Sokolovo Oko", "doo", "Subotica"),
    ("dunav_net", "Dunavnet Inženjering", "doo", "Novi Sad"),
    ("dunav_tech", "Dunavska Tehnika", "doo", "Pančevo"),
    ("srbotel", "Srbotelek Trade", "doo", "Beograd"),
    ("javor", "Javorak Elektronik", "doo", "Čačak"),
    ("javor2", "Javorak Elektronik 2", "doo", "Čačak"),
    ("stražar", "Stražarski Sistemi", "ad", "Beograd"),
    ("tvrđava", "Tvrđava Bezbednost", "doo", "Smederevo"),
    ("morava", "Moravski Signal", "doo", "Kruševac"),
    ("moravac", "Moravac Signal", "doo", "Kruševac"),
    ("nebo", "Nebojša Đurić PR Elektro", "pr", "Valjevo"),
    ("lux", "Luxorion Technologies", "ltd", None),
    ("helm", "Helmwacht Sicherheit", "gmbh", None),
    ("panon", "Panonija Kamere", "doo", "Sombor"),
    ("panorama", "Panorama Kamere", "doo", "Sombor"),
    ("zlatibor", "Zlatiborski Nadzor", "doo", "Užice"),
    ("rudnik", "Rudničanin Komerc", "doo", "Gornji Milanovac"),
    ("telefonika", "Telefonika", "doo", "Beograd"),
    ("telefonija", "Telefonija", "doo", "Beograd"),
    ("vizija_bg", "Vizija Plus", "doo", "Beograd"),
    ("vizija_ns", "Vizija Plus", "doo", "Novi Sad"),
    ("orao", "Orlovsko Gnezdo Solutions", "doo", "Kraljevo"),
    ("iris", "Irisoft Biometrija", "doo", "Beograd"),
    ("irida", "Iridaton Biometrija", "doo", "Beograd"),
    ("centar", "Centar Bezbednosti Šumadija", "doo", "Kragujevac"),
    ("sigurnost", "Sigurnosni Sistemi Jug", "doo", "Leskovac"),
    ("sigurnost_sever", "Sigurnosni Sistemi Sever", "doo", "Subotica"),
    ("kosmaj", "Kosmajac Promet", "doo", "Mladenovac"),
    ("fruska", "Fruškogorac Tech", "doo", "Novi Sad"),
    ("timok", "Timočka Mreža", "doo", "Zaječar"),
    ("pčinja", "Pčinjski Video Centar", "doo", "Vranje"),
    ("drina", "Drinski Optik", "doo", "Loznica"),
]

FORMS = {
    "doo": ["d.o.o.", "doo", "DOO", "d. o. o.", "D.O.O.", "društvo sa ograničenom odgovornošću"],
    "ad": ["a.d.", "AD", "ad", "A.D."],
    "pr": ["PR", "pr"],
    "ltd": ["Ltd", "Ltd.", "Limited", "LTD"],
    "gmbh": ["GmbH", "GMBH", "Gmbh"],
}


def _fold_diacritics(s: str) -> str:
    return s.translate(str.maketrans({"š": "s", "č": "c", "ć": "c", "ž": "z", "đ": "dj", "Š": "S", "Č": "C",
                                      "Ć": "C", "Ž": "Z", "Đ": "Dj"}))


def _typo(s: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(s) if c.isalpha() and i > 2]
    i = rng.choice(letters)
    kind = rng.choice(["drop", "swap", "double"])
    if kind == "drop":
        return s[:i] + s[i + 1:]
    if kind == "double":
        return s[:i] + s[i] + s[i:]
    if i + 1 < len(s) and s[i + 1].isalpha():
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + s[i + 1:]


def build(seed: int = 5) -> list[dict]:
    """Return the labelled rows: company, name, identifier (or empty)."""
    rng = random.Random(seed)
    rows = []
    for n, (key, base, family, city) in enumerate(COMPANIES):
        pib = f"RS-PIB:1{n:02d}4{n:03d}7{n % 10}" if rng.random() < 0.8 else ""
        variants = set()
        for _ in range(rng.randint(4, 7)):
            form = rng.choice(FORMS[family])
            name = f"{base} {form}"
            if city and rng.random() < 0.35:
                name += f" {city}" if rng.random() < 0.6 else f", {city}"
            if rng.random() < 0.2:
                name = name.upper()
            if rng.random() < 0.15:
                name = f'"{base}" {form}'
            if rng.random() < 0.15:
                name = _fold_diacritics(name)
            if rng.random() < 0.12:
                name = _typo(name, rng)
            if family in ("doo", "ad", "pr") and rng.random() < 0.3:
                name = cyrtranslit.to_cyrillic(name, "sr")
            variants.add(name)
        for name in sorted(variants):
            ident = pib if pib and rng.random() < 0.4 else ""
            rows.append({"company": key, "name": name, "identifier": ident})
    # The published case's spellings (fictional company): phonetic spellings of a loanword and a doubled consonant.
    rows += [
        {"company": "makina", "name": "Macchina Security d.o.o.", "identifier": ""},
        {"company": "makina", "name": "Maccina Security doo Beograd", "identifier": ""},
        {"company": "makina", "name": "Makina Sekjuriti d.o.o.", "identifier": ""},
        {"company": "makina", "name": "Макина Секјурити доо", "identifier": ""},
        {"company": "makina", "name": "Makina Securty d.o.o.", "identifier": ""},
    ]
    return rows


def write(rows: list[dict]) -> None:
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    with FIXTURE.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["company", "name", "identifier"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def load() -> list[dict]:
    with FIXTURE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def pairwise(truth: list[str], predicted: list[str]) -> dict:
    """Return pairwise precision, recall and F1 of a clustering against the truth labels."""
    tp = fp = fn = 0
    for i, j in combinations(range(len(truth)), 2):
        same_t = truth[i] == truth[j]
        same_p = predicted[i] == predicted[j]
        tp += same_t and same_p
        fp += same_p and not same_t
        fn += same_t and not same_p
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "false_merges": fp, "missed": fn}


def evaluate(rows: list[dict], method: str) -> dict:
    """Cluster the rows with one method and score it: raw, lower, normalised, normalised+identifiers, full."""
    from nadzor.entities.names import fold, normalise
    from nadzor.entities.resolve import MatchSettings, Record, normalise_identifier, resolve

    truth = [r["company"] for r in rows]
    if method == "exact raw name":
        pred = [r["name"] for r in rows]
    elif method == "exact folded name":
        pred = [fold(r["name"]) for r in rows]
    elif method == "normalised name only":
        pred = [normalise(r["name"]).key for r in rows]
    else:
        records = []
        for r in rows:
            scheme, _, value = r["identifier"].partition(":")
            ident = normalise_identifier(scheme, value) if r["identifier"] else None
            records.append(Record(name=r["name"], identifiers=frozenset([ident] if ident else [])))
        settings = MatchSettings(fuzzy=method != "identifier + normalised name")
        res = resolve(records, settings=settings)
        pred = [a.entity_id for a in res.assignments]
    return pairwise(truth, pred)


METHODS = ["exact raw name", "exact folded name", "normalised name only", "identifier + normalised name",
           "identifier + normalised + fuzzy (nadzor)"]


def scale(n: int, seed: int = 1) -> None:
    """Time the resolver on ``n`` distinct synthetic names (random syllables, generic words, forms, 30 % Cyrillic)."""
    from nadzor.entities.resolve import Record, resolve

    rng = random.Random(seed)
    syllables = ["ka", "me", "lo", "vi", "dik", "zor", "tel", "mo", "ra", "va", "sig", "nal", "pan", "no", "ni", "ja",
                 "dr", "ina", "op", "tik", "sre", "bro", "zla", "to", "be", "ta", "al", "fa", "gra", "dnja"]
    generic = ["Security", "Sistemi", "Trade", "Inženjering", "Komerc", "Tehnika", "Promet", "Group", "Solutions",
               "Elektronik", ""]
    forms = ["d.o.o.", "doo", "DOO", "d. o. o.", "ad", ""]
    names: set[str] = set()
    while len(names) < n:
        base = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()
        name = f"{base} {rng.choice(generic)} {rng.choice(forms)}".strip()
        names.add(cyrtranslit.to_cyrillic(name, "sr") if rng.random() < 0.3 else name)
    t = time.perf_counter()
    res = resolve([Record(x) for x in sorted(names)])
    print(f"{n} distinct names -> {len(res.entities)} entities in {time.perf_counter() - t:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate the fixture")
    parser.add_argument("--scale", type=int, default=0, help="time N distinct synthetic names instead")
    args = parser.parse_args(argv)
    if args.scale:
        scale(args.scale)
        return 0
    if args.write:
        write(build())
    rows = load()
    print(f"{len(rows)} records, {len({r['company'] for r in rows})} companies")
    print("| method | pairwise precision | recall | F1 | false merges | missed pairs | time |")
    print("|---|---|---|---|---|---|---|")
    for method in METHODS:
        t = time.perf_counter()
        m = evaluate(rows, method)
        dt = time.perf_counter() - t
        print(f"| {method} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['false_merges']} | "
              f"{m['missed']} | {dt:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
