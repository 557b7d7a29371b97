"""Personal data (个人信息保护法 art. 28: ID numbers, 残疾证号, phones, bank cards, health and disability) as a
reader may see it: the one place that decides and masks.

Whether a reader sees it in full is decided *when reading*, by the reader's permission (``sees_in_full``) or a
logged reveal of one household (``Shown(full=True)``) — never by who asked for a file or wrote an entry. Pages,
PDFs, spreadsheets, history entries, job files and API serializers all mask through ``Shown``, the template tag
``{% personal value "kind" %}`` (core/templatetags/personal.py) or ``mask_fields``/``mask_changes``.

Masked forms keep what a reader needs to tell records apart without being able to rebuild them: the first 4 and
last 4 characters of an ID number — with the birth date cut to its year, since the birth date *is* characters
7–14 of the number; 3 + 4 digits of a phone; the last 4 digits of a card; a health status not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

ID = "id"
CERTIFICATE = "certificate"
PHONE = "phone"
CARD = "card"
BANK = "bank"  # a bank account number (一卡通): in full for finance roles, who pay to it
HEALTH = "health"
BIRTH_DATE = "birth_date"
TEXT = "text"  # free text that may hold personal numbers

# Field names (model fields, serializer keys, audit snapshot keys) that hold personal data, with their kind.
FIELD_KINDS: dict[str, str] = {
    "id_number": ID,
    "head_id_number": ID,
    "disability_certificate": CERTIFICATE,
    "phone": PHONE,
    "contact": PHONE,
    "contact_phone": PHONE,
    "bank_account": BANK,
    "card_number": CARD,
    "health": HEALTH,
    "birth_date": BIRTH_DATE,
}


def mask_id_number(number: str | None) -> str:
    """Keep the first 4 and the last 4 characters: 5226**********001X."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "*" * len(number)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "*" * len(phone)


def mask_card(number: str | None) -> str:
    """A bank card keeps its last 4 digits: **** **** **** 1234."""
    if not number:
        return ""
    return "**** " + number[-4:] if len(number) > 4 else "*" * len(number)


def mask_birth_date(value: Any) -> str:
    """The year only (the full date is 8 of the ID number's 10 hidden characters)."""
    if not value:
        return ""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return text[:4] + "-**-**"


def mask(kind: str, value: Any) -> Any:
    """``value`` of ``kind`` as a reader without the right to see it in full sees it."""
    if value in (None, "", []):
        return value
    if kind in (ID, CERTIFICATE):
        return mask_id_number(str(value))
    if kind == PHONE:
        return mask_phone(str(value))
    if kind in (CARD, BANK):
        return mask_card(str(value))
    if kind == BIRTH_DATE:
        return mask_birth_date(value)
    if kind == TEXT:
        return mask_text(str(value))
    return "***"  # health: no part of it is harmless


def mask_column(kind: str, texts):
    """``mask`` over an Arrow column of texts ("" for none), for the column-wise exports: each cell equal to
    ``mask`` of its value (a test holds it). Where the masked form is the value with a slice replaced (ID numbers,
    phones, cards, birth dates), a few vectorised steps per distinct length; else ``mask`` once per distinct
    value — an ID number is distinct per person, so once per value was a Python call per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lengths = pc.utf8_length(texts)
    distinct = [n for n in pc.unique(lengths).to_pylist() if n]
    if kind not in _SLICED or len(distinct) > 16:
        encoded = pc.dictionary_encode(texts)
        shown = [mask(kind, v) for v in encoded.dictionary.to_pylist()]
        return pc.take(pa.array(shown, pa.string()), encoded.indices)
    out = texts
    for n in distinct:
        start, stop, stars, short = _SLICED[kind](n)
        masked = pa.scalar("*" * n) if short else pc.utf8_replace_slice(texts, start, stop, stars)
        out = pc.if_else(pc.equal(lengths, n), masked, out)
    return out


# kind → for a value of n characters: (start, stop, replacement, or True where the whole value is starred)
_SLICED = {
    ID: lambda n: (4, n - 4, "*" * (n - 8), n <= 8),
    CERTIFICATE: lambda n: (4, n - 4, "*" * (n - 8), n <= 8),
    PHONE: lambda n: (3, n - 4, "****", n < 11),
    CARD: lambda n: (0, n - 4, "**** ", n <= 4),
    BANK: lambda n: (0, n - 4, "**** ", n <= 4),
    BIRTH_DATE: lambda n: (min(4, n), n, "-**-**", False),
}


# Personal numbers inside free text (a department list's remarks, a note): mobile and landline phones, ID and
# 残疾证号 numbers, card-length digit runs.
IN_TEXT = re.compile(
    r"(?<![0-9])(?:[0-9]{17}[0-9Xx](?:[0-9]{2})?|[0-9]{15,19}|1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])"
)


def mask_text(text: str | None) -> str:
    """Free text with every personal number in it masked (the words stay)."""
    if not text:
        return text or ""
    return IN_TEXT.sub(
        lambda m: mask_id_number(m.group()) if len(m.group()) > 13 else mask_phone(m.group()), text
    )


def sees_bank_accounts(user) -> bool:
    """Does ``user`` see bank account numbers in full: those who see all personal data, and finance roles (the
    role that pays to the accounts: ``manage_funds`` in accounts.permissions)?"""
    return sees_in_full(user) or bool(user is not None and user.is_authenticated and user.can("manage_funds"))


def sees_in_full(user) -> bool:
    """Does ``user``'s permission show personal data in full without asking (no reveal needed)?"""
    return bool(user is not None and user.is_authenticated and user.sees_personal_data)


@dataclass(frozen=True)
class Shown:
    """Personal data as one reader sees it. ``full`` is the reader's permission, or a logged reveal."""

    full: bool
    bank: bool = False  # bank accounts in full (finance roles), whatever ``full`` says of the rest

    @classmethod
    def for_reader(cls, user, *, revealed: bool = False) -> Shown:
        return cls(full=revealed or sees_in_full(user), bank=sees_bank_accounts(user))

    def value(self, kind: str, value: Any) -> Any:
        if kind == BANK and self.bank:
            return value
        return value if self.full else mask(kind, value)

    def member(self, m) -> Any:
        """Set ``shown_id``, ``shown_certificate``, ``shown_birth_date`` and ``shown_health`` on a member for
        templates (which then never read the raw fields)."""
        m.shown_id = self.value(ID, m.id_number)
        m.shown_certificate = self.value(CERTIFICATE, m.disability_certificate)
        m.shown_birth_date = (
            m.birth_date.isoformat() if self.full and m.birth_date else mask_birth_date(m.birth_date)
        )
        m.shown_health = m.get_health_display() if self.full else mask(HEALTH, m.health)
        return m


def mask_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with every personal key masked (nested dicts and lists of dicts too)."""
    out = {}
    for key, value in data.items():
        if key in FIELD_KINDS:
            out[key] = mask(FIELD_KINDS[key], value)
        elif isinstance(value, dict):
            out[key] = mask_fields(value)
        elif isinstance(value, list):
            out[key] = [mask_fields(v) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


def mask_changes(changes: dict[str, list], *, full: bool) -> dict[str, list]:
    """An audit entry's ``{field: [before, after]}`` as the reader may see it."""
    if full:
        return changes
    out = {}
    for key, pair in changes.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            out[key] = _mask_any(key, pair)
            continue
        out[key] = [_mask_any(key, v) for v in pair]
    return out


def _mask_any(key: str, value: Any) -> Any:
    return mask_fields({key: value})[key]
