"""部门筛查预警: a county uploads a department's list (医保, 应急, 人社, 教育, 民政, 残联) of ID numbers with one
number each (the medical cost, the loss, the months out of work …). The file is read by identification's
cross-check reader (the same header, ID normalisation and row-numbered refusals: a malformed ID refuses the
whole list, naming its rows), matched with the county's active members in one query per batch, and every row at
or above the department's threshold (policy data) raises a clue for the township — once per household and list."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.codes import subtree_range
from jingzhun.core.models import AuditAction
from jingzhun.identification.choices import ApplicationKind
from jingzhun.identification.crosscheck import read_dept_list
from jingzhun.identification.selectors import STARTS_FROM
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.registry.models import Member

from . import selectors
from .choices import DEPARTMENT_VALUE, VALUE_HEADERS, ClueSource, Department
from .models import Clue, ScreeningList
from .services import new_reference

BATCH = 5000  # ID numbers per matching query


@transaction.atomic
def screening_upload(*, user, county: Region, department: str, path: Path, file_name: str) -> ScreeningList:
    """Read, match and raise clues, all or nothing. Returns the list with its counts (rows, persons of the
    county's registry, clues raised)."""
    permissions.require(user, "upload_list", region=county.code, what=_("上传部门筛查名单"))
    if county.level != RegionLevel.COUNTY:
        raise ValidationError({"county": [_("部门筛查名单按县上传。")]})
    if department not in Department.values:
        raise ValidationError({"department": [_("请选择部门。")]})
    header, risk = DEPARTMENT_VALUE[department]
    with translation.override(
        settings.LANGUAGE_CODE
    ):  # the department's header as the files have it (Chinese)
        own = str(header)
    table = read_dept_list(path, value_headers=tuple(dict.fromkeys((own, str(header), *VALUE_HEADERS))))
    today = timezone.localdate()
    threshold = Decimal(selectors.policy_for(region_code=county.code, year=today.year).threshold(department))
    numbers = table.column("id_number").to_pylist()
    values = table.column("value").to_pylist()
    lines = table.column("line").to_pylist()
    lo, hi = subtree_range(county.code)
    found: dict[str, tuple[int, str, str, str]] = {}
    for start in range(0, len(numbers), BATCH):  # one query per batch, never one per row
        chunk = set(numbers[start : start + BATCH])
        for number, household, region, name, status in Member.objects.filter(
            is_active=True, id_number__in=chunk, household__region__code__range=(lo, hi)
        ).values_list("id_number", "household_id", "household__region_id", "name", "household__status"):
            found[number] = (household, region, name, status)
    screening = ScreeningList.objects.create(
        county=county, department=department, file_name=file_name[:200], rows=len(numbers), threshold=threshold,
        uploaded_by=user,
    )  # fmt: skip
    # one clue per household of the county at or above the threshold: its highest row, once
    best: dict[int, tuple[Decimal, int, str]] = {}
    for number, value, line in zip(numbers, values, lines, strict=True):
        hit = found.get(number)
        if hit is None or value is None or Decimal(value) < threshold:
            continue
        if hit[3] not in STARTS_FROM[ApplicationKind.MONITOR]:
            continue  # 在册/返贫 households are helped as poor households already
        if hit[0] not in best or Decimal(value) > best[hit[0]][0]:
            best[hit[0]] = (Decimal(value), line, number)
    label = Department(department).label
    clues = []
    for household, (value, line, number) in best.items():
        _h, region, name, _s = found[number]
        clues.append(
            Clue(
                region_id=region, household_id=household, source=ClueSource.DEPARTMENT, department=department,
                screening=screening, reference=new_reference(), reported_on=today, name=name, id_number=number,
                value=value, risk_types=[risk],
                text=_("%(d)s筛查：%(h)s %(v)s（阈值 %(t)s），名单第 %(n)d 行。")
                % {"d": label, "h": header, "v": value, "t": threshold, "n": line},
                created_by=user,
            )
        )  # fmt: skip
    Clue.objects.bulk_create(clues, batch_size=1000)
    screening.matched = len({found[n][0] for n in numbers if n in found})
    screening.flagged = len(clues)
    screening.save(update_fields=["matched", "flagged"])
    audit.record(AuditAction.CREATE, screening, after=audit.snapshot(screening))
    audit.record_many(
        audit.entry_for(AuditAction.CREATE, c, after={"reference": c.reference, "source": c.source})
        for c in clues
    )
    return screening
