"""四不列 cross-checks (部门数据比对): a county uploads other departments' lists of ID numbers (vehicles, commercial
housing, public payroll, business registry, village cadres); members of households in the procedure are compared
with them, and every hit is a flag to be explained before the county approves the household.

The comparison is one set-based join in the database (members of open applications ⋈ list rows on the indexed ID
number), so a county of 100,000 persons against lists of 1,000,000 rows is seconds (``bench/crosscheck.py``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.bulkwrite import append_rows
from jingzhun.core.ids import parse_id_many, parse_id_number
from jingzhun.core.models import AuditAction
from jingzhun.imports.reader import FileRejected, read_tables
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import ancestor_at, subtree_range
from jingzhun.registry.models import Member

from .choices import DeptListKind
from .models import Application, CrossCheckFlag, DeptList, DeptListEntry

ID_HEADERS = ("公民身份号码", "身份证号码", "身份证号", "证件号码")
REPORTED_ERRORS = 50
DETAIL_LENGTH = DeptListEntry._meta.get_field("detail").max_length


def read_dept_list(path: Path, *, value_headers: tuple[str, ...] = ()) -> pa.Table:
    """The ID numbers (normalised) and details of a department's list, or ValidationError listing bad rows.
    With ``value_headers`` the list must also have one of those columns, a non-negative amount per row (a
    monitoring screening list: the medical cost, the loss), returned as ``value`` (the row's number in
    ``line``)."""
    try:
        rows = next(iter(read_tables(path).rows.values()))
    except FileRejected as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    header = [str(c or "").strip() for c in next(rows, [])]
    id_col = next((i for i, h in enumerate(header) if h in ID_HEADERS), None)
    if id_col is None:
        raise ValidationError({"file": [_("第一行应为表头，且有「公民身份号码」列。")]})
    value_col = next((i for i, h in enumerate(header) if h in value_headers), None)
    if value_headers and value_col is None:
        raise ValidationError(
            {"file": [_("第一行应为表头，且有「%(h)s」列。") % {"h": "」或「".join(value_headers)}]}
        )
    numbers, details, lines, values = [], [], [], []
    for line, row in enumerate(rows, start=2):
        cells = [str(c).strip() if c is not None else "" for c in row]
        if not any(cells):
            continue
        numbers.append(cells[id_col] if id_col < len(cells) else "")
        details.append(" ".join(c for i, c in enumerate(cells) if i != id_col and c)[:DETAIL_LENGTH])
        lines.append(line)
        if value_col is not None:
            values.append(cells[value_col] if value_col < len(cells) else "")
    if not numbers:
        raise ValidationError({"file": [_("名单中没有数据行。")]})
    column = parse_id_many(pa.array(numbers, pa.string()))
    valid = column.number.to_numpy(zero_copy_only=False).astype(object)
    errors = []
    for i in np.flatnonzero(~column.ok):  # 15-digit numbers and stray spaces: the row-by-row parser decides
        try:
            valid[i] = parse_id_number(numbers[i]).number
        except ValidationError as exc:
            errors.append((lines[i], _("第 %(n)d 行：%(m)s") % {"n": lines[i], "m": exc.messages[0]}))
    amounts = []
    for i, text in enumerate(values):
        try:
            amount = Decimal(text.replace(",", ""))
            if not amount.is_finite() or amount < 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(
                (lines[i], _("第 %(n)d 行：金额「%(v)s」不是非负数。") % {"n": lines[i], "v": text[:20]})
            )
            amount = None
        amounts.append(amount)
    if errors:
        errors = [message for _line, message in sorted(errors, key=lambda e: e[0])]  # by row, both kinds
        shown = errors[:REPORTED_ERRORS]
        if len(errors) > REPORTED_ERRORS:
            shown.append(_("……共 %(n)d 处错误。") % {"n": len(errors)})
        raise ValidationError({"file": [*shown, _("名单未导入，请改正后重新上传。")]})
    table = pa.table({"id_number": pa.array(valid, pa.string()), "detail": pa.array(details, pa.string())})
    if value_col is not None:
        table = table.append_column("value", pa.array(amounts, pa.decimal128(14, 2))).append_column(
            "line", pa.array(lines, pa.int32())
        )
    return table


@transaction.atomic
def dept_list_upload(
    *, user, county: Region, kind: str, path: Path, file_name: str, source: str = ""
) -> tuple[DeptList, int]:
    """Replace the county's list of ``kind`` with the file's rows (all or nothing), then compare every open
    application of the county with the county's lists. Returns the list and the number of new flags."""
    permissions.require(user, "upload_list", region=county.code)
    if kind not in DeptListKind.values:
        raise ValidationError({"kind": [_("请选择名单类别。")]})
    source = (source or "").strip()
    if len(source) > DeptList._meta.get_field("source").max_length:
        raise ValidationError({"source": [_("提供部门不超过 100 个字。")]})
    table = read_dept_list(path)
    old = list(DeptList.objects.select_for_update().filter(county=county, kind=kind, active=True))
    DeptListEntry.objects.filter(dept_list__in=old).delete()
    DeptList.objects.filter(pk__in=[d.pk for d in old]).update(active=False)
    dept_list = DeptList.objects.create(
        county=county, kind=kind, source=source, file_name=file_name[:200], rows=table.num_rows,
        uploaded_by=user,
    )  # fmt: skip
    ids = pa.array(np.full(table.num_rows, dept_list.pk, dtype=np.int64))
    append_rows(DeptListEntry, table.append_column("dept_list_id", ids))
    audit.record(AuditAction.CREATE, dept_list, after=audit.snapshot(dept_list))
    return dept_list, cross_check(county_code=county.code)


