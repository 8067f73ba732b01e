"""Spreadsheet conversion through mappings; every table here is made up (fictional names)."""

import pytest

from nadzor.adapters import get_adapter
from nadzor.adapters.metadata import AdapterMetadata
from nadzor.ingest.spreadsheet import convert_table, parse_items

JOURNALIST_CSV = (
    "Opština;Datum;Dobavljač;Iznos;Broj ponuda;Stavke;Prepoznavanje lica;Izvor\n"
    "Opština Primerovo;12.03.2021;Kamerotehna d.o.o.;1.234.567,89;1;40 kamera; 2 servera;da;odluka-12.pdf\n"
    "Grad Izmišljevac;01.02.2022;Video Nadzor Test d.o.o.;980.000,00;3;12 kom kamera;ne;https://example.org/d.pdf\n"
)


def _write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_journalist_table_rows_become_award_releases(tmp_path):
    path = _write(tmp_path, "t.csv", JOURNALIST_CSV.replace("40 kamera; 2 servera", '"40 kamera; 2 servera"')
                  .replace(";40 kamera", ";40 kamera"))
    # The items cell holds a ';' so the row is quoted in the file.
    conv = get_adapter("journalist").convert(path)
    assert not conv.quarantined
    assert [loc for loc, _ in conv.releases] == ["R2", "R3"]
    release = conv.releases[0][1]
    assert release["buyer"]["name"] == "Opština Primerovo"
    assert release["awards"][0]["value"] == {"amount": 1234567.89, "currency": "RSD"}
    assert release["awards"][0]["numberOfTenderers"] == 1
    assert release["awards"][0]["date"] == "2021-03-12T00:00:00Z"
    assert release["tender"]["hasFacialRecognition"] is True
    assert [(i["description"], i["quantity"]) for i in release["tender"]["items"]] == [
        ("kamera", 40.0), ("servera", 2.0)]
    assert release["tender"]["documents"][0]["title"] == "odluka-12.pdf"
    assert conv.releases[1][1]["tender"]["documents"][0]["url"] == "https://example.org/d.pdf"


def test_same_row_gives_the_same_release_id(tmp_path):
    path = _write(tmp_path, "t.csv", JOURNALIST_CSV.replace("40 kamera; 2 servera", '"40 kamera; 2 servera"'))
    a = get_adapter("journalist").convert(path)
    b = get_adapter("journalist").convert(path)
    assert [r["id"] for _, r in a.releases] == [r["id"] for _, r in b.releases]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_other_delimiters_are_detected(tmp_path, delimiter):
    rows = [["Municipality", "Supplier", "Amount"], ["Opština Primerovo", "Kamerotehna", "1000"]]
    path = _write(tmp_path, "t.csv", "\n".join(delimiter.join(r) for r in rows) + "\n")
    conv = get_adapter("journalist").convert(path)
    assert conv.releases[0][1]["awards"][0]["suppliers"][0]["name"] == "Kamerotehna"


@pytest.mark.parametrize("codec", ["cp1250", "cp1251"])
def test_windows_encodings_decode_with_a_recorded_warning(tmp_path, codec):
    header, name = ("Opština", "Opština Čačak") if codec == "cp1250" else ("Општина", "Општина Чачак")
    path = _write(tmp_path, "t.csv", f"{header};Iznos\n{name};1.000,00\n", encoding=codec)
    conv = get_adapter("journalist").convert(path)
    assert conv.encoding == codec
    assert conv.releases[0][1]["buyer"]["name"] == name
    assert any("not UTF-8" in message for _, message in conv.warnings)


