"""CPR numbers: validation, encryption at rest, keyed lookup hash, masking, redaction, age."""

from __future__ import annotations

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from stdnum.dk import cpr as stdnum_cpr

from housing import cpr
from housing.models import Person


def test_valid_cpr_without_modulus_11_is_accepted():
    assert stdnum_cpr.checksum("0101901234") != 0  # fails the old modulus-11 check
    assert cpr.normalise("0101901234") == "0101901234"
    assert cpr.normalise(" 010190-1234 ") == "0101901234"
    assert cpr.birth_date("0101901234") == datetime.date(1990, 1, 1)


def test_century_follows_the_seventh_digit():
    assert cpr.birth_date("0101104234") == datetime.date(2010, 1, 1)
    assert cpr.birth_date("0101504234") == datetime.date(1950, 1, 1)
    assert cpr.birth_date("0101100234") == datetime.date(1910, 1, 1)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("01019012", "cpr_length"),
        ("010190123456", "cpr_length"),
        ("01019O1234", "cpr_format"),
        ("0101/901234", "cpr_format"),
        ("3201901234", "cpr_date"),  # no 32nd day
        ("3002901234", "cpr_date"),  # no 30 February
        ("0113901234", "cpr_date"),  # no 13th month
        ("0101354234", "cpr_date"),  # 2035: not born yet
    ],
)
def test_invalid_cpr_gives_a_specific_message_code(value, code):
    with pytest.raises(ValidationError) as excinfo:
        cpr.normalise(value)
    assert excinfo.value.code == code
    assert excinfo.value.messages[0]


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty_cpr_is_refused(value):
    with pytest.raises(ValidationError):
        cpr.normalise(value)


def test_future_birth_date_is_refused_with_the_date_code():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    seventh = "4" if tomorrow.year < 2037 else "5"
    with pytest.raises(ValidationError) as excinfo:
        cpr.normalise(f"{tomorrow:%d%m%y}{seventh}234")
    assert excinfo.value.code == "cpr_date"


def test_encrypt_decrypt_round_trip():
    token = cpr.encrypt("0101901234")
    assert "0101901234" not in token
    assert cpr.decrypt(token) == "0101901234"
    assert cpr.encrypt("0101901234") != token  # a fresh IV every time


def test_old_tokens_decrypt_after_key_rotation(settings):
    old_token = cpr.encrypt("0101901234")
    settings.CPR_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.CPR_ENCRYPTION_KEYS]
    assert cpr.decrypt(old_token) == "0101901234"


def test_a_wrong_key_is_a_configuration_error(settings):
    token = cpr.encrypt("0101901234")
    settings.CPR_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(RuntimeError):
        cpr.decrypt(token)


def test_lookup_hash_is_stable_and_keyed(settings):
    first = cpr.lookup_hash("0101901234")
    assert first == cpr.lookup_hash("0101901234")
    assert len(first) == 64 and int(first, 16) >= 0
    assert "0101901234" not in first
    assert cpr.lookup_hash("0202851234") != first
    settings.CPR_HASH_KEY = "another-key"
    assert cpr.lookup_hash("0101901234") != first


def test_mask_shows_the_birth_date_only():
    assert cpr.mask(datetime.date(1990, 1, 1)) == "010190-XXXX"
    assert cpr.mask(datetime.date(2005, 12, 24)) == "241205-XXXX"
    assert cpr.mask(None) == "—"


def test_person_keeps_only_derived_values():
    person = Person()
    person.set_cpr("010190-1234")
    assert person.birth_date == datetime.date(1990, 1, 1)
    assert person.cpr_hash == cpr.lookup_hash("0101901234")
    assert "0101901234" not in person.cpr_encrypted
    assert person.cpr_masked == "010190-XXXX"
    assert person.cpr_reveal() == "010190-1234"


def test_redact_replaces_cpr_numbers_in_text():
    text = "Ansøger 0101901234 (også skrevet 010190-1234 og 010190 1234) ringede."
    redacted = cpr.redact(text)
    assert "1234" not in redacted
    assert redacted == "Ansøger 010190-XXXX (også skrevet 010190-XXXX og 010190-XXXX) ringede."


def test_redact_leaves_other_numbers_alone():
    text = "Sag 2024-0001, tlf. 86 12 40 00, konto 12345678901, CVR 37192848."
    assert cpr.redact(text) == text


@pytest.mark.rule("R3.1")
def test_age_counts_the_birthday_itself():
    person = Person(birth_date=datetime.date(2011, 5, 3))
    assert person.age_on(datetime.date(2026, 5, 3)) == 15
    assert person.age_on(datetime.date(2026, 5, 2)) == 14
    assert person.age_on(datetime.date(2027, 5, 2)) == 15
