"""Writing the audit trail. Services call these explicitly (signals would miss bulk writes)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .context import current_actor, pending_reads
from .masking import mask_changes
from .models import AuditAction, AuditLog


def json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, FieldFile):  # an upload is recorded by its stored name
        return value.name or ""
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited field values of ``instance`` (concrete, non-generated fields, by attname)."""
    return {f.attname: json_value(getattr(instance, f.attname)) for f in audited_fields(type(instance))}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


# The key of a create entry that refers to the import file and rows a record was read from (instead of copying
# the record): {"import": [null, {"job": id, "file": name, "rows": [first, last]}]}.
IMPORT_KEY = "import"

# Facts services add to an entry beside the field changes, named for the reader.
FACT_LABELS = {
    "step": gettext_lazy("程序步骤"),
    "on_behalf": gettext_lazy("代录"),
    "business_year": gettext_lazy("所属年度"),
    "reason": gettext_lazy("原因"),
    "historical_load": gettext_lazy("历史数据载入"),
    # what a download or a read of personal data records
    "filters": gettext_lazy("筛选条件"),
    "masked": gettext_lazy("个人信息已遮盖"),
    "format": gettext_lazy("格式"),
    "file": gettext_lazy("文件"),
    "fields": gettext_lazy("查看的字段"),
    "full_personal_data": gettext_lazy("含完整个人信息"),
    "source": gettext_lazy("来源"),
}

LIST_FACTS = frozenset({"fields"})

# Bookkeeping fields that say nothing to a reader of the history.
QUIET_FIELDS = frozenset({"id", "created_at", "updated_at", "household_id"})


def _label(field: models.Field | None, value: Any, list_choices: dict, names: Names | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if names is not None and field is not None and field.many_to_one and not isinstance(value, (list, dict)):
        return names.of(field, value)
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, dict):  # a fact with parts (who, which level, which file)
        return _facts(value)
    labels = dict(field.flatchoices) if field is not None and field.choices else list_choices
    if isinstance(value, list):
        return "、".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value))