def test_merged_header_rows_and_title_rows_are_found(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Pregled nabavki (izmišljeni podaci)"])
    ws.append(["Naručilac", None, "Ugovor", None])
    ws.append(["Naziv", "Opština", "Dobavljač", "Iznos"])
    ws.append(["Opština Primerovo", "Primerovo", "Kamerotehna", "2.000,50"])
    ws.merge_cells("A2:B2")
    ws.merge_cells("C2:D2")
    path = tmp_path / "t.xlsx"
    wb.save(path)
    meta = AdapterMetadata(name="merged", title="t", columns={
        "Naručilac / Naziv": "buyer_name", "Naručilac / Opština": "municipality",
        "Ugovor / Dobavljač": "supplier_name", "Ugovor / Iznos": "amount"})
    conv = convert_table(path, meta)
    assert [loc for loc, _ in conv.releases] == ["R4"]
    release = conv.releases[0][1]
    assert release["buyer"]["name"] == "Opština Primerovo"
    assert release["awards"][0]["value"]["amount"] == 2000.5
    assert any("header found at row 2 spanning 2" in m for _, m in conv.warnings)


def test_bad_number_quarantines_the_row_with_row_and_column(tmp_path):
    path = _write(tmp_path, "t.csv", "Opština;Iznos;Datum\nPrimerovo;1.2.3,4.5;01.01.2021\nIzmišljevac;100;01.01.2021\n")
    conv = get_adapter("journalist").convert(path)
    assert len(conv.releases) == 1
    locator, reason, raw = conv.quarantined[0]
    assert locator == "R2:Iznos"
    assert "separators" in reason
    assert "Primerovo" in raw


def test_bad_date_quarantines_the_row(tmp_path):
    path = _write(tmp_path, "t.csv", "Opština;Datum\nPrimerovo;31.02.2021\n")
    conv = get_adapter("journalist").convert(path)
    assert conv.releases == []
    assert conv.quarantined[0][0] == "R2:Datum"
    assert "not a valid date" in conv.quarantined[0][1]


def test_unknown_column_warns_instead_of_vanishing(tmp_path):
    path = _write(tmp_path, "t.csv", "Opština;Iznos;Komentar urednika\nPrimerovo;100;proveriti\n")
    conv = get_adapter("journalist").convert(path)
    assert any(loc == "R1:Komentar urednika" and "neither mapped nor ignored" in m for loc, m in conv.warnings)


def test_serbian_export_mapping_reads_its_documented_columns(tmp_path):
    header = ("MaticniBroj;NazivNarucioca;PIB;ID_Dokument;NazivDokumenta;PredmetNabavke;Link;"
              "OdlukaODodeliUgovora;IdVrstaPostupka;VrstaPredmeta;DatumPoslednjeIzmene")
    row = ("12345678;Opština Primerovo;100000001;9001;Odluka o dodeli ugovora;Nabavka kamera za video nadzor;"
           "https://example.org/9001;1;1;Dobra;15.06.2019")
    path = _write(tmp_path, "OpenData.csv", f"{header}\n{row}\n", encoding="cp1250")
    adapter = get_adapter("rs-ujn-opendata")
    assert adapter.metadata.verified is False
    conv = adapter.convert(path)
    assert not conv.quarantined
    release = conv.releases[0][1]
    assert release["ocid"] == "rs-ujn-9001"
    assert release["tag"] == ["award"]
    assert release["tender"]["mainProcurementCategory"] == "goods"
    assert release["date"] == "2019-06-15T00:00:00Z"
    assert release["parties"][0]["identifier"]["id"] == "12345678"
    # The procedure code lookup is empty until verified: kept raw, with a warning.
    assert release["tender"]["procurementMethodDetails"] == "1"
    assert not any("neither mapped" in m for _, m in conv.warnings)


def test_bosnian_award_export_mapping(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ugovorni organ (UO)", "UO: PIB", "Naziv postupka", "Broj postupka", "Vrsta postupka",
               "Glavni CPV kod", "Broj primljenih ponuda", "Broj prihvatljivih ponuda",
               "Vrijednost ugovora/okvirnog sporazuma", "Datum zakljucenja ugovora",
               "Odabrani ponudjac / nosilac grupe ponudjaca (PON)", "PON: IDB/JMBG", "PON: Drzava"])
    ws.append(["Općina Primjerovo", "4200000000001", "Nabavka opreme za video nadzor", "123-1-1-1/21",
               "Otvoreni postupak", "35125300-2", 1, 1, "45.000,00", "03.04.2021", "Kamerotehna d.o.o.",
               "4200000000002", "BA"])
    path = tmp_path / "ejn.xlsx"
    wb.save(path)
    conv = get_adapter("ba-ejn-awards").convert(path)
    assert not conv.quarantined, conv.quarantined
    release = conv.releases[0][1]
    assert release["ocid"] == "ba-ejn-123-1-1-1/21"
    assert release["tender"]["procurementMethod"] == "open"
    assert release["tender"]["items"][0]["classification"]["id"] == "35125300"
    award = release["awards"][0]
    assert award["numberOfTenderers"] == 1 and award["numberOfValidTenders"] == 1
    assert award["value"] == {"amount": 45000.0, "currency": "BAM"}
    assert award["date"] == "2021-04-03T00:00:00Z"


