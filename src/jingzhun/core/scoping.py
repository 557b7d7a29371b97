"""Region scope, enforced in one place.

Every queryset a user can reach starts from ``Model.objects.for_user(user, action)``. A scoped model names the
column holding its 12-digit region code in ``scope_lookup``; the user's scope is a contiguous code range (the
subtree of their region), so the filter is one indexed range condition whatever the depth of the tree.
"""

from __future__ import annotations

from django.db import models

from .codes import ancestors_of


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> ScopedQuerySet:
        """Rows ``user`` may ``action`` (view, change, export…): none when the role forbids it."""
        if user is None or not user.is_authenticated or not user.can(action):
            return self.none()
        code_range = user.scope_range()
        if code_range is None:  # national scope
            return self
        return self.filter(**{f"{self.model.scope_lookup}__range": code_range})

    def in_region(self, region) -> ScopedQuerySet:
        """Narrow to a region's subtree (a request filter: it can only narrow, never widen, for_user)."""
        return self.filter(**{f"{self.model.scope_lookup}__range": region.subtree_range()})


class SharedDownQuerySet(ScopedQuerySet):
    """Records that belong to a region but are also read by the regions below it (a county's 回头看 by its
    villages, a provincial helping unit by the counties it helps): the scope range, plus the user's ancestors'
    rows, plus national rows (region empty) — still one indexed condition, the ancestors computed from the code."""

    def for_user(self, user, action: str = "view") -> SharedDownQuerySet:
        own = super().for_user(user, action)
        if user is None or not user.is_authenticated or not user.can(action) or not user.region_id:
            return own
        field = self.model.scope_lookup.removesuffix("__code")
        return own | self.filter(
            models.Q(**{f"{field}__in": ancestors_of(user.region_id)})
            | models.Q(**{f"{field}__isnull": True})
        )


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