def model_of(label: str) -> type[models.Model] | None:
    """The model an entry names ("registry.household"), or None for one that no longer exists."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


class Names:
    """What references name for one reader (「长乌村（522634101204）」, a household's number and head), not their
    keys: each target looked up once, and only within the reader's scope — one outside it stays a key."""

    def __init__(self, reader):
        self.reader, self.seen = reader, {}

    def of(self, field: models.ForeignKey, value: Any) -> str:
        key = (field.related_model._meta.label, value)
        if key not in self.seen:
            manager = field.related_model._default_manager
            rows = manager.for_user(self.reader) if hasattr(manager, "for_user") else manager.all()
            target = rows.filter(pk=value).first()
            if target is None or str(target) == str(value):
                self.seen[key] = str(value)
            elif isinstance(value, str) and value.isdigit() and len(value) == 12:  # a region: its code helps
                self.seen[key] = f"{target}（{value}）"
            else:  # a row's number means nothing to the reader: what it names is enough
                self.seen[key] = str(target)
        return self.seen[key]


def readable_changes(
    entry: AuditLog, model: type[models.Model] | None, *, full: bool, names: Names | None = None
) -> list[tuple[str, str, str]]:
    """(field label, before, after) rows of an entry, with verbose names and code-list labels; personal data
    masked unless the reader sees it in full (``core.masking``: decided at reading, not when written).

    A model names the code lists of its list-valued fields in ``list_field_choices`` (e.g. other causes); with
    ``names`` (``Names(reader)``), references read as what they name.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields} if model else {}
    list_choices = getattr(model, "list_field_choices", {})
    rows = []
    for key, pair in mask_changes(entry.changes, full=full).items():
        if key in QUIET_FIELDS:
            continue
        # a fact, not a change (an export's filters…); "fields" is a list of what was read, even of two
        if key in LIST_FACTS or not (isinstance(pair, list) and len(pair) == 2):
            label = str(FACT_LABELS.get(key, key))
            rows.append((label, "", _label(None, pair if not isinstance(pair, dict) else _facts(pair), {})))
            continue
        before, after = pair
        if key == IMPORT_KEY and isinstance(after, dict):  # registered by an import: the file's rows say what
            first, last = after.get("rows") or ("?", "?")
            text = _("导入任务 #%(job)s《%(file)s》第 %(first)s–%(last)s 行")
            rows.append((str(_("来源")), "", text % {"job": after.get("job"), "file": after.get("file"),
                                                   "first": first, "last": last}))  # fmt: skip
            continue
        field = fields.get(key)
        if field is None and isinstance(after, list) and after and isinstance(after[0], dict):
            # records registered together with their parent (members, years): say how many
            related = model._meta.fields_map.get(key) if model else None
            name = str(related.related_model._meta.verbose_name) if related else key
            rows.append((name, "", _("%(n)d 条") % {"n": len(after)}))
            continue
        choices = dict(list_choices.get(key, ()))
        name = str(field.verbose_name) if field else str(FACT_LABELS.get(key, key))
        rows.append((name, _label(field, before, choices, names), _label(field, after, choices, names)))
    return rows


def _facts(values: dict) -> str:
    return "，".join(f"{k}={v}" for k, v in values.items())


def actor_fields() -> dict[str, Any]:
    """Who is acting, as AuditLog field values."""
    actor = current_actor()
    return {
        "actor": actor.user if actor.user is not None and actor.user.pk else None,
        "actor_label": actor.label,
        "source": actor.source,
        "ip": actor.ip,
    }


def build_entry(
    action: str, instance: models.Model, *, changes: dict[str, Any] | None = None, root: str, region_code: str
) -> AuditLog:
    return AuditLog(
        **actor_fields(),
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        root=root,
        region_code=region_code or "",
        changes=changes or {},
    )


def entry_for(action: str, instance: models.Model, *, before: dict | None = None, after: dict | None = None):
    """An unsaved entry for a create/update/delete of an auditable model (one that defines ``audit_scope``)."""
    root, region_code = instance.audit_scope()
    changes = diff(before or {}, after or {})
    return build_entry(action, instance, changes=changes, root=root, region_code=region_code)


def record(action: str, instance: models.Model, *, before: dict | None = None, after: dict | None = None):
    entry = entry_for(action, instance, before=before, after=after)
    if action == AuditAction.UPDATE and not entry.changes:
        return None  # nothing changed, nothing to record
    entry.save()
    return entry


def upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> models.Model:
    """Create or update the one row of ``model`` matching ``lookup`` (locked for the transaction) with
    ``values``, validated field by field, and audit the create or the change. For small policy tables."""
    instance = model.objects.select_for_update().filter(**lookup).first()
    before = snapshot(instance) if instance else None
    instance = instance or model(**lookup)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean(validate_unique=False, validate_constraints=False)
    instance.save()
    record(
        AuditAction.UPDATE if before else AuditAction.CREATE,
        instance,
        before=before,
        after=snapshot(instance),
    )
    return instance


def record_read(entry: AuditLog) -> None:
    """Save the audit entry of a *read* (e.g. a lookup across regions) so that it outlives the transaction it
    happened in: a write that then fails rolls its own entries back, but the read did happen. Inside an acting
    block (a request, a task, a command) the entry is saved when the block ends; elsewhere at once."""
    from django.db import connection

    pending = pending_reads()
    if pending is not None and connection.in_atomic_block:
        pending.append(entry)
    else:
        entry.save()


def record_many(entries: Iterable[AuditLog]) -> None:
    AuditLog.objects.bulk_create([e for e in entries if e.action != AuditAction.UPDATE or e.changes])


def audited_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields ``snapshot`` records (bulk writes build the same snapshot column-wise)."""
    excluded = getattr(model, "audit_exclude", ())
    return [
        f
        for f in model._meta.concrete_fields
        if not getattr(f, "generated", False) and f.attname not in excluded
    ]
