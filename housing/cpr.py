"""CPR numbers: validation (python-stdnum), encryption at rest, keyed lookup hash and masking.

The law and the architecture guide ask that a CPR number is never stored or shown in clear text
unless a reason is given. We keep three derived values on a person: the Fernet token (to reveal
the number when a purpose is stated), an HMAC-SHA256 of the normalised number (to find a person
without decrypting every row) and the birth date (which is also what the masked form shows).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.dk import cpr as stdnum_cpr

# Anything that looks like a CPR number in free text: 6 digits, an optional separator, 4 digits.
# The separator may be a dash or space as typed, a typographic dash, or a space or dash as a URL
# encodes it ("+", "%20", "%2D"), since request lines are logged before anything decodes them.
CPR_PATTERN = re.compile(r"(?<!\d)(\d{6})(?:[- +\u2010-\u2015]|%20|%2[dD])?(\d{4})(?!\d)")


def normalise(value: str) -> str:
    """Return the 10 digits of a CPR number or raise ``ValidationError`` with a Danish message.

    Modulus 11 is deliberately not demanded: numbers without a valid check digit have been
    issued since 2007 (stdnum's ``validate`` does not demand it either).
    """
    raw = (value or "").strip()
    try:
        return stdnum_cpr.validate(raw)
    except stdnum_exceptions.InvalidLength as exc:
        raise ValidationError(_("A CPR number has 10 digits (DDMMYY-XXXX)."), code="cpr_length") from exc
    except stdnum_exceptions.InvalidFormat as exc:
        raise ValidationError(
            _("A CPR number may only contain digits and one dash."), code="cpr_format"
        ) from exc
    except stdnum_exceptions.InvalidComponent as exc:
        raise ValidationError(
            _("The first six digits of a CPR number must be a real birth date that is not in the future."),
            code="cpr_date",
        ) from exc
    except stdnum_exceptions.ValidationError as exc:  # any other stdnum complaint
        raise ValidationError(_("This is not a valid CPR number."), code="cpr_invalid") from exc


def birth_date(number: str) -> datetime.date:
    return stdnum_cpr.get_birth_date(number)


def _fernet() -> MultiFernet:
    # The first key encrypts; all keys decrypt, so keys can be rotated without a migration.
    return MultiFernet([Fernet(key.strip().encode()) for key in settings.CPR_ENCRYPTION_KEYS])


def encrypt(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong key is a configuration error, never user input
        raise RuntimeError("CPR token cannot be decrypted with the configured keys") from exc


def lookup_hash(number: str) -> str:
    return hmac.new(settings.CPR_HASH_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


def mask(born: datetime.date | None) -> str:
    """The masked form ``DDMMYY-XXXX`` shown everywhere a reason has not been given."""
    if born is None:
        return "—"
    return f"{born:%d%m%y}-XXXX"


def redact(text: str) -> str:
    """Replace anything shaped like a CPR number in free text (log lines, error reports)."""
    return CPR_PATTERN.sub(lambda m: f"{m.group(1)}-XXXX", text)
