"""Letter PDFs (layout for the window envelope, Danish text), MeMo messages and the transports."""

from __future__ import annotations

import base64
import datetime
import io
import urllib.request
import uuid
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.utils import translation
from pypdf import PdfReader

from housing.audit import system_user
from letters import transports
from letters.memo import MEMO_NS, build_memo, memo_summary
from letters.models import Channel, Letter, LetterKind, LetterTemplate
from letters.rendering import danish_date, letter_pdf, render_letter_html, render_pdf
from letters.transports import (
    FilesystemOutboxTransport,
    ServiceplatformenTransport,
    TransportResult,
    get_transport,
)

MM = 72 / 25.4  # PDF points per millimetre
A4_WIDTH, A4_HEIGHT = 210 * MM, 297 * MM
ADDRESS = "Æblehaven 5, 2. th.\n8000 Aarhus C"
BODY = "<p>Kære Astrid Alfasen</p><p>Vi har modtaget din opskrivning på ventelisten. æøå ÆØÅ.</p>"
LONG_BODY = "".join(
    f"<p>Afsnit {n}: Lejen betales forud den 1. i måneden. Ved for sen betaling sendes påkrav, "
    "og lejeforholdet kan derefter ophæves efter almenlejelovens regler.</p>"
    for n in range(1, 81)
)


def make_letter(org, person, *, body_html: str = BODY, legal_notice: bool = False, **fields) -> Letter:
    actor = system_user()
    template = LetterTemplate.objects.filter(kind=LetterKind.GENERAL, version=1).first()
    if template is None:
        template = LetterTemplate(kind=LetterKind.GENERAL, version=1, subject="x", body="y")
        template._history_user, template._change_reason = actor, "Testdata"
        template.save()
    values = {
        "controller": org.tenant,
        "sender": org.tenant,
        "recipient": person,
        "kind": LetterKind.GENERAL,
        "template": template,
        "subject": "Bekræftelse af opskrivning",
        "body_html": body_html,
        "sender_name": org.name,
        "sender_address": f"{org.address_line}\n{org.postal_code} {org.city}",
        "sender_identifier_type": "CVR",
        "sender_identifier": org.cvr,
        "recipient_name": "Astrid Alfasen",
        "recipient_address": ADDRESS,
        "legal_notice": legal_notice,
        "channel": Channel.DIGITAL_POST,
        "channel_reason": "Test",
        "idempotency_key": f"test:{uuid.uuid4()}",
        "created_by": actor,
    }
    values.update(fields)
    letter = Letter(**values)
    letter._history_user, letter._change_reason = actor, "Testdata"
    letter.save()
    return letter


@pytest.fixture
def letter(org_a, person_a) -> Letter:
    return make_letter(org_a, person_a)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def text_positions(page) -> list[tuple[str, float, float]]:
    """(text, x, y) of every text run on ``page``, in PDF points (y from the bottom)."""
    runs = []

    def visitor(text, cm, tm, _font, _size):
        if text.strip():
            # The text origin (tm's translation) in device space: tm × cm.
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((text.strip(), x, y))

    page.extract_text(visitor_text=visitor)
    return runs


# --- The PDF -----------------------------------------------------------------------------------


def test_pdf_has_the_exact_address_subject_and_danish_letters(letter):
    pdf, pages = render_pdf(render_letter_html(letter))

    assert pdf.startswith(b"%PDF")
    assert pages == 1
    text = pdf_text(pdf)
    assert "Æblehaven 5, 2. th." in text
    assert "8000 Aarhus C" in text
    assert "Astrid Alfasen" in text
    assert "Bekræftelse af opskrivning" in text
    assert "æøå ÆØÅ" in text
    assert f"CVR {letter.sender_identifier}" in text
    assert "Alfavej 1" in text
    assert "Side 1 af 1" in text


def test_pdf_is_a4_and_a_long_letter_counts_its_pages(org_a, person_a):
    letter = make_letter(org_a, person_a, body_html=LONG_BODY)

    pdf, pages = render_pdf(render_letter_html(letter))

    reader = PdfReader(io.BytesIO(pdf))
    assert pages >= 2
    assert pages == len(reader.pages)
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(A4_WIDTH, abs=1)
        assert float(box.height) == pytest.approx(A4_HEIGHT, abs=1)
    last = reader.pages[-1].extract_text()
    assert f"Side {pages} af {pages}" in last
    assert "Alfa Boligselskab" in last  # the footer repeats the sender on every page
    assert "Afsnit 80" in pdf_text(pdf)


