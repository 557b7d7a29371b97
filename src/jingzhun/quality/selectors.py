"""Reads of 疑点数据核查: the latest run a user sees, its counts per rule and per region (county → township →
village) within the user's scope, the rows behind a count (keyset by id, masked by the reader) and the
workbook's sheets. Every read starts from ``for_user``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import Max, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.core import policy
from jingzhun.core.codes import PREFIX_LENGTH, ancestors_of, level_of, subtree_range
from jingzhun.core.jobs import JobStatus
from jingzhun.core.masking import BIRTH_DATE, FIELD_KINDS, ID, Shown
from jingzhun.regions.models import Region
from jingzhun.registry.models import HouseholdYear, Member

from . import staged
from .choices import Target
from .models import CHECKED, QualityCount, QualityRun
from .rules import RULES, QualityRule, Scope

PAGE_SIZE = 50
WORKBOOK_ROWS = 50_000  # rows per sheet in a downloaded workbook; more are counted on the page, not listed
RECENT_RUNS = 10
SHEET_NAME = {ord(c): "、" for c in "[]:*?/\\"}  # characters Excel refuses in a sheet's name


def poverty_line(*, year: int, region_code: str) -> Decimal | None:
    """The year's line for the region as identification sets it (``identification.PovertyLine``, read by name:
    that app sits above this one): the province's own line where higher than the nation's, else the nation's;
    None when the year has none (a line is never carried forward)."""
    row = policy.in_force(
        apps.get_model("identification", "PovertyLine"), region_code=region_code, year=year, carry_forward=False,
        prefer=lambda own, nation: own if Decimal(own.amount) > Decimal(nation.amount) else nation,
    )  # fmt: skip
    return Decimal(row.amount) if row is not None else None


def scope_of(run: QualityRun, region_code: str | None = None) -> Scope:
    """The rules' scope for ``run``, narrowed to ``region_code`` (a region inside the run's)."""
    code = region_code or run.region_id
    line = poverty_line(year=run.year, region_code=run.region_id)
    db = staged.alias_for(staged.db_path(run.pk)) if run.of_file else "default"
    return Scope(region_code=code, year=run.year, line=line, today=timezone.localdate(), db=db)


def done_with(run: QualityRun) -> None:
    """Close this thread's connection to a file run's scratch database once a page or workbook is read."""
    if run.of_file:
        staged.close(staged.alias_for(staged.db_path(run.pk)))


def default_year(region_code: str) -> int:
    """The latest year with yearly records in the region, else this year."""
    latest = HouseholdYear.objects.filter(
        household__region__code__range=subtree_range(region_code)
    ).aggregate(y=Max("year"))["y"]
    return latest or timezone.localdate().year


def latest_run(*, user, finished: bool = True, registry_only: bool = True) -> QualityRun | None:
    """The newest run over the user's region or a region above it (a township reads its county's run); a run
    over an uploaded file (before import) only when ``registry_only`` is False: its findings are not the
    registry's."""
    runs = QualityRun.objects.for_user(user)
    if registry_only:
        runs = runs.filter(file_name="")
    if user.region_id:
        runs = runs.filter(region_id__in=[user.region_id, *ancestors_of(user.region_id)])
    if finished:
        runs = runs.filter(status=JobStatus.DONE)
    return runs.select_related("region").order_by("-created_at").first()


def recent_runs(*, user) -> list[QualityRun]:
    return list(
        QualityRun.objects.for_user(user).select_related("region").order_by("-created_at")[:RECENT_RUNS]
    )


def run_for(*, user, pk: int) -> QualityRun | None:
    return QualityRun.objects.for_user(user).select_related("region").filter(pk=pk).first()


def region_in(*, user, run: QualityRun, code: str | None) -> Region:
    """The region a page looks at: ``code`` if it lies in the run's region and the user's scope, else the
    narrower of the two (the user's own region under a county's run, or the run's region)."""
    base = run.region_id
    if user.region_id and level_of(user.region_id) > level_of(base):
        base = user.region_id
    if code:
        low, high = subtree_range(base)
        found = Region.objects.for_user(user).filter(code=code, code__range=(low, high)).first()
        if found is not None:
            return found
    return Region.objects.get(code=base)


