"""Where Digital Post letters go: a filesystem outbox (default) or Serviceplatformen (SF1601).

Both are idempotent per message UUID: the outbox writes ``<uuid>.xml`` (a re-send overwrites the
same file), and Digital Post treats a message with a UUID it already has as the same message.
Transport errors (``OSError``, ``requests.RequestException``, ``ValueError`` from the token
service) are raised to the caller, which records the failed attempt and retries later.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import os
import re
import tempfile
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from python_serviceplatformen.authentication import KombitAccess
from python_serviceplatformen.date_helper import format_datetime


@dataclass(frozen=True)
class TransportResult:
    reference: str  # where/how it went (file path or Serviceplatformen transaction id)
    delivered: bool  # True when the transport itself is the final destination


class DigitalPostTransport(Protocol):
    name: str

    def send(self, *, message_uuid: str, memo_xml: bytes) -> TransportResult: ...

    def flush(self) -> None:
        """Make everything sent so far durable; called before a batch's sends are recorded on the
        letters (each ``send`` must already be durable when it returns: its attempt is recorded)."""


def _canonical_uuid(message_uuid: str) -> str:
    """The UUID in canonical form; anything else is refused (it becomes a file name)."""
    try:
        return str(uuid.UUID(str(message_uuid)))
    except ValueError as exc:
        raise ValueError(f"Not a message UUID: {message_uuid!r}") from exc


class FilesystemOutboxTransport:
    """Writes each MeMo message to ``settings.LETTERS_OUTBOX_DIR / "<uuid>.xml"``.

    Atomic: the XML goes to a hidden temporary file in the same folder, is flushed to disk and
    then renamed over the final name, so a reader never sees half a file and a crash leaves
    either the old or the new message. The same UUID always gives the same file. Files are
    created with mode 0600: a MeMo message contains the recipient's CPR number.
    """

    name = "filesystem"

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory if directory is not None else settings.LETTERS_OUTBOX_DIR)
        self._directory_ready = False

    def send(self, *, message_uuid: str, memo_xml: bytes) -> TransportResult:
        """Write the message durably under its UUID: the file and its rename are on disk when this
        returns, because the dispatcher records the attempt as sent right after (a send attempt
        that says "sent" must stay true after a crash of the machine, not only of the worker)."""
        message_uuid = _canonical_uuid(message_uuid)
        if not self._directory_ready:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._directory_ready = True
        target = self.directory / f"{message_uuid}.xml"
        fd, temp_name = tempfile.mkstemp(dir=self.directory, prefix=f".{message_uuid}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as temp_file:
                temp_file.write(memo_xml)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        self._fsync_directory()
        self._remove_orphans(message_uuid)
        return TransportResult(reference=str(target), delivered=True)

    def _remove_orphans(self, message_uuid: str) -> None:
        """A worker killed (SIGKILL) mid-write leaves its hidden temporary file behind; the letter is
        claimed again and re-sent, and once that copy is in place the orphan of the same message goes."""
        for orphan in self.directory.glob(f".{message_uuid}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                orphan.unlink()

    def flush(self) -> None:
        """Nothing left to do: each ``send`` is durable when it returns."""

    def _fsync_directory(self) -> None:
        """Make the rename itself durable (POSIX; not possible on every platform)."""
        try:
            dir_fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)


# SF1601 KombiPostAfsend: the MeMo endpoint and the entity id its access token is issued for.
KOMBI_MEMO_PATH = "service/KombiPostAfsend_1/memos"
KOMBI_ENTITY_ID = "http://entityid.kombit.dk/service/kombipostafsend/1"
KOMBI_CHOICE_DIGITAL_POST = "Digital Post"
REQUEST_TIMEOUT_SECONDS = 30

_XML_DECLARATION_RE = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")


@functools.lru_cache(maxsize=4)
def _kombit_access(cvr: str, cert_path: str, environment: str) -> KombitAccess:
    """One ``KombitAccess`` per configuration, so its SAML and access tokens are reused."""
    access = KombitAccess(cvr=cvr, cert_path=cert_path, test="exttest" in environment)
    access.environment = environment
    return access


def kombi_request_body(memo_xml: bytes) -> bytes:
    """The SF1601 request: ``<kombi_request>`` with ``KombiValgKode`` "Digital Post" and the MeMo
    ``Message`` element, as UTF-8 bytes.

    Same structure as ``python_serviceplatformen.digital_post.send_message`` (which takes a
    ``Message`` dataclass, not XML), but the MeMo bytes are embedded as they are: what was built
    and stored is exactly what is sent.
    """
    message = _XML_DECLARATION_RE.sub(b"", memo_xml, count=1)
    if not message.startswith(b"<"):
        raise ValueError("The MeMo XML must start with its Message element.")
    return (
        b"<?xml version='1.0' encoding='UTF-8'?>\n<kombi_request><KombiValgKode>"
        + KOMBI_CHOICE_DIGITAL_POST.encode()
        + b"</KombiValgKode>"
        + message
        + b"</kombi_request>"
    )


class ServiceplatformenTransport:
    """Production: SF1601 KombiPostAfsend (``/memos``) on Serviceplatformen, with the OCES3
    certificate in ``settings.SERVICEPLATFORMEN_CERT_PATH`` (one PEM file with key and
    certificate). Digital Post confirms delivery later, so ``delivered`` is False and the
    reference is the transaction id (``X-TransaktionsId``) to trace the message with."""

    name = "serviceplatformen"

    def __init__(self) -> None:
        self.cert_path = settings.SERVICEPLATFORMEN_CERT_PATH
        self.sender_cvr = settings.SERVICEPLATFORMEN_SENDER_CVR
        environment = settings.SERVICEPLATFORMEN_ENVIRONMENT
        if not self.cert_path:
            raise ImproperlyConfigured(
                "Digital Post via Serviceplatformen needs SERVICEPLATFORMEN_CERT_PATH: the OCES3 "
                "certificate and key in one PEM file."
            )
        if not self.sender_cvr:
            raise ImproperlyConfigured(
                "Digital Post via Serviceplatformen needs SERVICEPLATFORMEN_SENDER_CVR: the CVR number "
                "the system calls Serviceplatformen on behalf of."
            )
        if not environment:
            raise ImproperlyConfigured(
                "SERVICEPLATFORMEN_ENVIRONMENT is empty (e.g. https://prod.serviceplatformen.dk/)."
            )
        self.environment = environment.rstrip("/") + "/"
        self.url = urllib.parse.urljoin(self.environment, KOMBI_MEMO_PATH)

    def flush(self) -> None:
        """Nothing to do: each message is accepted (or refused) synchronously by the service."""

    def send(self, *, message_uuid: str, memo_xml: bytes) -> TransportResult:
        _canonical_uuid(message_uuid)
        access = _kombit_access(self.sender_cvr, self.cert_path, self.environment)
        transaction_id = str(uuid.uuid4())
        headers = {
            "X-TransaktionsId": transaction_id,
            # Like the package: UTC time with a "Z".
            "X-TransaktionsTid": format_datetime(datetime.datetime.now(datetime.UTC)),
            "authorization": access.get_access_token(KOMBI_ENTITY_ID),
            "Content-Type": "application/xml",
        }
        response = requests.post(
            url=self.url,
            headers=headers,
            data=kombi_request_body(memo_xml),
            cert=self.cert_path,
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        return TransportResult(reference=transaction_id, delivered=False)


TRANSPORTS: dict[str, type] = {
    FilesystemOutboxTransport.name: FilesystemOutboxTransport,
    ServiceplatformenTransport.name: ServiceplatformenTransport,
}


def get_transport() -> DigitalPostTransport:
    """The transport named by ``settings.LETTERS_DIGITAL_POST_TRANSPORT``."""
    name = settings.LETTERS_DIGITAL_POST_TRANSPORT
    try:
        transport_class = TRANSPORTS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"LETTERS_DIGITAL_POST_TRANSPORT={name!r} is not a Digital Post transport; "
            f"use one of {', '.join(sorted(TRANSPORTS))}."
        ) from None
    return transport_class()
