"""Reads of the region tree, always through the user's scope."""

from django.http import Http404

from .models import Region


def region_for_user(*, user, code: str) -> Region:
    """The region if it is in the user's scope; 404 otherwise (unknown and out-of-scope look the same)."""
    try:
        return Region.objects.for_user(user).get(code=code)
    except Region.DoesNotExist:
        raise Http404 from None
