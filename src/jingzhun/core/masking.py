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
from dataclasses import dataclass
from typing import Any

ID = "id"
CERTIFICATE = "certificate"
PHONE = "phone"
CARD = "card"
HEALTH = "health"
BIRTH_DATE = "birth_date"

# Field names (model fields, serializer keys, audit snapshot keys) that hold personal data, with their kind.
FIELD_KINDS: dict[str, str] = {
    "id_number": ID,
    "head_id_number": ID,
    "disability_certificate": CERTIFICATE,
    "phone": PHONE,
    "contact": PHONE,
    "contact_phone": PHONE,
    "bank_account": CARD,
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
    if kind == CARD:
        return mask_card(str(value))
    if kind == BIRTH_DATE:
        return mask_birth_date(value)
    return "***"  # health: no part of it is harmless


def sees_in_full(user) -> bool:
    """Does ``user``'s permission show personal data in full without asking (no reveal needed)?"""
    return bool(user is not None and user.is_authenticated and user.sees_personal_data)


@dataclass(frozen=True)
class Shown:
    """Personal data as one reader sees it. ``full`` is the reader's permission, or a logged reveal."""

    full: bool

    @classmethod
    def for_reader(cls, user, *, revealed: bool = False) -> Shown:
        return cls(full=revealed or sees_in_full(user))

    def value(self, kind: str, value: Any) -> Any:
        return value if self.full else mask(kind, value)

    def field(self, name: str, value: Any) -> Any:
        kind = FIELD_KINDS.get(name)
        return value if kind is None else self.value(kind, value)

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

    def fields(self, data: dict[str, Any]) -> dict[str, Any]:
        return data if self.full else mask_fields(data)


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
            out[key] = pair
            continue
        out[key] = [_mask_any(key, v) for v in pair]
    return out


def _mask_any(key: str, value: Any) -> Any:
    if key in FIELD_KINDS:
        return mask(FIELD_KINDS[key], value)
    if isinstance(value, dict):
        return mask_fields(value)
    if isinstance(value, list):
        return [mask_fields(v) if isinstance(v, dict) else v for v in value]
    return value
