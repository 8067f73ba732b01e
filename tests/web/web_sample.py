"""A small, realistic, entirely fictional store for the web tests.

Names are invented (no real organisation is described). Titles and names carry markup payloads so tests can
check that every page escapes what comes from data; Cyrillic and Latin spellings of the same names test the
script-insensitive search and the entity merge display.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

XSS = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(2)>"
SOURCE = "a" * 64

BUYERS = {
    "RS-MB-90000001": ("Opština Primerovo", "Kraljevo"),
    "RS-MB-90000002": (f"JKP Svetionik {XSS}", "Ниш"),
    "RS-MB-90000003": ("Gradska uprava grada Izmišljen", "Subotica"),
}
SUPPLIERS = {
    "RS-MB-80000001": "Kamera Tech d.o.o.",
    "RS-MB-80000001b": "KAMERA TECH DOO",
    "RS-MB-80000001c": "Камера Тек д.о.о.",
    "RS-MB-80000002": f"{XSS_IMG} Vision Ltd",
    "RS-MB-80000003": "Optika Šumić d.o.o.",
}

# ocid, title, buyer, date, bids [(supplier id, amount)], award supplier, capabilities, value
PROCESSES = [
    ("ocds-test-0001", "Nabavka kamera za video nadzor", "RS-MB-90000001", "2022-03-01",
     ["RS-MB-80000001"], "RS-MB-80000001", ["cctv"], 1_200_000.0),
    ("ocds-test-0002", "Систем за препознавање лица", "RS-MB-90000001", "2023-05-10",
     ["RS-MB-80000001c"], "RS-MB-80000001c", ["facial_recognition"], 9_500_000.0),
    ("ocds-test-0003", f"{XSS} ANPR kamere", "RS-MB-90000002", "2023-09-15",
     ["RS-MB-80000002", "RS-MB-80000003"], "RS-MB-80000002", ["anpr"], 3_300_000.0),
    ("ocds-test-0004", "Održavanje softvera za analitiku videa", "RS-MB-90000003", "2024-02-20",
     ["RS-MB-80000003", "RS-MB-80000001", "RS-MB-80000002"], "RS-MB-80000003", ["video_analytics"], 800_000.0),
    ("ocds-test-0005", "Kancelarijski materijal", "RS-MB-90000003", "2024-04-01",
     ["RS-MB-80000003"], "RS-MB-80000003", None, 150_000.0),
    ("ocds-test-0006", "Čišćenje prostorija", "RS-MB-90000002", "2022-06-01",
     [], None, None, 90_000.0),
    ("ocds-test-0007", "Kamere za nadzor saobraćaja", "RS-MB-90000002", "2024-07-07",
     ["RS-MB-80000001b"], "RS-MB-80000001b", ["anpr", "cctv"], 4_100_000.0),
    ("ocds-test-0008", "Nadogradnja sistema video nadzora", "RS-MB-90000001", "2025-01-15",
     [], None, ["cctv"], 2_000_000.0),
]


def build_sample_store(store) -> None:
    """Fill an empty, migrated store with the fictional sample (all tables, analysis results included)."""
    con = store.con
    now = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
    con.execute(
        """INSERT INTO sources (source_id, original_path, archived_path, size, media_type, format, adapter, publisher,
           licence, origin_url, retrieved_at, ingested_at, status, n_releases)
           VALUES (?, 'samples/fictional.json', ?, 1234, 'application/json', 'release_package', 'ocds',
                   'Fictional Procurement Office', 'CC BY 4.0 (fictional sample)', 'https://example.org/data.json',
                   ?, ?, 'complete', 8)""",
        [SOURCE, f"{SOURCE[:2]}/{SOURCE}", now, now],
    )
    for i, (ocid, title, buyer, date, bidders, winner, caps, value) in enumerate(PROCESSES):
        bname, locality = BUYERS[buyer]
        compiled = {"ocid": ocid, "id": f"{ocid}-compiled", "date": date, "tag": ["compiled"],
                    "tender": {"title": title}, "buyer": {"id": buyer, "name": bname}}
        loc = f"/releases/{i}"
        con.execute(
            """INSERT INTO processes (ocid, compiled, compiled_from, release_count, date, title, description, status,
               buyer_id, buyer_name, procurement_method, main_procurement_category, tender_value_amount,
               tender_value_currency, tender_start, number_of_tenderers, award_value_amount, award_value_currency,
               contract_value_amount, contract_value_currency, language, source_id, locator)
               VALUES (?, ?, 'merged', 1, ?, ?, ?, ?, ?, ?, 'open', 'goods', ?, 'RSD', ?, ?, ?, ?, ?, ?, 'sr', ?, ?)""",
            [ocid, json.dumps(compiled), date, title, f"Opis: {title}", "complete" if winner else "active", buyer,
             bname, value, date, len(bidders) if bidders else None, value if winner else None,
             "RSD" if winner else None, value if winner else None, "RSD" if winner else None, SOURCE, loc],
        )
        con.execute("""INSERT INTO parties (ocid, party_id, name, identifier_scheme, identifier_id, roles, locality,
                       country_name, source_id, locator) VALUES (?, ?, ?, 'RS-MB', ?, ['buyer'], ?, 'Srbija', ?, ?)""",
                    [ocid, buyer, bname, buyer[6:], locality, SOURCE, f"{loc}/parties/0"])
        con.execute("""INSERT INTO items (ocid, origin, item_id, description, classification_scheme, classification_id,
                       quantity, unit_name, source_id, locator) VALUES (?, 'tender', '1', ?, 'CPV', '32323500', 4,
                       'kom', ?, ?)""", [ocid, f"Stavka: {title}" if caps else "Papir A4", SOURCE,
                                         f"{loc}/tender/items/0"])
        for j, sup in enumerate(bidders):
            con.execute("""INSERT INTO parties (ocid, party_id, name, roles, source_id, locator)
                           VALUES (?, ?, ?, ['tenderer'], ?, ?)""",
                        [ocid, sup, SUPPLIERS[sup], SOURCE, f"{loc}/parties/{j + 1}"])
            con.execute("""INSERT INTO bids (ocid, bid_id, bid_index, status, value_amount, value_currency, source_id,
                           locator) VALUES (?, ?, ?, 'valid', ?, 'RSD', ?, ?)""",
                        [ocid, f"bid-{j}", j, value * (1 + j / 10), SOURCE, f"{loc}/bids/details/{j}"])
            con.execute("""INSERT INTO bid_tenderers (ocid, bid_id, bid_index, tenderer_id, tenderer_name, source_id,
                           locator) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                        [ocid, f"bid-{j}", j, sup, SUPPLIERS[sup], SOURCE, f"{loc}/bids/details/{j}/tenderers/0"])
        if winner:
            con.execute("""INSERT INTO awards (ocid, award_id, award_index, title, status, date, value_amount,
                           value_currency, source_id, locator) VALUES (?, 'award-1', 0, ?, 'active', ?, ?, 'RSD', ?, ?)""",
                        [ocid, f"Odluka: {title}", date, value, SOURCE, f"{loc}/awards/0"])
            con.execute("""INSERT INTO award_suppliers (ocid, award_id, award_index, supplier_id, supplier_name,
                           source_id, locator) VALUES (?, 'award-1', 0, ?, ?, ?, ?)""",
                        [ocid, winner, SUPPLIERS[winner], SOURCE, f"{loc}/awards/0/suppliers/0"])
            con.execute("""INSERT INTO contracts (ocid, contract_id, award_id, title, status, date_signed, value_amount,
                           value_currency, source_id, locator) VALUES (?, 'c-1', 'award-1', ?, 'active', ?, ?, 'RSD',
                           ?, ?)""", [ocid, f"Ugovor: {title}", date, value, SOURCE, f"{loc}/contracts/0"])
        con.execute("""INSERT INTO classifications VALUES (?, ?, ?, ?, NULL, 'test-1', ?)""",
                    [ocid, bool(caps), caps or [], ["Fictional Vendor"] if caps else [], now])
        for cap in caps or []:
            con.execute("""INSERT INTO classification_evidence VALUES (?, ?, ?, 'tender/title', 0, 6, ?, ?, ?)""",
                        [ocid, cap, f"{cap}-keywords", title[:6], SOURCE, f"{loc}/tender/title"])
    con.execute("""INSERT INTO amendments (ocid, parent, parent_id, amendment_id, date, rationale, source_id, locator)
                   VALUES ('ocds-test-0001', 'contract', 'c-1', 'am-1', '2022-09-01', ?, ?, '/releases/0/contracts/0/amendments/0')""",
                [f"Produžen rok {XSS}", SOURCE])
    con.execute("""INSERT INTO documents (ocid, parent, document_id, document_type, title, url, source_id, locator)
                   VALUES ('ocds-test-0001', 'tender', 'd-1', 'tenderNotice', 'Poziv', 'javascript:alert(3)', ?, 'x'),
                          ('ocds-test-0001', 'tender', 'd-2', 'tenderNotice', 'Odluka', 'https://example.org/d.pdf', ?, 'y')""",
                [SOURCE, SOURCE])
    findings = [
        ("R003", "process", "ocds-test-0001", "ocds-test-0001", 1.0, "Only one bid was received."),
        ("R003", "process", "ocds-test-0002", "ocds-test-0002", 1.0, "Only one bid was received."),
        ("R003", "process", "ocds-test-0007", "ocds-test-0007", 1.0, f"Only one bid {XSS} was received."),
        ("NZ01", "buyer", "RS-MB-90000001", None, 1.0, "This buyer bought surveillance technology from one supplier only."),
    ]
    for code, st, sid, ocid, value, expl in findings:
        con.execute("""INSERT INTO findings VALUES (?, ?, '1.0', ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [f"{code}-{sid}", code, st, sid, ocid, value,
                     expl + " This is a risk indicator, not proof of wrongdoing.",
                     json.dumps([{"ocid": ocid or "ocds-test-0001", "source_id": SOURCE, "locator": "/releases/0"}]),
                     json.dumps({"threshold": 1}), now])
    con.execute("""INSERT INTO entities VALUES ('E-kamera', 'Kamera Tech d.o.o.', ?, ['RS-MB:80000001'], 'organisation')""",
                [[SUPPLIERS["RS-MB-80000001"], SUPPLIERS["RS-MB-80000001b"], SUPPLIERS["RS-MB-80000001c"]]])
    for ocid, pid, rule, score, reason in [
        ("ocds-test-0001", "RS-MB-80000001", "identifier", 1.0, "same company number RS-MB 80000001"),
        ("ocds-test-0002", "RS-MB-80000001c", "normalised_name", 0.97, "same name after transliteration"),
        ("ocds-test-0007", "RS-MB-80000001b", "normalised_name", 0.95, f"same name after removing 'd.o.o.' {XSS}"),
        ("ocds-test-0004", "RS-MB-80000001", "identifier", 1.0, "same company number RS-MB 80000001"),
    ]:
        con.execute("INSERT INTO party_entities VALUES (?, ?, 'E-kamera', ?, ?, ?)", [ocid, pid, rule, score, reason])
