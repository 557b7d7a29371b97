"""How many cross-region duplicate checks a user may trigger per hour.

A duplicate ID number outside the user's scope names the other county: useful for the routine case (a bride
registered in her home county), but a lookup of anyone's county by ID number if unlimited. Each such answer is
counted here (Redis in production) and audited by the caller; past the allowance the answer names no region.
"""

from django.conf import settings

from jingzhun.core.counters import bump

WINDOW_SECONDS = 3600


def count(user) -> bool:
    """Count one lookup for ``user``; True while the user is within ``ID_LOOKUP_LIMIT`` this hour."""
    return bump(f"id-lookup:{user.pk}", WINDOW_SECONDS) <= settings.ID_LOOKUP_LIMIT
