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
    return _sliced(ID, number)


def mask_phone(phone: str | None) -> str:
    return _sliced(PHONE, phone)


def mask_card(number: str | None) -> str:
    """A bank card keeps its last 4 digits: **** **** **** 1234."""
    return _sliced(CARD, number)


def mask_birth_date(value: Any) -> str:
    """The year only (the full date is 8 of the ID number's 10 hidden characters)."""
    if not value:
        return ""
    return _sliced(BIRTH_DATE, value.isoformat() if isinstance(value, dt.date) else str(value))


def _sliced(kind: str, text: str | None) -> str:
    """``text`` masked by the rule of ``kind`` (``SLICED``)."""
    if not text:
        return ""
    n = len(text)
    start, stop, fill, short = SLICED[kind].at(n)
    return "*" * n if short else text[:start] + fill + text[stop:]


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
    return HIDDEN  # health: no part of it is harmless


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


@dataclass(frozen=True)
class Sliced:
    """A masking rule that keeps the first ``head`` and last ``tail`` characters and replaces the middle by
    ``fill`` (None: one "*" per hidden character); a value of at most ``short`` characters is starred whole
    (``short`` -1: never). ``mask_id_number``, ``mask_phone``, ``mask_card`` and ``mask_birth_date`` give
    what these rules say (a test holds it); the column-wise exports apply the rules themselves — on Arrow
    columns (``mask_column``) or in the query (``mask_sql``)."""

    head: int
    tail: int
    fill: str | None
    short: int

    def at(self, n: int) -> tuple[int, int, str, bool]:
        """For a value of ``n`` characters: (start, stop, replacement, starred whole)."""
        start = min(self.head, n)
        return start, n - self.tail, self.fill or "*" * (n - self.head - self.tail), n <= self.short


# kind → its rule, for the kinds whose masked form is the value with a slice replaced
SLICED = {
    ID: Sliced(head=4, tail=4, fill=None, short=8),
    CERTIFICATE: Sliced(head=4, tail=4, fill=None, short=8),
    PHONE: Sliced(head=3, tail=4, fill="****", short=10),
    CARD: Sliced(head=0, tail=4, fill="**** ", short=4),
    BANK: Sliced(head=0, tail=4, fill="**** ", short=4),
    BIRTH_DATE: Sliced(head=4, tail=0, fill="-**-**", short=-1),
}
_SLICED = {kind: rule.at for kind, rule in SLICED.items()}
HIDDEN = "***"  # what is left of a health status (and any kind without a rule)


def mask_sql(kind: str, expr: str) -> str:
    """A PostgreSQL expression giving ``mask(kind, ·)`` of the text expression ``expr`` ("" or NULL stay as
    they are), built from the same rules as ``mask_column``: the exports' query masks as the helper does (a
    test compares it with ``mask`` cell for cell). Free text (``TEXT``) has no rule a query can apply."""
    if kind == TEXT:
        raise ValueError("free text is masked in Python (mask_text)")
    rule = SLICED.get(kind)
    if rule is None:
        return f"(CASE WHEN {expr} <> '' THEN '{HIDDEN}' ELSE {expr} END)"
    n = f"char_length({expr})"
    fill = f"repeat('*', {n} - {rule.head + rule.tail})" if rule.fill is None else _literal(rule.fill)
    parts = [f"left({expr}, {rule.head})"] if rule.head else []
    parts.append(fill)
    if rule.tail:
        parts.append(f"right({expr}, {rule.tail})")
    return (
        f"(CASE WHEN {expr} = '' OR {expr} IS NULL THEN {expr} WHEN {n} <= {rule.short} THEN repeat('*', {n}) "
        f"ELSE {' || '.join(parts)} END)"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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