def test_assertions_warn_when_fill_rate_is_low(tmp_path):
    meta = AdapterMetadata(name="x", title="x", columns={"Opština": "municipality", "Iznos": "amount"},
                           assertions={"min_rows": 3, "fill_rates": {"amount": 0.9}})
    path = _write(tmp_path, "t.csv", "Opština;Iznos\nPrimerovo;\nIzmišljevac;100\n")
    conv = convert_table(path, meta)
    messages = [m for _, m in conv.warnings]
    assert any("only 2 data rows" in m for m in messages)
    assert any("amount is filled in 50%" in m for m in messages)


def test_items_text_splits_into_quantities():
    assert parse_items("40 kamera; 2 x server\n1 softver za prepoznavanje") == [
        {"description": "kamera", "quantity": 40.0}, {"description": "server", "quantity": 2.0},
        {"description": "softver za prepoznavanje", "quantity": 1.0}]
    assert parse_items("kamere") == [{"description": "kamere"}]


def test_new_portal_json_grid_export_reads_through_its_mapping(tmp_path):
    import json

    grid = [{"Id": 40001, "Name": "Nabavka opreme za video nadzor (fictional)", "EstimatedValue": 2500000.0,
             "TypeContract": "Dobra", "ProcedureTypeId": 1, "CPVExtended": "35125300 - Sigurnosne kamere",
             "SubmissionDeadline": "2021-05-10T12:00:00", "BusinessEntityName": "Opština Primerovo"}]
    path = tmp_path / "postupci.json"
    path.write_text(json.dumps(grid), encoding="utf-8")
    conv = get_adapter("rs-jnportal-procedures").convert(path)
    assert not conv.quarantined and not [m for _, m in conv.warnings if "neither mapped" in m]
    release = conv.releases[0][1]
    assert release["ocid"] == "rs-jn-40001"
    assert release["tender"]["procurementMethod"] == "open"
    assert release["tender"]["value"] == {"amount": 2500000.0, "currency": "RSD"}
    assert release["tender"]["tenderPeriod"]["endDate"] == "2021-05-10T00:00:00Z"
    assert release["tender"]["items"][0]["classification"]["id"] == "35125300"
    assert release["tag"] == ["tender"]


def test_rows_of_one_process_keep_one_award_per_lot():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "fixtures" / "adapters" / "eu-ted-csv.csv"
    conv = get_adapter("eu-ted-csv").convert(sample)
    assert {r["ocid"] for _, r in conv.releases} == {"ted-csv-2021990001"}
    award_ids = [r["awards"][0]["id"] for _, r in conv.releases]
    assert len(set(award_ids)) == 2
    assert [r["awards"][0]["relatedLots"] for _, r in conv.releases] == [["1"], ["2"]]
