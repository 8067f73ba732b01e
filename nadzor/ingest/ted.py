"""Convert TED notices to OCDS 1.1 releases: TED-XML R2.0.9 (``TED_EXPORT``) and eForms UBL.

One notice becomes one release. Lots go to ``tender.lots``, each lot award (``AWARD_CONTRACT`` or eForms
``LotResult``) to an award with ``relatedLots``, and the number of tenders received for that lot to
``awards[i].numberOfTenderers`` (an extension field: OCDS has none per award; the store reads it into
``awards.number_of_tenderers``) and to ``bids.statistics`` (measure ``bids``, per ``relatedLot``). When a notice
gives only the lowest and highest tender instead of the contract value, they go to ``awards[].tenderValueRange``
and the award has no ``value``.

ocid: ``ted-<year>-S-<number>`` from the notice's OJ S publication number (TED-XML ``DOC_ID`` /
eForms ``NoticePublicationID``, e.g. ``008689-2021`` -> ``ted-2021-S-008689``), so the TED-XML original and its
eForms conversion of the same notice land in one process. The file's reception id (``21-000934-001``) is
kept as ``tender.id`` suffix-free in ``tedReceptionId``. Locators are XPaths over local element names
(namespace prefixes dropped), e.g. ``/TED_EXPORT/FORM_SECTION/F03_2014[1]/AWARD_CONTRACT[2]``.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from nadzor.exceptions import InputError
from nadzor.ingest.conversion import Conversion

__all__ = ["convert_ted", "is_ted_xml", "ted_ocid"]

_CATEGORY = {"SUPPLIES": "goods", "SERVICES": "services", "WORKS": "works",
             "supplies": "goods", "services": "services", "works": "works"}

# TED-XML procedure elements -> OCDS procurementMethod (open / selective / limited / direct).
_PT_METHOD = {
    "PT_OPEN": "open",
    "PT_RESTRICTED": "selective",
    "PT_COMPETITIVE_NEGOTIATION": "selective",
    "PT_COMPETITIVE_DIALOGUE": "selective",
    "PT_INNOVATION_PARTNERSHIP": "selective",
    "PT_NEGOTIATED_WITH_PRIOR_CALL": "selective",
    "PT_INVOLVING_NEGOTIATION": "selective",
    "PT_AWARD_CONTRACT_WITH_PRIOR_PUBLICATION": "selective",
    "PT_NEGOTIATED_WITHOUT_PUBLICATION": "limited",
    "PT_AWARD_CONTRACT_WITHOUT_PUBLICATION": "limited",
    "PT_AWARD_CONTRACT_WITHOUT_CALL": "limited",
}

# eForms procurement-procedure-type codes -> OCDS procurementMethod.
_EFORMS_METHOD = {
    "open": "open", "restricted": "selective", "neg-w-call": "selective", "comp-dial": "selective",
    "innovation": "selective", "comp-tend": "selective", "neg-wo-call": "limited", "oth-single": "limited",
    "oth-mult": "selective", "exp-int-rail": "selective",
}

# TED-XML form -> OCDS release tag.
_FORM_TAG = {
    "F01": "planning", "F04": "planning", "F16": "planning",
    "F02": "tender", "F05": "tender", "F07": "tender", "F12": "tender", "F17": "tender", "F24": "tender",
    "F03": "award", "F06": "award", "F13": "award", "F15": "award", "F18": "award", "F19": "award",
    "F25": "award",
    "F08": "planning",
    "F14": "tenderAmendment",
    "F20": "contractAmendment",
}

_EFORMS_ROOT_TAG = {"ContractAwardNotice": "award", "ContractNotice": "tender", "PriorInformationNotice": "planning"}


def ted_ocid(publication_id: str) -> str:
    """Return the ocid for an OJ S publication number such as ``008689-2021`` or ``2021/S 006-008689``."""
    m = re.fullmatch(r"\s*0*(\d+)-(\d{4})\s*", publication_id)
    if m:
        return f"ted-{m.group(2)}-S-{int(m.group(1)):06d}"
    m = re.fullmatch(r"\s*(\d{4})/S\s*\d+-0*(\d+)\s*", publication_id)
    if m:
        return f"ted-{m.group(1)}-S-{int(m.group(2)):06d}"
    raise InputError(f"not a TED publication number: {publication_id!r}")


def _parse(data: bytes, name: str) -> etree._ElementTree:
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False,
                                                                                 no_network=True,
                                                                                 huge_tree=True)))
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name}: not well-formed XML ({exc})") from exc
    # Local names make the converter and the XPath locators independent of namespace prefixes.
    for el in tree.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname
    etree.cleanup_namespaces(tree)
    return tree


def is_ted_xml(data: bytes) -> bool:
    """Return True if the bytes look like a TED-XML or eForms notice."""
    head = data[:4000].decode("utf-8", "replace")
    return "TED_EXPORT" in head or any(f"<{t}" in head or f":{t}" in head for t in _EFORMS_ROOT_TAG)


def convert_ted(path: Path | str | None = None, *, data: bytes | None = None) -> Conversion:
    """Convert one TED-XML R2.0.9 or eForms notice file into one OCDS release.

    Raises ``InputError`` if the file is not XML or not a notice; values that cannot be read are warned
    about (with their XPath) and left out of the release, never guessed.
    """
    name = str(path) if path is not None else "-"
    if data is None:
        data = Path(path).read_bytes()
    tree = _parse(data, name)
    root = tree.getroot()
    if root.tag == "TED_EXPORT":
        conv = _TedXml(tree).convert()
    elif root.tag in _EFORMS_ROOT_TAG:
        conv = _Eforms(tree).convert()
    else:
        raise InputError(f"{name}: not a TED notice (root element {root.tag})")
    conv.encoding = "utf-8"
    return conv


def _text(el) -> str | None:
    if el is None:
        return None
    text = " ".join(t.strip() for t in el.itertext() if t.strip())
    return text or None


def _paragraphs(el) -> str | None:
    if el is None:
        return None
    ps = [_text(p) for p in el.findall("P")]
    ps = [p for p in ps if p]
    return "\n".join(ps) if ps else _text(el)


def _date(value: str | None) -> str | None:
    """Normalise TED dates (20210111, 2021-01-11, 2021-01-11+01:00) to ISO 8601 dates."""
    if not value:
        return None
    value = value.strip()
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}T00:00:00Z"
    m = re.match(r"(\d{4}-\d{2}-\d{2})", value)
    if m:
        return f"{m.group(1)}T00:00:00Z"
    return None


class _Base:
    def __init__(self, tree):
        self.tree = tree
        self.conv = Conversion(format="ted-xml")
        self.parties: dict[tuple, dict] = {}

    def xpath(self, el) -> str:
        return self.tree.getpath(el)

    def money(self, el) -> dict | None:
        if el is None or el.text is None:
            return None
        raw = el.text.strip()
        try:
            amount = float(raw.replace(" ", ""))
        except ValueError:
            self.conv.warnings.append((self.xpath(el), f"value {raw!r} is not a number; left out"))
            return None
        currency = el.get("CURRENCY") or el.get("currencyID")
        return {"amount": amount, "currency": currency} if currency else {"amount": amount}

    def count(self, el) -> int | None:
        if el is None or el.text is None:
            return None
        raw = el.text.strip()
        try:
            return int(float(raw))
        except ValueError:
            self.conv.warnings.append((self.xpath(el), f"count {raw!r} is not a number; left out"))
            return None

    def party(self, name, role, *, identifier=None, address=None, contact=None) -> dict:
        key = (name, identifier, (address or {}).get("locality"), (address or {}).get("countryName"))
        party = self.parties.get(key)
        if party is None:
            party = {"id": f"ted-org-{len(self.parties) + 1}", "name": name, "roles": []}
            if identifier:
                party["identifier"] = {"id": identifier, "legalName": name}
            if address:
                party["address"] = address
            if contact:
                party["contactPoint"] = contact
            self.parties[key] = party
        if role not in party["roles"]:
            party["roles"].append(role)
        return {"id": party["id"], "name": name}

    def finish(self, el, release: dict, tender: dict, awards: list, contracts: list, statistics) -> Conversion:
        """Attach the results to the release (a sole award's tenderer count is the tender's), drop empty fields,
        and add the release with the path of ``el`` as its locator."""
        if awards:
            release["awards"] = awards
            counted = [a for a in awards if a.get("numberOfTenderers") is not None]
            if len(awards) == 1 and counted:
                tender["numberOfTenderers"] = counted[0]["numberOfTenderers"]
        if contracts:
            release["contracts"] = contracts
        if statistics:
            release["bids"] = {"statistics": statistics}
        release["tender"] = {k: v for k, v in tender.items() if v not in (None, [], {})}
        release["parties"] = list(self.parties.values())
        release = {k: v for k, v in release.items() if v not in (None, [], {})}
        self.conv.releases.append((self.xpath(el), release))
        return self.conv


class _TedXml(_Base):
    """TED-XML R2.0.9: the original-language form section (CATEGORY="ORIGINAL")."""

    def convert(self) -> Conversion:
        root = self.tree.getroot()
        doc_id = root.get("DOC_ID")
        reception = root.findtext("TECHNICAL_SECTION/RECEPTION_ID")
        coded = root.find("CODED_DATA_SECTION")
        forms = root.find("FORM_SECTION")
        if doc_id is None or forms is None or len(forms) == 0:
            self.conv.quarantined.append(("/TED_EXPORT", "no DOC_ID or no FORM_SECTION: not a TED notice",
                                          None))
            return self.conv
        originals = [f for f in forms if f.get("CATEGORY") == "ORIGINAL"] or list(forms)
        form = originals[0]
        form_code = (form.get("FORM") or form.tag.split("_")[0]).upper()
        lang = (form.get("LG") or coded.findtext("NOTICE_DATA/LG_ORIG") or "").lower() or None
        date_pub = _date(coded.findtext("REF_OJS/DATE_PUB")) if coded is not None else None

        release = {
            "ocid": ted_ocid(doc_id),
            "id": f"ted-xml-{doc_id}",
            "date": date_pub,
            "tag": [_FORM_TAG.get(form_code, "tender")],
            "initiationType": "tender",
            "language": lang,
            "tedReceptionId": reception,
            "tedForm": form_code,
        }
        tender: dict = {"id": doc_id}
        body = form.find("CONTRACTING_BODY")
        if body is not None:
            addr_el = body.find("ADDRESS_CONTRACTING_BODY")
            if addr_el is not None:
                release["buyer"] = self.org(addr_el, "buyer")
        obj = form.find("OBJECT_CONTRACT")
        if obj is not None:
            tender["title"] = _paragraphs(obj.find("TITLE"))
            tender["description"] = _paragraphs(obj.find("SHORT_DESCR"))
            ref = obj.findtext("REFERENCE_NUMBER")
            if ref:
                tender["tedReferenceNumber"] = ref.strip()
            ctype = obj.find("TYPE_CONTRACT")
            if ctype is not None and ctype.get("CTYPE") in _CATEGORY:
                tender["mainProcurementCategory"] = _CATEGORY[ctype.get("CTYPE")]
            value = self.money(obj.find("VAL_ESTIMATED_TOTAL"))
            if value:
                tender["value"] = value
            main_cpv = obj.find("CPV_MAIN/CPV_CODE")
            self.lots_and_items(obj, tender, main_cpv.get("CODE") if main_cpv is not None else None)
        proc = form.find("PROCEDURE")
        if proc is not None:
            pts = [el for el in proc.iter() if isinstance(el.tag, str) and el.tag.startswith("PT_")]
            if pts:
                tender["procurementMethod"] = _PT_METHOD.get(pts[0].tag, "open")
                tender["procurementMethodDetails"] = pts[0].tag
            elif coded is not None and coded.find("CODIF_DATA/PR_PROC") is not None:
                tender["procurementMethodDetails"] = _text(coded.find("CODIF_DATA/PR_PROC"))
            previous = proc.findtext("NOTICE_NUMBER_OJ")
            if previous:
                release["tedPreviousNotice"] = previous.strip()
        return self.finish(form, release, tender, *self.awards(form, release))

    def org(self, addr_el, role) -> dict:
        name = _text(addr_el.find("OFFICIALNAME")) or "(name not given)"
        address = {
            "streetAddress": _text(addr_el.find("ADDRESS")),
            "locality": _text(addr_el.find("TOWN")),
            "postalCode": _text(addr_el.find("POSTAL_CODE")),
            "countryName": addr_el.find("COUNTRY").get("VALUE") if addr_el.find("COUNTRY") is not None else None,
        }
        address = {k: v for k, v in address.items() if v}
        contact = {"email": _text(addr_el.find("E_MAIL")), "url": _text(addr_el.find("URL_GENERAL"))}
        contact = {k: v for k, v in contact.items() if v}
        return self.party(name, role, identifier=_text(addr_el.find("NATIONALID")), address=address or None,
                          contact=contact or None)

    def lots_and_items(self, obj, tender, main_cpv):
        lots, items = [], []
        divided = obj.find("LOT_DIVISION") is not None
        for i, descr in enumerate(obj.findall("OBJECT_DESCR"), start=1):
            lot_id = (descr.findtext("LOT_NO") or "").strip() or str(descr.get("ITEM") or i)
            cpvs = [c.get("CODE") for c in descr.findall("CPV_ADDITIONAL/CPV_CODE") if c.get("CODE")]
            item = {"id": str(i), "description": _paragraphs(descr.find("SHORT_DESCR"))
                    or _paragraphs(descr.find("TITLE")) or tender.get("title")}
            if main_cpv:
                item["classification"] = {"scheme": "CPV", "id": main_cpv}
                extra = [c for c in cpvs if c != main_cpv]
                if extra:
                    item["additionalClassifications"] = [{"scheme": "CPV", "id": c} for c in extra]
            elif cpvs:
                item["classification"] = {"scheme": "CPV", "id": cpvs[0]}
            if divided:
                item["relatedLot"] = lot_id
                lot = {"id": lot_id, "title": _paragraphs(descr.find("TITLE")),
                       "description": _paragraphs(descr.find("SHORT_DESCR"))}
                value = self.money(descr.find("VAL_OBJECT"))
                if value:
                    lot["value"] = value
                lots.append({k: v for k, v in lot.items() if v})
            items.append({k: v for k, v in item.items() if v})
        if lots:
            tender["lots"] = lots
        if items:
            tender["items"] = items

    def awards(self, form, release):
        awards, contracts, statistics = [], [], []
        for i, ac in enumerate(form.findall("AWARD_CONTRACT"), start=1):
            award_id = str(ac.get("ITEM") or i)
            lot_no = (ac.findtext("LOT_NO") or "").strip()
            award = {"id": award_id, "title": _paragraphs(ac.find("TITLE"))}
            if lot_no:
                award["relatedLots"] = [lot_no]
            done = ac.find("AWARDED_CONTRACT")
            if done is None:
                award["status"] = "unsuccessful"
                reason = ac.find("NO_AWARDED_CONTRACT")
                if reason is not None and len(reason):
                    award["statusDetails"] = reason[0].tag
                awards.append({k: v for k, v in award.items() if v})
                continue
            award["status"] = "active"
            award["date"] = _date(done.findtext("DATE_CONCLUSION_CONTRACT"))
            nb = done.find("TENDERS/NB_TENDERS_RECEIVED")
            if nb is None:
                nb = done.find("NB_TENDERS_RECEIVED")
            n = self.count(nb)
            if n is not None:
                award["numberOfTenderers"] = n
                stat = {"id": f"{award_id}-bids", "measure": "bids", "value": n}
                if lot_no:
                    stat["relatedLot"] = lot_no
                statistics.append(stat)
            values = done.find("VALUES")
            if values is not None:
                value = self.money(values.find("VAL_TOTAL"))
                if value:
                    award["value"] = value
                rng = values.find("VAL_RANGE_TOTAL")
                if rng is not None:
                    # "Lowest / highest offer taken into consideration": not the contract value, kept apart.
                    bounds = {}
                    for key, tag in (("lowest", "LOW"), ("highest", "HIGH")):
                        m = self.money(rng.find(tag))
                        if m:
                            if rng.get("CURRENCY"):
                                m["currency"] = rng.get("CURRENCY")
                            bounds[key] = m
                    if bounds:
                        award["tenderValueRange"] = bounds
            suppliers = []
            for contractor in done.findall("CONTRACTORS/CONTRACTOR") + done.findall("CONTRACTOR"):
                addr = contractor.find("ADDRESS_CONTRACTOR")
                if addr is not None:
                    suppliers.append(self.org(addr, "supplier"))
            if suppliers:
                award["suppliers"] = suppliers
            awards.append({k: v for k, v in award.items() if v not in (None, [], {})})
            contract = {"id": award_id, "awardID": award_id, "title": award.get("title"),
                        "status": "active", "dateSigned": award.get("date"), "value": award.get("value")}
            number = ac.findtext("CONTRACT_NO")
            if number:
                contract["tedContractNumber"] = number.strip()
            contracts.append({k: v for k, v in contract.items() if v})
        return awards, contracts, statistics


class _Eforms(_Base):
    """eForms UBL (ContractAwardNotice, ContractNotice, PriorInformationNotice)."""

    def convert(self) -> Conversion:
        self.conv.format = "eforms"
        root = self.tree.getroot()
        ext = root.find("UBLExtensions/UBLExtension/ExtensionContent/EformsExtension")
        pub_id = ext.findtext("Publication/NoticePublicationID") if ext is not None else None
        notice_id = (root.findtext("ID") or "").strip()
        lang_code = (root.findtext("NoticeLanguageCode") or "").strip()
        if not pub_id and not notice_id:
            self.conv.quarantined.append((self.xpath(root), "no notice id or publication id", None))
            return self.conv
        self.orgs = {}
        if ext is not None:
            for org in ext.findall("Organizations/Organization"):
                company = org.find("Company")
                if company is None:
                    continue
                oid = company.findtext("PartyIdentification/ID")
                if oid:
                    self.orgs[oid.strip()] = company
        release = {
            "ocid": ted_ocid(pub_id) if pub_id else f"ted-eforms-{notice_id}",
            "id": f"eforms-{notice_id}-{(root.findtext('VersionID') or '01').strip()}",
            "date": _date(ext.findtext("Publication/PublicationDate") if ext is not None else None)
            or _date(root.findtext("IssueDate")),
            "tag": [_EFORMS_ROOT_TAG[root.tag]],
            "initiationType": "tender",
            "language": _LANG3.get(lang_code, lang_code.lower() or None),
        }
        buyer_ref = root.findtext("ContractingParty/Party/PartyIdentification/ID")
        if buyer_ref and buyer_ref.strip() in self.orgs:
            release["buyer"] = self.org(buyer_ref.strip(), "buyer")
        project = root.find("ProcurementProject")
        tender: dict = {"id": (project.findtext("ID") if project is not None else None) or notice_id}
        if project is not None:
            tender["title"] = self.lang_text(project.findall("Name"), lang_code)
            tender["description"] = self.lang_text(project.findall("Description"), lang_code)
            cat = (project.findtext("ProcurementTypeCode") or "").strip()
            if cat in _CATEGORY:
                tender["mainProcurementCategory"] = _CATEGORY[cat]
            value = self.money(project.find("RequestedTenderTotal/EstimatedOverallContractAmount"))
            if value:
                tender["value"] = value
        code = (root.findtext("TenderingProcess/ProcedureCode") or "").strip()
        if code:
            tender["procurementMethod"] = _EFORMS_METHOD.get(code, "open")
            tender["procurementMethodDetails"] = code
        lots, items = [], []
        for i, lot_el in enumerate(root.findall("ProcurementProjectLot"), start=1):
            lot_id = (lot_el.findtext("ID") or str(i)).strip()
            lp = lot_el.find("ProcurementProject")
            lot = {"id": lot_id}
            item = {"id": str(i), "relatedLot": lot_id}
            if lp is not None:
                lot["title"] = self.lang_text(lp.findall("Name"), lang_code)
                lot["description"] = self.lang_text(lp.findall("Description"), lang_code)
                value = self.money(lp.find("RequestedTenderTotal/EstimatedOverallContractAmount"))
                if value:
                    lot["value"] = value
                main = lp.findtext("MainCommodityClassification/ItemClassificationCode")
                extra = [c.text.strip() for c in lp.findall("AdditionalCommodityClassification/ItemClassificationCode")
                         if c.text and c.text.strip() != (main or "").strip()]
                item["description"] = lot.get("description") or lot.get("title") or tender.get("title")
                if main:
                    item["classification"] = {"scheme": "CPV", "id": main.strip()}
                if extra:
                    item["additionalClassifications"] = [{"scheme": "CPV", "id": c} for c in extra]
            lots.append({k: v for k, v in lot.items() if v})
            items.append({k: v for k, v in item.items() if v})
        # One lot "LOT-0000" is how the converter writes an undivided contract: keep it as an item only.
        if lots and not (len(lots) == 1 and lots[0]["id"] == "LOT-0000"):
            tender["lots"] = lots
        else:
            for item in items:
                item.pop("relatedLot", None)
        if items:
            tender["items"] = items
        results = ([], [], None)
        if ext is not None and ext.find("NoticeResult") is not None:
            results = self.results(ext.find("NoticeResult"), "lots" in tender)
        return self.finish(root, release, tender, *results)

    @staticmethod
    def lang_text(elements, lang_code):
        for el in elements:
            if el.get("languageID") == lang_code and _text(el):
                return _text(el)
        for el in elements:
            if _text(el):
                return _text(el)
        return None

    def org(self, org_id, role) -> dict:
        company = self.orgs[org_id]
        name = self.lang_text(company.findall("PartyName/Name"), None) or "(name not given)"
        address = {
            "streetAddress": _text(company.find("PostalAddress/StreetName")),
            "locality": _text(company.find("PostalAddress/CityName")),
            "postalCode": _text(company.find("PostalAddress/PostalZone")),
            "countryName": _text(company.find("PostalAddress/Country/IdentificationCode")),
        }
        address = {k: v for k, v in address.items() if v}
        ident = _text(company.find("PartyLegalEntity/CompanyID"))
        return self.party(name, role, identifier=ident, address=address or None)

    def results(self, result, has_lots):
        tenders = {(t.findtext("ID") or "").strip(): t for t in result.findall("LotTender")}
        parties = {(p.findtext("ID") or "").strip(): p for p in result.findall("TenderingParty")}
        settled = {(c.findtext("ID") or "").strip(): c for c in result.findall("SettledContract")}
        awards, contracts, statistics = [], [], []
        for i, lr in enumerate(result.findall("LotResult"), start=1):
            award_id = (lr.findtext("ID") or str(i)).strip()
            lot_id = (lr.findtext("TenderLot/ID") or "").strip()
            code = (lr.findtext("TenderResultCode") or "").strip()
            award = {"id": award_id,
                     "status": {"selec-w": "active", "clos-nw": "unsuccessful", "open-nw": "pending"}.get(code)}
            if lot_id and has_lots:
                award["relatedLots"] = [lot_id]
            for stat in lr.findall("ReceivedSubmissionsStatistics"):
                if (stat.findtext("StatisticsCode") or "").strip() == "tenders":
                    n = self.count(stat.find("StatisticsNumeric"))
                    if n is not None:
                        award["numberOfTenderers"] = n
                        s = {"id": f"{award_id}-bids", "measure": "bids", "value": n}
                        if lot_id and has_lots:
                            s["relatedLot"] = lot_id
                        statistics.append(s)
            total, currency, suppliers, priced = 0.0, None, [], False
            for tref in lr.findall("LotTender/ID"):
                tender = tenders.get((tref.text or "").strip())
                if tender is None:
                    continue
                money = self.money(tender.find("LegalMonetaryTotal/PayableAmount"))
                if money:
                    total += money["amount"]
                    currency = money.get("currency")
                    priced = True
                party = parties.get((tender.findtext("TenderingParty/ID") or "").strip())
                if party is not None:
                    for t in party.findall("Tenderer"):
                        oid = (t.findtext("ID") or "").strip()
                        if oid in self.orgs:
                            suppliers.append(self.org(oid, "supplier"))
            if priced:
                award["value"] = {"amount": total, "currency": currency} if currency else {"amount": total}
            low, high = self.money(lr.find("LowerTenderAmount")), self.money(lr.find("HigherTenderAmount"))
            if low or high:
                # The lowest and highest tenders received: not the contract value, so kept apart from it.
                award["tenderValueRange"] = {k: v for k, v in (("lowest", low), ("highest", high)) if v}
            if suppliers:
                award["suppliers"] = suppliers
            for cref in lr.findall("SettledContract/ID"):
                contract_el = settled.get((cref.text or "").strip())
                if contract_el is None:
                    continue
                award.setdefault("date", _date(contract_el.findtext("IssueDate")))
                contract = {"id": (cref.text or "").strip(), "awardID": award_id,
                            "dateSigned": _date(contract_el.findtext("IssueDate")),
                            "title": self.lang_text(contract_el.findall("Title"), None),
                            "value": award.get("value")}
                contracts.append({k: v for k, v in contract.items() if v})
            awards.append({k: v for k, v in award.items() if v not in (None, [], {})})
        return awards, contracts, statistics


_LANG3 = {"ENG": "en", "DEU": "de", "FRA": "fr", "ITA": "it", "SPA": "es", "POL": "pl", "RON": "ro", "NLD": "nl",
          "POR": "pt", "SWE": "sv", "DAN": "da", "FIN": "fi", "CES": "cs", "SLK": "sk", "SLV": "sl", "HUN": "hu",
          "ELL": "el", "BUL": "bg", "HRV": "hr", "EST": "et", "LAV": "lv", "LIT": "lt", "MLT": "mt", "GLE": "ga",
          "SRP": "sr", "MKD": "mk", "SQI": "sq", "NOR": "no"}