def cross_check(*, county_code: str, applications=None) -> int:
    """Flag every member of an open application in the county who is on one of the county's active lists (once
    per member and kind). Returns the number of new flags."""
    county_code = ancestor_at(county_code, RegionLevel.COUNTY)
    open_apps = Application.objects.open().filter(region__code__range=subtree_range(county_code))
    if applications is not None:
        open_apps = open_apps.filter(pk__in=[a.pk for a in applications])
    entries = DeptListEntry.objects.filter(dept_list__county_id=county_code, dept_list__active=True)
    hits = list(
        Member.objects.filter(is_active=True, household__in=open_apps.values("household"))
        .filter(id_number__in=entries.values("id_number"))
        .values_list("id", "id_number", "household_id")
    )
    if not hits:
        return 0
    listed: dict[str, list[tuple[str, str]]] = {}
    for number, kind, detail in entries.filter(id_number__in={h[1] for h in hits}).values_list(
        "id_number", "dept_list__kind", "detail"
    ):
        listed.setdefault(number, []).append((kind, detail))
    apps = {a.household_id: a for a in open_apps.filter(household_id__in={h[2] for h in hits})}
    flags = [
        CrossCheckFlag(
            application=apps[household], region_id=apps[household].region_id, member_id=member, kind=kind,
            detail=detail,
        )
        for member, number, household in hits
        for kind, detail in listed.get(number, [])
    ]  # fmt: skip
    before = CrossCheckFlag.objects.filter(application__in=set(apps.values())).count()
    CrossCheckFlag.objects.bulk_create(flags, ignore_conflicts=True, batch_size=1000)
    return CrossCheckFlag.objects.filter(application__in=set(apps.values())).count() - before


@transaction.atomic
def flag_explain(*, user, flag: CrossCheckFlag, explanation: str) -> CrossCheckFlag:
    """情况说明 of a flag (e.g. the vehicle is a tractor, the namesake lives elsewhere), by staff in scope."""
    flag = CrossCheckFlag.objects.select_for_update().select_related("application").get(pk=flag.pk)
    permissions.require(user, "explain_flag", region=flag.region_id)
    explanation = (explanation or "").strip()
    if len(explanation) < 5:
        raise ValidationError({"explanation": [_("请写明核实情况（至少 5 个字）。")]})
    if flag.explained_at is not None:
        raise ValidationError(_("该疑点已经说明。"))
    before = audit.snapshot(flag)
    flag.explanation, flag.explained_by, flag.explained_at = explanation, user, timezone.now()
    flag.save(update_fields=["explanation", "explained_by", "explained_at"])
    audit.record(AuditAction.UPDATE, flag, before=before, after=audit.snapshot(flag))
    return flag


def unexplained(application: Application) -> int:
    return application.flags.filter(explained_at__isnull=True).count()
