import pytest

from nadzor.classify import classify_process, classify_text

TRAPS = [
    "Stručni nadzor nad izvođenjem radova na rekonstrukciji ulice",
    "Стручни надзор над извођењем радова",
    "Nadzor nad izvođenjem radova na sanaciji krova",
    "Inspekcijski nadzor – nabavka službenih vozila",
    "Инспекцијски надзор у области грађевинарства",
    "Nabavka kamiona za odvoz smeća",
    "Nabavka kamenih ploča za trotoar",
    "Набавка камених коцки",
    "Nabavka gama kamere za Službu nuklearne medicine",
    "Nabavka endoskopske kamere za hirurgiju",
    "Nabavka digitalnog fotoaparata",
    "Digital cameras for the press office",
    "Nabavka audio-video opreme za salu Skupštine opštine",
    "Набавка аудио и видео опреме за скупштинску салу",
    "Nabavka sistema kontrole pristupa",
    "Access control system for the town hall",
    "Ugradnja sistema za dojavu požara",
    "Fire alarm system maintenance",
    "Održavanje SCADA sistema za nadzor i upravljanje vodovodom",
    "Koncert Kamernog orkestra",
    "Izrada registarskih tablica za vozila",
    "Nabavka opreme za merenje brzine vetra",
    "Huawei network switches and routers",
]


@pytest.mark.parametrize("text", TRAPS)
def test_trap_stays_negative(text):
    assert classify_text(text)["is_surveillance"] is False


EVERY_LANGUAGE = [
    ("sr-Latn", "Nabavka opreme za video nadzor", "video_surveillance"),
    ("sr-Cyrl", "Систем за очитавање регистарских таблица", "plate_recognition"),
    ("hr", "Nabava i ugradnja sustava videonadzora", "video_surveillance"),
    ("bs", "Nabavka sistema za prepoznavanje lica", "facial_recognition"),
    ("me", "Projekat Bezbjedan grad", "surveillance_platform"),
    ("sl", "Nakup telesnih kamer za policiste", "body_camera"),
    ("mk", "Систем за препознавање на лица", "facial_recognition"),
    ("hu", "Rendszámfelismerő kamerák telepítése", "plate_recognition"),
    ("sq", "Sistem për njohjen e fytyrës", "facial_recognition"),
    ("en", "Thermal imaging cameras for the fire brigade", "thermal_imaging"),
]


@pytest.mark.parametrize("lang,text,capability", EVERY_LANGUAGE, ids=[x[0] for x in EVERY_LANGUAGE])
def test_every_language_detects_its_capability(lang, text, capability):
    res = classify_text(text)
    assert res["is_surveillance"] is True
    assert capability in res["capabilities"]


def test_strong_term_survives_text_wide_negative():
    res = classify_text("Sistem kontrole pristupa i video nadzora")
    assert res["is_surveillance"] and res["capabilities"] == ["video_surveillance"]


def test_weak_camera_is_vetoed_by_medical_context():
    assert classify_text("Nabavka ultrazvučnog aparata sa kamerom")["is_surveillance"] is False
    assert classify_text("Nabavka kamera")["is_surveillance"] is True


def test_vendor_alone_is_reported_but_not_surveillance():
    res = classify_text("Huawei network switches")
    assert res["vendors"] == ["huawei"] and res["is_surveillance"] is False


def test_product_name_gives_platform_and_vendor():
    res = classify_text("Nadogradnja Dahua DSS PRO platforme")
    assert "surveillance_platform" in res["capabilities"] and res["vendors"] == ["dahua"]


def test_match_span_points_into_the_original_cyrillic_text():
    text = "Љубичасти појас: набавка камера за препознавање лица"
    res = classify_text(text)
    fr = [m for m in res["matches"] if m["capability"] == "facial_recognition"][0]
    s, e = fr["span"]
    assert text[s:e] == fr["matched"] == "препознавање лица"


def test_cpv_matches_on_first_eight_digits_whatever_the_check_digit():
    release = {"tender": {"title": "Oprema", "items": [
        {"description": "Oprema", "classification": {"scheme": "CPV", "id": "35125300-9"}}]}}
    res = classify_process(release)
    assert res.is_surveillance and res.capabilities == ["video_surveillance"]
    assert res.evidence[0][1].field == "tender/items/0/classification"


def test_broad_cpv_code_alone_is_not_enough():
    release = {"tender": {"items": [
        {"description": "Alarmni sistem i kontrola pristupa", "classification": {"scheme": "CPV", "id": "35120000"}}]}}
    assert classify_process(release).is_surveillance is False


def test_process_without_signal_is_negative():
    assert classify_process({"tender": {"title": "Nabavka goriva"}}).is_surveillance is False


@pytest.mark.parametrize("text", [
    "LED izvori crvenog svetla za semafore",
    "Nabavka VMS znakova za autoput",
    "Dronning Ingrids Hospital renovering",
])
def test_lookalikes_from_other_domains_stay_negative(text):
    assert classify_text(text)["is_surveillance"] is False


def test_red_light_enforcement_is_found_even_at_traffic_lights():
    res = classify_text("Kamere za detekciju prolaska na crveno svetlo na semaforima")
    assert res["capabilities"] == ["traffic_enforcement"]


def test_broadcast_cameras_are_not_surveillance_but_cctv_television_is():
    assert classify_text("Videokamere za potrebe lokalne televizije")["is_surveillance"] is False
    assert classify_text("Televizija zatvorenog kruga za RTV dom")["is_surveillance"] is True


def test_plate_readers_and_video_cameras_for_surveillance_are_found():
    assert classify_text("Nabavka čitača tablica")["capabilities"] == ["plate_recognition"]
    assert classify_text("Набавка видеокамера за надзор")["capabilities"] == ["video_surveillance"]


def test_long_document_text_maps_spans_without_caching():
    text = "Љубљана ђак " * 500 + "Систем видео надзора"
    res = classify_text(text)
    m = res["matches"][0]
    assert text[m["span"][0]:m["span"][1]] == m["matched"] == "видео надзора"