def test_address_block_lies_in_the_envelope_window(letter):
    pdf, _pages = render_pdf(render_letter_html(letter))
    runs = text_positions(PdfReader(io.BytesIO(pdf)).pages[0])

    def position(text, *, left=True):
        # The sender (right half) may share a line with the recipient, e.g. "8000 Aarhus C".
        found = [(x, y) for run, x, y in runs if run == text and (x < A4_WIDTH / 2) == left]
        assert len(found) == 1, (text, runs)
        x, y = found[0]
        return x / MM, (A4_HEIGHT - y) / MM  # mm from the left and from the top

    name_x, name_top = position("Astrid Alfasen")
    assert 15 <= name_x <= 30
    assert 40 <= name_top <= 60
    # Every line of the address lies in the window (20 mm, 45 mm, 85 × 40 mm), under the name.
    for line in ADDRESS.splitlines():
        x, top = position(line)
        assert x == pytest.approx(name_x, abs=0.1)
        assert name_top < top <= 45 + 40
    # The sender sits top right, outside the window.
    sender_x, sender_top = position("Alfa Boligselskab", left=False)
    assert sender_x > 20 + 85
    assert sender_top < 45


def test_letter_fields_are_escaped_and_the_body_is_kept(org_a, person_a):
    letter = make_letter(
        org_a,
        person_a,
        recipient_name="Bo <b>Fed</b> & Co",
        subject="Svar på <i>din</i> henvendelse",
        body_html="<p><strong>Vigtigt</strong></p>",
    )

    html = render_letter_html(letter)

    assert "Bo &lt;b&gt;Fed&lt;/b&gt; &amp; Co" in html
    assert "<b>Fed</b>" not in html
    assert "Svar på &lt;i&gt;din&lt;/i&gt; henvendelse" in html
    assert "<p><strong>Vigtigt</strong></p>" in html
    assert "Bo <b>Fed</b> & Co" in pdf_text(render_pdf(html)[0])
    assert "<style>" not in html  # render_pdf applies the parsed stylesheet
    standalone = render_letter_html(letter, inline_css=True)
    assert "<style>" in standalone
    assert "@page" in standalone


def test_sender_without_cvr_shows_no_cvr_line(org_a, person_a):
    letter = make_letter(org_a, person_a, sender_identifier_type="MyndighedsID", sender_identifier="751000")

    html = render_letter_html(letter)

    assert "CVR" not in html


def test_date_is_danish_whatever_the_active_language(org_a, person_a):
    letter = make_letter(org_a, person_a)
    # 23:30 UTC on 20 November is 00:30 on 21 November in Copenhagen.
    letter.created_at = datetime.datetime(2026, 11, 20, 23, 30, tzinfo=datetime.UTC)

    with translation.override("en"):
        html = render_letter_html(letter)

    assert "21. november 2026" in html
    assert danish_date(datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)) == "1. maj 2026"


def test_rendering_fetches_nothing(org_a, person_a, monkeypatch):
    opened = []
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", lambda self, url, *a, **kw: opened.append(url))
    letter = make_letter(
        org_a,
        person_a,
        body_html='<p>Billede</p><img src="http://127.0.0.1:9/x.png"><img src="file:///etc/passwd">',
    )

    pdf, pages = render_pdf(render_letter_html(letter))

    assert opened == []
    assert pages == 1
    assert "Billede" in pdf_text(pdf)


