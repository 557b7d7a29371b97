"""Failed-login throttling per (username, client address), kept in the cache (Redis in production)."""

from django.conf import settings
from django.core.cache import cache


def _key(username: str, ip: str | None) -> str:
    return f"login-fail:{(username or '').lower()}:{ip or '-'}"


def is_locked(username: str, ip: str | None) -> bool:
    return cache.get(_key(username, ip), 0) >= settings.LOGIN_FAILURE_LIMIT


def record_failure(username: str, ip: str | None) -> None:
    key = _key(username, ip)
    cache.add(key, 0, settings.LOGIN_LOCK_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.LOGIN_LOCK_SECONDS)


def clear(username: str, ip: str | None) -> None:
    cache.delete(_key(username, ip))
