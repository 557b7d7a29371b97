"""Personal data encrypted at rest (个人信息保护法 art. 51; 等保 level 3): bank account numbers.

``EncryptedTextField`` stores a Fernet token (AES-128-CBC + HMAC-SHA256, from ``cryptography``) and gives the
plain text back in Python; the keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (newest first, ``MultiFernet``:
a key is rotated by listing the new one first and re-saving the rows). A token differs on every write, so equal
values cannot be found by comparing columns: ``digest`` is a keyed HMAC of the normalised value, stored beside it,
which a set-based rule compares (the same account paid to two households) without decrypting anything.

The development keys are public; ``core.checks.field_keys`` refuses them in ``check --deploy``.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "JINGZHUN_FIELD_KEYS: each key must be 32 url-safe base64-encoded bytes (Fernet.generate_key())"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("an encrypted value cannot be read with the configured keys") from exc


def digest(value: str | None) -> str:
    """A keyed, searchable fingerprint of ``value`` (hex, 64 characters); empty for no value."""
    if not value:
        return ""
    key = settings.FIELD_DIGEST_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; in Python the plain value (validators see the plain value).
    Empty stays empty (no token for nothing). Not for filtering: compare a ``digest`` column instead."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
