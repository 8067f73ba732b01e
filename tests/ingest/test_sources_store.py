"""Non-OCDS sources go through the core ingest: archived, stored as releases, flattened, idempotent."""

from pathlib import Path

from nadzor.ingest.sources import ingest_with_adapter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ted"


def test_ted_notices_land_in_the_store_with_per_lot_tender_counts(store):
    report = ingest_with_adapter(store, [FIXTURES / "ted-xml"], "ted")
    assert report.sources == 3 and report.releases == 3
    rows = store.rows("SELECT award_id, related_lots, number_of_tenderers, status, locator FROM awards "
                      "WHERE ocid = 'ted-2018-S-404080' ORDER BY award_index")
    assert [r["number_of_tenderers"] for r in rows] == [5, 3, 5, None, None]
    assert all(r["related_lots"] for r in rows)
    assert store.scalar("SELECT count(*) FROM lots WHERE ocid = 'ted-2018-S-404080'") == 5
    single = store.scalar("SELECT count(*) FROM awards WHERE number_of_tenderers = 1")
    assert single == 1
    assert store.scalar("SELECT adapter FROM sources LIMIT 1") == "ted"
    assert store.scalar("SELECT locator FROM releases WHERE ocid = 'ted-2021-S-008689'") == \
        "/TED_EXPORT/FORM_SECTION/F03_2014[3]"


def test_reingesting_the_same_files_adds_nothing(store):
    ingest_with_adapter(store, [FIXTURES / "ted-xml"], "ted")
    again = ingest_with_adapter(store, [FIXTURES / "ted-xml"], "ted")
    assert again.sources_skipped == 3 and again.releases == 0
    assert store.scalar("SELECT count(*) FROM releases") == 3


def test_table_rows_quarantine_and_warnings_are_stored_with_locators(store, tmp_path):
    table = tmp_path / "nabavke.csv"
    table.write_bytes("Opština;Dobavljač;Iznos;Broj ponuda;Stavke;Dodatno\n"
                      "Opština Čačak;Kamerotehna d.o.o.;1.234.567,89;1;40 kamera;x\n"
                      "Opština Čačak;Kamerotehna d.o.o.;nije broj;1;2 kamere;y\n".encode("cp1250"))
    report = ingest_with_adapter(store, [table], "journalist")
    assert report.releases == 1 and report.quarantined == 1
    assert store.scalar("SELECT locator FROM quarantine WHERE source_id IS NOT NULL") == "R3:Iznos"
    warnings = [r["message"] for r in store.rows("SELECT message FROM warnings")]
    assert any("Windows-1250" in w for w in warnings)
    assert any("Dodatno" in w for w in warnings)
    award = store.rows("SELECT value_amount, number_of_tenderers FROM awards")[0]
    assert award == {"value_amount": 1234567.89, "number_of_tenderers": 1}
    assert store.scalar("SELECT buyer_name FROM processes") == "Opština Čačak"
    assert store.scalar("SELECT quantity FROM items") == 40
    from nadzor.evidence.cameras import contract_camera_counts

    assert contract_camera_counts(store)[0]["cameras"] == 40


def test_staged_files_become_processes_only_after_the_rebuild(store):
    from nadzor.ingest.conversion import rebuild_pending, store_conversion
    from nadzor.ingest.ted import convert_ted

    path = FIXTURES / "ted-xml" / "21-000934-001-EXP.xml"
    store_conversion(store, path, convert_ted(path), adapter="ted", rebuild=False)
    assert store.scalar("SELECT count(*) FROM releases") == 1
    assert store.scalar("SELECT count(*) FROM processes") == 0
    assert rebuild_pending(store) == 1
    assert store.scalar("SELECT number_of_tenderers FROM awards") == 1


def test_unreadable_file_in_a_folder_is_quarantined_and_the_rest_ingests(store, tmp_path):
    import shutil

    folder = tmp_path / "notices"
    folder.mkdir()
    shutil.copy(FIXTURES / "ted-xml" / "21-000934-001-EXP.xml", folder)
    (folder / "broken.xml").write_text("<TED_EXPORT><unclosed>", encoding="utf-8")
    report = ingest_with_adapter(store, [folder], "ted")
    assert report.releases == 1 and report.quarantined == 1
    row = store.rows("SELECT original_path, locator, reason FROM quarantine")[0]
    assert row["original_path"].endswith("broken.xml") and row["locator"] == "file"
    assert "not well-formed" in row["reason"]


def test_corrected_table_with_ids_updates_the_award_instead_of_adding_one(store, tmp_path):
    first = tmp_path / "v1.csv"
    first.write_text("ID;Opština;Dobavljač;Iznos;Datum\nN-1;Opština Primerovo;Kamerotehna;1.000,00;01.02.2021\n",
                     encoding="utf-8")
    second = tmp_path / "v2.csv"
    second.write_text("ID;Opština;Dobavljač;Iznos;Datum\nN-1;Opština Primerovo;Kamerotehna;1.500,00;02.02.2021\n",
                      encoding="utf-8")
    ingest_with_adapter(store, [first], "journalist")
    ingest_with_adapter(store, [second], "journalist")
    assert store.scalar("SELECT count(*) FROM processes") == 1
    assert store.rows("SELECT value_amount FROM awards") == [{"value_amount": 1500.0}]
