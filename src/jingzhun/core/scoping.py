"""Region scope, enforced in one place.

Every queryset a user can reach starts from ``Model.objects.for_user(user, action)``. A scoped model derives
from ``ScopedModel`` and names the column holding its 12-digit region code in ``scope_lookup`` — its own, or its
parent's for a child record (a step through its application: ``application__region__code``); the user's scope
is a contiguous code range (the subtree of their region), so the filter is one indexed range condition whatever
the depth of the tree (a child adds one join to its parent). ``scoped_models()`` lists them all: the scope
matrix (tests/test_scope_matrix.py) is generated from it, and ``core.checks`` checks each lookup.

Reads without a user (the public portal) say so with ``public()``; there is no other way around ``for_user``.
"""

from __future__ import annotations

from typing import ClassVar

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
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

    def public(self) -> ScopedQuerySet:
        """Every row, read without a user: only for what is published to everyone (the portal's 公示 lists and
        region tree, an objection by its reference). Saying so keeps such reads few and easy to find."""
        return self.all()

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


class ScopedModel(models.Model):
    """A record that belongs to a region: the scoped manager, the lookup of its region code (``scope_lookup``,
    set by each subclass; checked by ``core.checks.scope_lookups``) and its default audit scope."""

    scope_lookup: ClassVar[str] = ""

    objects = ScopedManager()

    class Meta:
        abstract = True

    def scope_code(self) -> str:
        """The 12-digit code this row is scoped by, read through ``scope_lookup`` (empty: a national row). A
        foreign key to the code's own table is read from its column, without fetching the row it points to."""
        obj: models.Model | None = self
        parts = self.scope_lookup.split("__")
        for i, part in enumerate(parts):
            field = obj._meta.get_field(part)
            if not field.is_relation:
                return getattr(obj, field.attname) or ""
            if parts[i + 1 :] == [field.target_field.name]:
                return getattr(obj, field.attname) or ""
            obj = getattr(obj, part)
            if obj is None:
                return ""
        return ""

    def audit_scope(self) -> tuple[str, str]:
        """(root, region code) of this row's audit entries: the row itself, scoped like the row. A record kept
        under another (a household's part) names that one as its root instead."""
        return f"{self._meta.label_lower}:{self.pk}", self.scope_code()


def scoped_models() -> list[type[ScopedModel]]:
    """Every concrete scoped model, in app order: what the scope matrix covers."""
    return [m for m in apps.get_models() if issubclass(m, ScopedModel)]


def lookup_target(model: type[models.Model], lookup: str) -> models.Field:
    """The field ``lookup`` (``region__code``) ends at, from ``model``; FieldDoesNotExist if it does not."""
    field = None
    for part in lookup.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    if field is None:
        raise FieldDoesNotExist(lookup)
    return field
