"""JSON text built column-wise with Arrow string kernels, for audit entries of bulk writes.

``audit.snapshot`` and ``audit.diff`` build one Python dict per record; at 100,000 records a second that is
most of an import's time. These functions give the same JSON (decimals, dates and datetimes as strings, as
``audit.json_value`` writes them) for a whole column of records at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# JSON needs every control character escaped; these are the ones text can plausibly hold.
ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


@dataclass(frozen=True)
class Raw:
    """A column that already holds JSON text (e.g. a JSON field, or nested objects)."""

    values: pa.Array


def _quoted(text: pa.Array) -> pa.Array:
    for char, escaped in ESCAPES:
        text = pc.replace_substring(text, char, escaped)
    if pc.any(pc.match_substring_regex(text, "[\x00-\x1f]")).as_py():
        for code in [c for c in range(32) if chr(c) not in "\n\r\t"]:
            text = pc.replace_substring(text, chr(code), f"\\u{code:04x}")
    return pc.binary_join_element_wise('"', text, '"', "")


def json_values(column: pa.Array | Raw) -> pa.Array:
    """Each value as JSON text; nulls stay null (callers say what a null becomes)."""
    if isinstance(column, Raw):
        return column.values
    kind = column.type
    if pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return column.cast(pa.string())
    if pa.types.is_null(kind):
        return pa.nulls(len(column), pa.string())
    return _quoted(column.cast(pa.string()))


def json_objects(fields: dict[str, pa.Array | Raw], *, created: bool = False) -> pa.Array:
    """One JSON object per row. With ``created``, ``audit.diff({}, row)``: ``{"key": [null, value]}`` for the
    keys whose value is not null; otherwise the row itself, nulls included."""
    parts = []
    for key, column in fields.items():
        value = json_values(column)
        if created:
            parts.append(pc.binary_join_element_wise(f'"{key}":[null,', value, "]", ""))
        else:
            parts.append(pc.binary_join_element_wise(f'"{key}":', pc.fill_null(value, "null"), ""))
    body = pc.binary_join_element_wise(*parts, ",", null_handling="skip")
    return pc.binary_join_element_wise("{", body, "}", "")


def json_lists(items: pa.Array, owner: np.ndarray, count: int) -> pa.Array:
    """``count`` JSON arrays: item i goes to list ``owner[i]`` (``owner`` sorted ascending)."""
    if isinstance(items, pa.ChunkedArray):
        items = items.combine_chunks()
    offsets = np.zeros(count + 1, np.int32)
    np.cumsum(np.bincount(owner, minlength=count), out=offsets[1:])
    lists = pa.ListArray.from_arrays(pa.array(offsets), items)
    return pc.binary_join_element_wise("[", pc.binary_join(lists, ","), "]", "")
