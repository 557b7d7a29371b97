"""Counters that expire: how often something happened lately (login failures, lookups), in the cache (Redis in
production, shared by every process)."""

from django.core.cache import cache


def bump(key: str, seconds: int) -> int:
    """Count one more under ``key`` (the window starts with the first count, ``seconds`` long); the new count."""
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return 1
