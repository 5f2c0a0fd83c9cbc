"""Phone numbers, e-mail addresses and identifiers: normalise on the way in, mask on the way out."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.errors import InvalidInput
from core.tenancy.context import Role

NON_DIGITS = re.compile(r"\D")
# Agents and viewers see phone numbers and ID numbers masked (least privilege).
SENSITIVE_VIEWER_FLOOR = Role.supervisor


class ContactInfoError(ValueError):
    """A value that is not a phone number or e-mail address; the message says why."""


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """E.164 (`+8613812345678`); national numbers are read in the tenant's country."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ContactInfoError("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ContactInfoError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ContactInfoError(str(exc)) from exc


def phone_digits(text: str) -> str:
    return NON_DIGITS.sub("", text)


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        keep_start, keep_end = 1, 1
    if len(value) <= 2:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_phone(e164: str) -> str:
    """`+86 138****5678`: country code kept, middle of the national number hidden."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return _mask_middle(e164, 3, 2)
    national = str(number.national_number)
    return f"+{number.country_code} {_mask_middle(national, 3, 4)}"


def mask_recipient(value: str) -> str:
    """A message recipient (a phone number or an e-mail address), masked."""
    if value.startswith("+") and phone_digits(value) == value[1:]:
        return mask_phone(value)
    local, at, domain = value.rpartition("@")
    if at:
        return _mask_middle(local, 1, 1) + "@" + domain
    return _mask_middle(value, 2, 2)


def mask_id_number(value: str) -> str:
    """`110101********1234` for an 18-character resident ID; shorter ids keep less."""
    return _mask_middle(value, 6 if len(value) >= 15 else 2, 4 if len(value) >= 10 else 1)


def normalized_contact_fields(
    values: dict[str, Any], country: str, prefix: str = ""
) -> dict[str, Any]:
    """Phone to E.164 and e-mail to its normal form, or a 422 naming the field."""
    errors = []
    out = dict(values)
    for field, normalize in (
        ("phone", lambda v: normalize_phone(v, country)),
        ("email", normalize_email),
    ):
        if out.get(field) is not None:
            try:
                out[field] = normalize(out[field])
            except ContactInfoError as exc:
                errors.append((prefix + field, str(exc)))
    if errors:
        raise InvalidInput(errors)
    return out