def _counts(*, user, run: QualityRun, region: Region):
    return QualityCount.objects.for_user(user).filter(run=run, region__code__range=region.subtree_range())


@dataclass
class RuleLine:
    """A rule on the page: its definition, whether it ran (``skipped``: why not), and its count in the region."""

    rule: QualityRule
    count: int = 0
    skipped: str = ""


def rule_lines(*, user, run: QualityRun, region: Region) -> tuple[int, list[RuleLine]]:
    """(households checked, one line per rule) for ``region`` in ``run``, within the user's scope."""
    totals = dict(
        _counts(user=user, run=run, region=region).values_list("rule").annotate(n=Sum("count")).order_by()
    )
    scope = scope_of(run) if run.skipped else None
    lines = [RuleLine(r, totals.get(r.code, 0), skip_reason(run, r, scope)) for r in RULES]
    return totals.get(CHECKED, 0), lines


def skip_reason(run: QualityRun, rule, scope: Scope | None = None) -> str:
    """Why ``rule`` did not run in ``run``, in the reader's language: asked again of the rule (the run stored
    its words in the language of the one who ran it); the stored words where the rule could run since."""
    stored = run.skipped.get(rule.code, "")
    if not stored:
        return ""
    return str(rule.unavailable(scope or scope_of(run)) or stored)


@dataclass
class RegionLine:
    code: str
    name: str
    households: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def breakdown(*, user, run: QualityRun, region: Region) -> list[RegionLine]:
    """Counts per rule for each region one level below ``region`` (a county's townships, a township's villages),
    summed from the villages' rows (GROUP BY the code's prefix)."""
    level = level_of(region.code)
    if level >= 5:
        return []
    digits = PREFIX_LENGTH[level + 1]
    rows = (
        _counts(user=user, run=run, region=region)
        .annotate(prefix=Substr("region_id", 1, digits))
        .values_list("prefix", "rule")
        .annotate(n=Sum("count"))
        .order_by()
    )
    lines: dict[str, RegionLine] = {}
    for prefix, rule, n in rows:
        code = prefix.ljust(12, "0")
        line = lines.setdefault(code, RegionLine(code, code))
        if rule == CHECKED:
            line.households = n
        else:
            line.counts[rule] = n
    names = dict(Region.objects.filter(code__in=lines).values_list("code", "name"))
    for line in lines.values():
        line.name = names.get(line.code, line.code)
    return sorted(lines.values(), key=lambda r: r.code)


# ---- the rows behind a count ----------------------------------------------------------------------------------


def offenders(*, user, run: QualityRun, rule: QualityRule, region: Region):
    """The rows of ``region`` breaking ``rule`` now, in the user's scope, by id (keyset)."""
    scope = scope_of(run, region.code)
    if rule.unavailable(scope):
        return rule.model.objects.none()
    rows = rule.model.objects.using(scope.db).for_user(user).filter(pk__in=rule.offenders(scope).values("pk"))
    related = ("household", "household__region") if rule.target == Target.MEMBER else ("region",)
    return rows.select_related(*related).order_by("pk")


def page_of(qs, after: int | None, size: int = PAGE_SIZE) -> tuple[list, int | None]:
    """One page by id after ``after``, and the id to ask the next page after (None: the last page)."""
    if after is not None:
        qs = qs.filter(pk__gt=after)
    items = list(qs[: size + 1])
    more = len(items) > size
    items = items[:size]
    return items, (items[-1].pk if more and items else None)


def _display(obj, name: str, shown: Shown) -> str:
    if obj is None:
        return ""
    value = getattr(obj, name, None)
    model_field = obj._meta.get_field(name)
    if name in FIELD_KINDS:
        kind = FIELD_KINDS[name]
        text = value.isoformat() if kind == BIRTH_DATE and value else value
        return str(shown.value(kind, text) or "")
    if model_field.choices and value not in (None, ""):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return "" if value is None else str(value)


