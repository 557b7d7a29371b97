"""Keyset (cursor) pagination: every page costs one index range scan, however deep, and no COUNT(*).

Rows are ordered by a tuple of columns (``keyset_fields`` on the model, e.g. ``("region_id", "id")``); the
cursor is the tuple of the last row seen, and the next page is ``WHERE (a, b) > (x, y) ORDER BY a, b LIMIT n``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, IntegerField
from django.db.models.fields.tuple_lookups import TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext as _
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


def encode_cursor(values: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, fields) -> tuple:
    """The cursor's values, each of its key field's type (an int key: a 64-bit int; a text key: valid UTF-8
    without a NUL), else a 400."""
    bad = ValidationError(_("分页参数无效，请从第一页重新浏览。"), code="bad_cursor")
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise bad from None
    if not isinstance(values, list) or len(values) != len(fields):
        raise bad
    out = []
    for field, value in zip(fields, values, strict=True):
        if isinstance(field, IntegerField):
            if type(value) is not int or not -(2**63) <= value < 2**63:
                raise bad
        # a NUL in a text key (PostgreSQL text cannot hold one) or a lone surrogate (not UTF-8: neither database
        # driver can send it): the query would fail, not find a place
        elif not isinstance(value, str) or "\x00" in value or not _utf8(value):
            raise bad
        out.append(value)
    return tuple(out)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class KeysetPage:
    items: list[Any]
    next_cursor: str | None = None
    prev_cursor: str | None = None


def keyset_page(
    queryset, *, after: str | None = None, before: str | None = None, size: int = 50
) -> KeysetPage:
    """One page of ``queryset`` ordered by its model's ``keyset_fields``."""
    keys = queryset.model.keyset_fields
    fields = [queryset.model._meta.get_field(k.removesuffix("_id")).target_field if k.endswith("_id")
              else queryset.model._meta.get_field(k) for k in keys]  # fmt: skip
    cols = tuple(F(k) for k in keys)
    backwards = bool(before) and not after
    if after:
        queryset = queryset.filter(TupleGreaterThan(cols, decode_cursor(after, fields)))
    elif before:
        queryset = queryset.filter(TupleLessThan(cols, decode_cursor(before, fields)))
    order = [f"-{k}" for k in keys] if backwards else list(keys)
    rows = list(queryset.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def cursor_of(row) -> str:
        return encode_cursor(tuple(getattr(row, k) for k in keys))

    page = KeysetPage(items=rows)
    if rows:
        has_next = more if not backwards else True
        has_prev = more if backwards else bool(after)
        page.next_cursor = cursor_of(rows[-1]) if has_next else None
        page.prev_cursor = cursor_of(rows[0]) if has_prev else None
    return page


def request_page(request, queryset) -> tuple[KeysetPage, str]:
    """The page a web list asks for (``?after=``/``?before=``) and its other query parameters, for the pager's
    links. A tampered cursor shows a message and the first page, never an error page."""
    try:
        page = keyset_page(queryset, after=request.GET.get("after"), before=request.GET.get("before"))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        page = keyset_page(queryset)
    params = request.GET.copy()
    for key in ("after", "before"):
        params.pop(key, None)
    return page, params.urlencode()


class KeysetCursorPagination(BasePagination):
    """DRF pagination on ``keyset_page``: ``?after=`` / ``?before=`` cursors and ``?page_size=`` (≤ 500)."""

    page_size = 50
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        try:
            size = min(int(request.query_params.get("page_size", self.page_size)), self.max_page_size)
        except ValueError:
            raise ValidationError({"page_size": _("每页条数应为整数。")}) from None
        if size < 1:
            raise ValidationError({"page_size": _("每页条数应大于 0。")})
        self.request = request
        self.page = keyset_page(
            queryset,
            after=request.query_params.get("after"),
            before=request.query_params.get("before"),
            size=size,
        )
        return self.page.items

    def _link(self, param: str, cursor: str | None) -> str | None:
        if not cursor:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, "after" if param == "before" else "before")
        return replace_query_param(url, param, cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link("after", self.page.next_cursor),
                "previous": self._link("before", self.page.prev_cursor),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view):
        cursor = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"}
        return [
            {"name": "after", "in": "query", "required": False, "schema": cursor, "description": "cursor: the page after"},
            {"name": "before", "in": "query", "required": False, "schema": cursor, "description": "cursor: the page before"},
            {"name": "page_size", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1}, "description": f"rows per page (larger than {self.max_page_size}: {self.max_page_size})"},
        ]  # fmt: skip

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
