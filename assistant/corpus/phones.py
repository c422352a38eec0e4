"""Phone numbers as links any phone can dial: ``tel:`` in E.164 (+370...), shown as the corpus writes them."""

from __future__ import annotations

import html
import re

import phonenumbers

EMERGENCY_NUMBER = "112"


def dialable(phone: str, region: str = "LT") -> str:
    """The number in E.164 for a ``tel:`` link; 112 and numbers the library cannot read keep their digits."""
    digits = re.sub(r"[^0-9+]", "", phone)
    if digits == EMERGENCY_NUMBER:
        return digits
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def tel_link(phone: str, region: str = "LT") -> str:
    """An escaped ``<a href="tel:...">`` showing the number as written."""
    return (f'<a class="tel" href="tel:{html.escape(dialable(phone, region), quote=True)}">'
            f"{html.escape(phone)}</a>")
