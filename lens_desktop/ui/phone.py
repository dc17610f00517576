"""Phone numbers for the SMS invitation, as plain functions (no widgets): the regions a
technician can pick as the default, the system's own, and the check run as they type.

The rules are the server's (lens_server/sms.py, the same ``phonenumbers`` library):
the console checks inline so the technician sees the problem next to the field, and the
server checks again before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers.geodata.locale import LOCALE_DATA
from PySide6.QtCore import QLocale

from lens_desktop.ui.language import translate

_TEXTABLE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.UNKNOWN,
}


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166, "NL"
    name: str  # in the interface language where known, "Netherlands"
    calling_code: int  # 31

    @property
    def label(self) -> str:
        return f"{self.name} (+{self.calling_code})"


def region_name(code: str, language: str) -> str:
    """The region's name in ``language`` (en or nl) from the library's locale data,
    else Qt's English name, else the code itself."""
    names = LOCALE_DATA.get(code, {})
    name = names.get(language) or names.get("en") or ""
    if name.startswith("*"):  # the library's "same as in that language"
        name = names.get(name[1:], "")
    if not name:
        territory = QLocale.codeToTerritory(code)
        name = QLocale.territoryToString(territory) if territory.value else code
    return str(name)


def region_label(code: str, language: str) -> str:
    """ "Netherlands (+31)"."""
    return Region(
        code, region_name(code, language), phonenumbers.country_code_for_region(code)
    ).label


@cache
def regions(language: str) -> tuple[Region, ...]:
    """Every region the library knows, sorted by name in ``language``."""
    found = [
        Region(code, region_name(code, language), phonenumbers.country_code_for_region(code))
        for code in phonenumbers.SUPPORTED_REGIONS
    ]
    return tuple(sorted(found, key=lambda r: r.name.casefold()))


def system_region(locale: QLocale | None = None) -> str:
    """The region of the system's locale ("NL" for nl_NL), or "" when it has none the
    library knows (the C locale, "World")."""
    locale = locale or QLocale.system()
    code = QLocale.territoryToCode(locale.territory())
    return code if code in phonenumbers.SUPPORTED_REGIONS else ""


@dataclass(frozen=True)
class PhoneCheck:
    """What the field holds: ``e164`` when it is a mobile number; else a ``problem``
    for a person, and ``incomplete`` while the technician may still be typing."""

    e164: str = ""
    display: str = ""
    problem: str | None = None
    incomplete: bool = False


def check_phone(text: str, region: str) -> PhoneCheck:
    """Check a number as typed, read in ``region`` unless it starts with +."""
    raw = text.strip()
    if not raw:
        return PhoneCheck(
            problem=translate("Phone", "Enter the customer's mobile number."), incomplete=True
        )
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException as exc:
        return _unparsable(raw, region, exc)
    mobile = phonenumbers.PhoneNumberType.MOBILE
    reason = phonenumbers.is_possible_number_for_type_with_reason(number, mobile)
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        return PhoneCheck(
            problem=translate("Phone", "Not a valid phone number: it is too short."),
            incomplete=True,
        )
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        return PhoneCheck(problem=translate("Phone", "Not a valid phone number: it is too long."))
    if reason == phonenumbers.ValidationResult.INVALID_LENGTH:
        return PhoneCheck(
            problem=translate(
                "Phone", "Not a valid phone number: it has the wrong number of digits."
            )
        )
    if not phonenumbers.is_valid_number(number):
        return PhoneCheck(problem=translate("Phone", "Not a valid phone number for its country."))
    if phonenumbers.number_type(number) not in _TEXTABLE:
        return PhoneCheck(
            problem=translate(
                "Phone", "This is not a mobile number: a text message cannot reach it."
            )
        )
    return PhoneCheck(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        display=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


def _unparsable(raw: str, region: str, exc: phonenumbers.NumberParseException) -> PhoneCheck:
    if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
        if raw.startswith("+"):
            return PhoneCheck(
                problem=translate(
                    "Phone", "Not a valid phone number: its country code is unknown."
                ),
                # "+3" on the way to "+31": the country code may still be typed
                incomplete=sum(ch.isdigit() for ch in raw) < 3,
            )
        return PhoneCheck(
            problem=translate(
                "Phone",
                "Start the number with + and the country code, or choose a default region "
                "in Settings.",
            )
        )
    short = exc.error_type in (
        phonenumbers.NumberParseException.TOO_SHORT_NSN,
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD,
    )
    # "+", "0": the first keys of a number, not yet a mistake; letters are one at once.
    starting = set(raw) <= _PHONE_CHARACTERS and sum(ch.isdigit() for ch in raw) < 4
    return PhoneCheck(
        problem=translate("Phone", "Not a valid phone number."),
        incomplete=starting or (short and bool(region)),
    )


_PHONE_CHARACTERS = frozenset("0123456789+ ()-./")


def example_number(region: str) -> str:
    """A mobile number of ``region`` as people write it there, for the placeholder."""
    number = phonenumbers.example_number_for_type(
        region or None, phonenumbers.PhoneNumberType.MOBILE
    )
    if number is None:
        return "+31 6 12345678"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
