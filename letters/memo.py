"""MeMo 1.2 messages (the Digital Post message format) for letters.

A letter becomes one ``memo:Message`` of type DIGITALPOST with the letter's PDF as the single file
of its main document. The message UUID is the letter's own UUID, never a random one: sending the
same letter again (after a crash or a timeout) sends the same message, which Digital Post and the
filesystem outbox both treat as the same message rather than a second letter.

Built with the dataclasses of ``python_serviceplatformen`` and serialized with its
``xml_util.dataclass_to_xml``. Note that the package writes ``createdDateTime`` with a literal
``Z`` and no conversion, so it is handed the time in UTC here.
"""

from __future__ import annotations

import base64
import datetime
import re
from typing import Any
from xml.etree import ElementTree

from django.utils import timezone
from python_serviceplatformen.models import xml_util
from python_serviceplatformen.models.message import (
    NAME_SPACES,
    File,
    MainDocument,
    Message,
    MessageBody,
    MessageHeader,
    Recipient,
    Sender,
)

MEMO_NS = NAME_SPACES["memo"]
MEMO_VERSION = "1.2"
SENDER_ID_TYPES = ("CVR", "MyndighedsID")

ElementTree.register_namespace("memo", MEMO_NS)

_CPR_RE = re.compile(r"^\d{6}-?\d{4}$")
_CVR_RE = re.compile(r"^\d{8}$")


def _q(name: str) -> str:
    return f"{{{MEMO_NS}}}{name}"


def normalize_cpr(value: str) -> str:
    """Ten digits, no dash; anything else is refused (never send a letter to a guessed number)."""
    value = (value or "").strip()
    if not _CPR_RE.match(value):
        raise ValueError("The recipient's CPR number must be 10 digits.")
    return value.replace("-", "")


def normalize_cvr(value: str) -> str:
    """Eight digits; anything else is refused."""
    value = (value or "").strip()
    if not _CVR_RE.match(value):
        raise ValueError("The recipient's CVR number must be 8 digits.")
    return value


def _utc(value: datetime.datetime | None) -> datetime.datetime:
    if value is None:
        value = timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value.astimezone(datetime.UTC)


def build_message(letter, *, pdf: bytes, recipient_cpr: str = "", recipient_cvr: str = "") -> Message:
    """The MeMo ``Message`` dataclass for ``letter`` with ``pdf`` as its main document, to a person
    (``recipient_cpr``) or an organisation (``recipient_cvr``)."""
    if letter.sender_identifier_type not in SENDER_ID_TYPES:
        raise ValueError(f"Unknown sender id type {letter.sender_identifier_type!r} (CVR or MyndighedsID).")
    if not letter.sender_identifier:
        raise ValueError("The letter has no sender identifier (CVR or MyndighedsID).")
    if not pdf.startswith(b"%PDF"):
        raise ValueError("The main document must be a PDF.")
    if recipient_cvr:
        recipient_id, recipient_id_type = normalize_cvr(recipient_cvr), "CVR"
    else:
        recipient_id, recipient_id_type = normalize_cpr(recipient_cpr), "CPR"
    message_uuid = str(letter.uuid)
    return Message(
        messageHeader=MessageHeader(
            messageType="DIGITALPOST",
            messageUUID=message_uuid,
            label=letter.subject,
            mandatory=False,
            legalNotification=bool(letter.legal_notice),
            sender=Sender(
                senderID=letter.sender_identifier,
                idType=letter.sender_identifier_type,
                label=letter.sender_name,
            ),
            recipient=Recipient(
                recipientID=recipient_id,
                idType=recipient_id_type,
                label=letter.recipient_name,
            ),
        ),
        messageBody=MessageBody(
            createdDateTime=_utc(letter.created_at),
            mainDocument=MainDocument(
                mainDocumentID=message_uuid,
                label=letter.subject,
                files=(
                    File(
                        encodingFormat="application/pdf",
                        filename=f"brev-{letter.pk or message_uuid}.pdf",
                        language="da",
                        content=base64.b64encode(pdf).decode("ascii"),
                    ),
                ),
            ),
        ),
    )


def build_memo(letter, *, pdf: bytes, recipient_cpr: str = "", recipient_cvr: str = "") -> bytes:
    """The MeMo 1.2 XML (UTF-8, with an XML declaration) of ``letter`` with ``pdf`` attached."""
    element = xml_util.dataclass_to_xml(
        build_message(letter, pdf=pdf, recipient_cpr=recipient_cpr, recipient_cvr=recipient_cvr)
    )
    return ElementTree.tostring(element, encoding="UTF-8", xml_declaration=True)


def _text(parent: ElementTree.Element, path: str) -> str:
    node = parent.find(path)
    return (node.text or "") if node is not None else ""


def memo_summary(xml_bytes: bytes) -> dict[str, Any]:
    """The essentials of a MeMo file: uuid, label, sender_id, recipient_id, pdf and
    legal_notification. Raises ``ValueError`` for anything that is not a MeMo message."""
    try:
        # Our own files; ElementTree does not resolve external entities.
        root = ElementTree.fromstring(xml_bytes)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise ValueError(f"Not well-formed XML: {exc}") from exc
    if root.tag != _q("Message"):
        raise ValueError(f"Not a MeMo message: root element {root.tag}")
    header = root.find(_q("MessageHeader"))
    if header is None:
        raise ValueError("MeMo message without a MessageHeader")
    content = _text(root, f"{_q('MessageBody')}/{_q('MainDocument')}/{_q('File')}/{_q('content')}")
    return {
        "uuid": _text(header, _q("messageUUID")),
        "label": _text(header, _q("label")),
        "sender_id": _text(header, f"{_q('Sender')}/{_q('senderID')}"),
        "recipient_id": _text(header, f"{_q('Recipient')}/{_q('recipientID')}"),
        "pdf": base64.b64decode(content, validate=True) if content else b"",
        "legal_notification": _text(header, _q("legalNotification")) == "true",
    }