def headers(rule: QualityRule, *, of_file: bool = False) -> list[str]:
    """The columns of a rule's rows; over an uploaded file, led by the row's number in its file (the member
    file's for a person, the household file's for a household) and the person's 人口编号."""
    base = [_("户编号"), _("所在村"), _("户主姓名")]
    if of_file:
        base.insert(0, _("人员信息文件行号") if rule.target == Target.MEMBER else _("户信息文件行号"))
    if rule.target == Target.MEMBER:
        base += [_("人口编号")] if of_file else []
        base += [_("姓名"), _("公民身份号码"), _("与户主关系")]
    seen = {"id_number", "relationship"} if rule.target == Target.MEMBER else set()
    return base + [f.title for f in rule.fields if f.name not in seen]


def table_rows(
    rule: QualityRule, items: list, *, year: int, shown: Shown, db: str = "default", of_file: bool = False
) -> list[list[str]]:
    """The rows of a page or sheet: the household, the person, and the fields the rule reads. A household's
    finding shows a member field for each member (「田玉：户主、田芳：户主」), read in one query per page."""
    households = [i.household if rule.target == Target.MEMBER else i for i in items]
    years = {
        y.household_id: y
        for y in HouseholdYear.objects.using(db).filter(household__in=households, year=year).order_by()
    }
    people: dict[int, list] = {}
    if rule.target == Target.HOUSEHOLD and any(f.on == "member" for f in rule.fields):
        for m in (
            Member.objects.using(db)
            .filter(household__in=households, is_active=True)
            .order_by("household_id", "id")
        ):
            people.setdefault(m.household_id, []).append(m)
    out = []
    for item, hh in zip(items, households, strict=True):
        row = [hh.number, hh.region.name, hh.head_name]
        if of_file:
            row.insert(0, str(item.pk))  # the row number in its file (``staged``)
        if rule.target == Target.MEMBER:
            row += [item.national_number] if of_file else []
            row += [item.name, shown.value(ID, item.id_number), _display(item, "relationship", shown)]
        for f in rule.fields:
            if rule.target == Target.MEMBER and f.name in ("id_number", "relationship"):
                continue
            if f.on == "member" and rule.target == Target.HOUSEHOLD:
                row.append(
                    "、".join(f"{m.name}：{_display(m, f.name, shown)}" for m in people.get(hh.pk, []))
                )
                continue
            obj = {"member": item, "household": hh, "year": years.get(hh.pk)}[f.on]
            row.append(_display(obj, f.name, shown))
        out.append(row)
    return out


def sheets(*, user, run: QualityRun, region: Region):
    """One sheet per rule (title, header, rows) for the workbook, masked by the reader; a rule that did not
    run says why on its sheet."""
    shown = Shown.for_reader(user)
    scope = scope_of(run, region.code)
    if run.of_file and run.refused:
        yield _("无法核查的行"), [_("文件"), _("行号"), _("户编号/人口编号"), _("原因")], run.refused
    for rule in RULES:
        title = f"{rule.code} {rule.name}".translate(SHEET_NAME)
        reason = skip_reason(run, rule, scope) or rule.unavailable(scope)
        if reason:
            yield title, [_("说明")], [[reason]]
            continue
        qs = offenders(user=user, run=run, rule=rule, region=region)

        def rows(qs=qs, rule=rule):
            after = None
            listed = 0
            while listed < WORKBOOK_ROWS:
                items, after = page_of(qs, after, size=min(2000, WORKBOOK_ROWS - listed))
                yield from table_rows(
                    rule, items, year=run.year, shown=shown, db=scope.db, of_file=run.of_file
                )
                listed += len(items)
                if after is None:
                    return
            yield [_("仅列出前 %(n)s 条；其余请按乡镇或村分别下载。") % {"n": f"{WORKBOOK_ROWS:,}"}]

        yield title, headers(rule, of_file=run.of_file), rows()
