"""Phone numbers as links any phone can dial: ``tel:`` in E.164, shown as the corpus writes them. A number is
read in the country of the organisation that gives it (the corpus's country code), never a country fixed here."""

from __future__ import annotations

import html
import re

import phonenumbers

EMERGENCY_NUMBER = "112"


def dialable(phone: str, region: str | None) -> str:
    """The number in E.164 for a ``tel:`` link, read as dialled in ``region`` (ISO 3166 code, any case; None:
    only numbers written with their + country code); 112 and numbers the library cannot read keep their digits."""
    digits = re.sub(r"[^0-9+]", "", phone)
    if digits == EMERGENCY_NUMBER:
        return digits
    try:
        number = phonenumbers.parse(phone, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def tel_link(phone: str, region: str | None) -> str:
    """An escaped ``<a href="tel:...">`` showing the number as written."""
    return (f'<a class="tel" href="tel:{html.escape(dialable(phone, region), quote=True)}">'
            f"{html.escape(phone)}</a>")