def test_letter_pdf_prefers_the_stored_file(letter, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fresh = letter_pdf(letter)
    assert fresh.startswith(b"%PDF")
    assert "Æblehaven 5, 2. th." in pdf_text(fresh)
    assert not letter.pdf  # rendering does not save

    letter.pdf.save("stored.pdf", ContentFile(b"%PDF-1.7 stored"), save=False)

    assert letter_pdf(letter) == b"%PDF-1.7 stored"


# --- MeMo --------------------------------------------------------------------------------------


def q(name: str) -> str:
    return f"{{{MEMO_NS}}}{name}"


@pytest.mark.rule("DP3")
def test_build_memo_is_a_memo_1_2_message_with_the_letter_and_its_pdf(org_a, person_a):
    letter = make_letter(org_a, person_a, legal_notice=True)
    pdf, _pages = render_pdf(render_letter_html(letter))

    xml = build_memo(letter, pdf=pdf, recipient_cpr="0101901234")

    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"<memo:Message" in xml  # readable prefix, not ns0
    root = ElementTree.fromstring(xml)  # noqa: S314 - our own output
    assert root.tag == q("Message")
    assert root.get("memoVersion") == "1.2"
    header = root.find(q("MessageHeader"))
    assert header.findtext(q("messageType")) == "DIGITALPOST"
    assert header.findtext(q("messageUUID")) == str(letter.uuid)
    assert header.findtext(q("label")) == "Bekræftelse af opskrivning"
    assert header.findtext(q("mandatory")) == "false"
    assert header.findtext(q("legalNotification")) == "true"
    sender = header.find(q("Sender"))
    assert sender.findtext(q("senderID")) == org_a.cvr
    assert sender.findtext(q("idType")) == "CVR"
    assert sender.findtext(q("label")) == "Alfa Boligselskab"
    recipient = header.find(q("Recipient"))
    assert recipient.findtext(q("recipientID")) == "0101901234"
    assert recipient.findtext(q("idType")) == "CPR"
    assert recipient.findtext(q("label")) == "Astrid Alfasen"
    body = root.find(q("MessageBody"))
    created = body.findtext(q("createdDateTime"))
    assert created == letter.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = body.find(q("MainDocument"))
    assert document.findtext(q("mainDocumentID")) == str(letter.uuid)
    file = document.find(q("File"))
    assert file.findtext(q("encodingFormat")) == "application/pdf"
    assert file.findtext(q("filename")) == f"brev-{letter.pk}.pdf"
    assert file.findtext(q("language")) == "da"
    content = base64.b64decode(file.findtext(q("content")), validate=True)
    assert content == pdf
    assert content.startswith(b"%PDF")

    summary = memo_summary(xml)
    assert summary == {
        "uuid": str(letter.uuid),
        "label": "Bekræftelse af opskrivning",
        "sender_id": org_a.cvr,
        "recipient_id": "0101901234",
        "pdf": pdf,
        "legal_notification": True,
    }


@pytest.mark.rule("DP3")
def test_build_memo_is_the_same_message_every_time(letter):
    first_pdf, _pages = render_pdf(render_letter_html(letter))
    second_pdf, _pages = render_pdf(render_letter_html(letter))
    assert first_pdf == second_pdf  # rendering is deterministic (no timestamps, no random ids)

    first = build_memo(letter, pdf=first_pdf, recipient_cpr="010190-1234")
    second = build_memo(letter, pdf=second_pdf, recipient_cpr="0101901234")

    assert first == second  # same UUID, same content: a re-send is the same message
    assert memo_summary(first)["recipient_id"] == "0101901234"
    assert memo_summary(first)["legal_notification"] is False


def test_build_memo_refuses_a_bad_cpr_or_sender(letter):
    with pytest.raises(ValueError):
        build_memo(letter, pdf=b"%PDF-1.7", recipient_cpr="12345")
    letter.sender_identifier_type = "EAN"
    with pytest.raises(ValueError):
        build_memo(letter, pdf=b"%PDF-1.7", recipient_cpr="0101901234")


def test_memo_summary_refuses_other_xml():
    with pytest.raises(ValueError):
        memo_summary(b"<not-memo/>")
    with pytest.raises(ValueError):
        memo_summary(b"<broken")


# --- Transports --------------------------------------------------------------------------------


def test_filesystem_outbox_writes_one_file_per_uuid(settings, tmp_path):
    outbox = tmp_path / "outbox" / "new"  # created on first use
    settings.LETTERS_OUTBOX_DIR = outbox
    message_uuid = str(uuid.uuid4())
    transport = FilesystemOutboxTransport()

    first = transport.send(message_uuid=message_uuid, memo_xml=b"<first/>")
    again = transport.send(message_uuid=message_uuid, memo_xml=b"<second/>")
    other = transport.send(message_uuid=str(uuid.uuid4()), memo_xml=b"<other/>")

    target = outbox / f"{message_uuid}.xml"
    assert first == again == TransportResult(reference=str(target), delivered=True)
    assert target.read_bytes() == b"<second/>"
    assert sorted(p.name for p in outbox.iterdir()) == sorted([target.name, Path(other.reference).name])
    assert not [p for p in outbox.iterdir() if p.name.startswith(".") or p.suffix != ".xml"]
    assert (target.stat().st_mode & 0o777) == 0o600  # the file holds a CPR number


def test_filesystem_outbox_refuses_a_name_that_is_not_a_uuid(settings, tmp_path):
    settings.LETTERS_OUTBOX_DIR = tmp_path
    with pytest.raises(ValueError):
        FilesystemOutboxTransport().send(message_uuid="../../etc/passwd", memo_xml=b"<x/>")
    assert list(tmp_path.iterdir()) == []


def test_filesystem_outbox_leaves_no_temp_file_when_writing_fails(settings, tmp_path, monkeypatch):
    settings.LETTERS_OUTBOX_DIR = tmp_path

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(transports.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        FilesystemOutboxTransport().send(message_uuid=str(uuid.uuid4()), memo_xml=b"<x/>")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def serviceplatformen_settings(settings, tmp_path):
    settings.SERVICEPLATFORMEN_CERT_PATH = str(tmp_path / "oces3.pem")
    settings.SERVICEPLATFORMEN_SENDER_CVR = "12345678"
    settings.SERVICEPLATFORMEN_ENVIRONMENT = "https://exttest.serviceplatformen.dk/"
    transports._kombit_access.cache_clear()
    yield settings
    transports._kombit_access.cache_clear()


def test_serviceplatformen_needs_a_certificate(serviceplatformen_settings):
    serviceplatformen_settings.SERVICEPLATFORMEN_CERT_PATH = ""
    with pytest.raises(ImproperlyConfigured, match="SERVICEPLATFORMEN_CERT_PATH"):
        ServiceplatformenTransport()


def test_serviceplatformen_posts_the_memo_to_kombipostafsend(serviceplatformen_settings, monkeypatch, letter):
    created = []

    class FakeKombitAccess:
        def __init__(self, cvr, cert_path, test=False):
            created.append((cvr, cert_path, test))
            self.environment = "unused"

        def get_access_token(self, entity_id):
            assert entity_id == "http://entityid.kombit.dk/service/kombipostafsend/1"
            return "Bearer fake-token"

    calls = []

    class FakeResponse:
        def raise_for_status(self):
            return None

    def fake_post(**kwargs):
        calls.append(kwargs)
        return FakeResponse()

    monkeypatch.setattr(transports, "KombitAccess", FakeKombitAccess)
    monkeypatch.setattr(transports.requests, "post", fake_post)
    memo = build_memo(letter, pdf=b"%PDF-1.7 test", recipient_cpr="0101901234")

    result = get_transport_named("serviceplatformen", serviceplatformen_settings).send(
        message_uuid=str(letter.uuid), memo_xml=memo
    )

    assert created == [("12345678", serviceplatformen_settings.SERVICEPLATFORMEN_CERT_PATH, True)]
    assert len(calls) == 1
    call = calls[0]
    assert call["url"] == "https://exttest.serviceplatformen.dk/service/KombiPostAfsend_1/memos"
    assert call["cert"] == serviceplatformen_settings.SERVICEPLATFORMEN_CERT_PATH
    assert call["timeout"] > 0
    headers = call["headers"]
    assert headers["authorization"] == "Bearer fake-token"
    assert headers["Content-Type"] == "application/xml"
    assert result == TransportResult(reference=headers["X-TransaktionsId"], delivered=False)
    uuid.UUID(result.reference)
    body = call["data"]
    assert isinstance(body, bytes)
    assert memo.split(b"?>", 1)[1].strip() in body  # the MeMo message exactly as built
    root = ElementTree.fromstring(body)  # noqa: S314 - our own output
    assert root.tag == "kombi_request"
    assert root.findtext("KombiValgKode") == "Digital Post"
    message = root.find(q("Message"))
    assert message.find(q("MessageHeader")).findtext(q("messageUUID")) == str(letter.uuid)
    assert message.find(q("MessageHeader")).findtext(q("label")) == "Bekræftelse af opskrivning"


def test_serviceplatformen_raises_http_errors(serviceplatformen_settings, monkeypatch, letter):
    class FakeKombitAccess:
        def __init__(self, cvr, cert_path, test=False):
            self.environment = "unused"

        def get_access_token(self, entity_id):
            return "Bearer fake-token"

    class FailingResponse:
        def raise_for_status(self):
            raise requests.HTTPError("400 Bad Request")

    monkeypatch.setattr(transports, "KombitAccess", FakeKombitAccess)
    monkeypatch.setattr(transports.requests, "post", lambda **kwargs: FailingResponse())

    with pytest.raises(requests.HTTPError):
        ServiceplatformenTransport().send(message_uuid=str(letter.uuid), memo_xml=b"<x/>")


def get_transport_named(name, settings):
    settings.LETTERS_DIGITAL_POST_TRANSPORT = name
    return get_transport()


def test_get_transport_picks_by_setting(serviceplatformen_settings, tmp_path):
    settings = serviceplatformen_settings
    settings.LETTERS_OUTBOX_DIR = tmp_path

    assert isinstance(get_transport_named("filesystem", settings), FilesystemOutboxTransport)
    assert get_transport_named("filesystem", settings).name == "filesystem"
    assert isinstance(get_transport_named("serviceplatformen", settings), ServiceplatformenTransport)
    with pytest.raises(ImproperlyConfigured, match="LETTERS_DIGITAL_POST_TRANSPORT"):
        get_transport_named("carrier-pigeon", settings)
