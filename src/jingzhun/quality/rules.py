"""The rules of 疑点数据核查 as data: each a code (Q01…), a name, a severity, the fields it reads, and one
set-based query returning the offending rows (members or households) of a run's scope.

A query never loops over households: it is one statement per rule (GROUP BY, EXISTS, a semi-join on a computed
key, arithmetic on the ID number's characters), so a county is checked in seconds and a province in minutes
(bench/quality_bench.py). ``RULES`` is the list the runs, the page, the workbook and the command read.

Some rules read fields the registry does not hold yet (the national layout's 务工所在地, 城镇职工基本医疗保险, a
member's own phone): they declare the field, and ``QualityRule.unavailable`` says 「不适用（缺少字段：…）」 until
the field appears on the model — then the rule runs with no other change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Concat,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Length,
    Mod,
    Ord,
    Substr,
    Upper,
)
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.core.codes import subtree_range
from jingzhun.core.ids import CHECK_CHARS, WEIGHTS
from jingzhun.imports.national import MANDATORY_YES_NO
from jingzhun.registry.choices import (
    ACTIVE_STATUSES,
    DANGEROUS_GRADES,
    HouseholdStatus,
    Relationship,
    Schooling,
    WorkStatus,
)
from jingzhun.registry.models import Household, HouseholdYear, Member
from jingzhun.registry.status import with_status_at_end_of

from .choices import Severity, Target

MODELS = {"member": Member, "household": Household, "year": HouseholdYear}
MOBILE = r"^1[3-9][0-9]{9}$"  # the national system's 11-digit rule: a mobile number, nothing else
ID_SHAPE = r"^[0-9]{17}[0-9X]$"
NOT_IN_SCHOOL = ("", Schooling.NONE)
NOT_WORKING = ("", WorkStatus.NONE)


# 是/否 items the national member file requires; a field of them that may be empty (NULL) on our model is checked
@dataclass(frozen=True)
class Scope:
    """What one run checks: the registry's households (every status but 已注销) of a region's subtree, in one
    business year, with the year's poverty line there (None: no line recorded for the year)."""

    region_code: str
    year: int
    line: Decimal | None
    today: dt.date
    db: str = "default"  # a scratch database holding an uploaded file's rows (``staged``), else the registry

    @property
    def codes(self) -> tuple[str, str]:
        return subtree_range(self.region_code)

    def households(self) -> QuerySet:
        return Household.objects.using(self.db).filter(
            region__code__range=self.codes, status__in=ACTIVE_STATUSES
        )

    def exited(self) -> QuerySet:
        """The households of the scope that were 已脱贫 at the end of the year checked — by their status history
        (``registry.status.with_status_at_end_of``), not their status now: a household that exited after the
        year was not an exited household in it. An uploaded file's rows carry the year's own 脱贫状态."""
        if self.db != "default":
            return self.households().filter(status=HouseholdStatus.EXITED)
        return with_status_at_end_of(self.households(), self.year).filter(
            year_end_status=HouseholdStatus.EXITED
        )

    def members(self) -> QuerySet:
        return Member.objects.using(self.db).filter(
            is_active=True, household__region__code__range=self.codes, household__status__in=ACTIVE_STATUSES
        )


@dataclass(frozen=True)
class Field:
    """A field a rule reads: on which record (``member``, ``household`` or the household's ``year``), its name,
    and its label where the model does not have it (yet)."""

    on: str
    name: str
    label: str | Promise = ""

    def exists(self) -> bool:
        try:
            MODELS[self.on]._meta.get_field(self.name)
        except FieldDoesNotExist:
            return False
        return True

    @property
    def title(self) -> str:
        if self.exists():
            return str(MODELS[self.on]._meta.get_field(self.name).verbose_name)
        return str(self.label or self.name)


@dataclass(frozen=True)
class QualityRule:
    """One check: ``offenders(scope)`` is the queryset of the rows of ``target`` that break it."""

    code: str
    name: str | Promise
    severity: Severity
    target: Target
    fields: tuple[Field, ...]
    offenders: Callable[[Scope], QuerySet]
    explain: str | Promise = ""
    precondition: Callable[[Scope], str | None] | None = None

    def unavailable(self, scope: Scope | None = None) -> str | None:
        """Why the rule cannot run (「不适用（缺少字段：务工所在地）」), or None when it can."""
        missing = [f.title for f in self.fields if not f.exists()]
        if missing:
            return _("不适用（缺少字段：%(f)s）") % {"f": "、".join(missing)}
        if scope is not None and self.precondition is not None:
            return self.precondition(scope)
        return None

    @property
    def model(self):
        return Member if self.target == Target.MEMBER else Household

    @property
    def field_titles(self) -> list[str]:
        return [f.title for f in self.fields]


def m(name: str, label: str | Promise = "") -> Field:
    return Field("member", name, label)


def h(name: str) -> Field:
    return Field("household", name)


def y(name: str) -> Field:
    return Field("year", name)


# ---- the ID number, character by character (portable: ASCII()/UNICODE() of one character) -------------------


def _digit(position: int, column: str = "id_number"):
    """The value of the ID number's digit at ``position`` (1-based); garbage for a non-digit (the shape check
    catches those)."""
    return Ord(Substr(column, position, 1)) - 48


def _id_checks(qs: QuerySet) -> QuerySet:
    """The number's checks as columns. GB 11643's check (ISO 7064 MOD 11-2) as one sum: the 17 weighted digits
    plus the check character's value (X = 10) are 1 modulo 11 exactly when the check character is right — one
    expression per row, where a lookup of the expected character would repeat the weighted sum in each branch."""
    weighted = reduce(lambda a, b: a + b, (_digit(i + 1) * w for i, w in enumerate(WEIGHTS)))
    check = Case(
        When(id_number__endswith="X", then=Value(10)), default=_digit(18), output_field=IntegerField()
    )
    ymd = sum(
        (_digit(7 + i) * 10 ** (7 - i) for i in range(8)), Value(0, output_field=IntegerField())
    )  # YYYYMMDD
    stored = ExtractYear("birth_date") * 10000 + ExtractMonth("birth_date") * 100 + ExtractDay("birth_date")
    return qs.annotate(_q_sum=Mod(weighted + check, 11), _q_ymd=ymd, _q_born=stored)


def invalid_ids(scope: Scope) -> QuerySet:
    """Not a valid 18-character GB 11643 number: shape, check character, the birth date it carries (a real
    date, the one recorded, not in the future, not before 1890). A 15-digit legacy number is listed too: it is
    to be upgraded to 18."""
    qs = _id_checks(scope.members())
    return qs.filter(
        ~Q(id_number__regex=ID_SHAPE)
        | ~Q(_q_sum=1)
        | ~Q(_q_ymd=F("_q_born"))
        | Q(birth_date__gt=scope.today)
        | Q(birth_date__lt=dt.date(1890, 1, 1))
    )


def _id_key():
    """The person an ID number names, whatever its form: the first 17 characters (the check character follows
    from them), a 15-digit legacy number upgraded (born 19xx), lower-case x folded — so that the same person
    recorded twice in two forms is found although the exact numbers differ."""
    return Case(
        When(
            _q_len=15,
            then=Concat(Substr("id_number", 1, 6), Value("19"), Substr("id_number", 7, 9)),
        ),
        default=Upper(Substr("id_number", 1, 17)),
        output_field=CharField(),
    )


def _keyed(qs: QuerySet) -> QuerySet:
    return qs.annotate(_q_len=Length("id_number")).annotate(_q_key=_id_key())


def duplicate_ids_in_county(scope: Scope) -> QuerySet:
    """The same person in two active member rows of one county: a window counting the rows of each (county,
    person key) — twice as fast as grouping by the key and joining back."""
    counted = (
        _keyed(scope.members())
        .annotate(_q_county=Substr("household__region_id", 1, 6))
        .annotate(_q_n=Window(Count("id"), partition_by=[F("_q_county"), F("_q_key")]))
        .filter(_q_n__gt=1)
    )
    return scope.members().filter(pk__in=counted.values("pk"))


def _check_char_of(first17):
    """The GB 11643 check character of a 17-digit expression (``core.ids.check_char`` in SQL)."""
    weighted = reduce(lambda a, b: a + b, (_digit(i + 1, first17) * w for i, w in enumerate(WEIGHTS)))
    return Substr(Value(CHECK_CHARS), Mod(weighted, 11) + 1, 1)


def _other_form():
    """The other form the same person's number may be recorded in: a 15-digit number's 18-digit upgrade, an
    18-digit number's 15-digit legacy form (born 19xx), a lower-case x upper-cased."""
    upgraded = Concat(
        Substr("id_number", 1, 6), Value("19"), Substr("id_number", 7, 9), output_field=CharField()
    )
    return Case(
        When(_q_len=15, then=Concat(upgraded, _check_char_of(upgraded), output_field=CharField())),
        # a regex, not endswith: SQLite's LIKE ignores case, so every number ending in X matched and its
        # 15-digit form was never looked up
        When(id_number__regex=r"x$", then=Upper("id_number")),
        When(
            id_number__regex=r"^[0-9]{6}19", then=Concat(Substr("id_number", 1, 6), Substr("id_number", 9, 9))
        ),
        default=Value(""),
        output_field=CharField(),
    )


def duplicate_ids_across(scope: Scope) -> QuerySet:
    """The same person active in a household of another county anywhere in the registry. The registry's unique
    index already refuses one number active twice, so the same person slips in only in another form (15 and 18
    digits, x and X): each member's other form is looked up in that index (one probe per member of the scope,
    whatever the size of the registry)."""
    elsewhere = Member.objects.filter(
        id_number=OuterRef("_q_other"), is_active=True, household__status__in=ACTIVE_STATUSES
    ).exclude(household__region__code__startswith=OuterRef("_q_county"))
    return (
        scope.members()
        .annotate(_q_len=Length("id_number"), _q_county=Substr("household__region_id", 1, 6))
        .annotate(_q_other=_other_form())
        .exclude(_q_other="")
        .filter(Exists(elsewhere))
    )


def unknown_relationships(scope: Scope) -> QuerySet:
    return scope.members().exclude(relationship__in=Relationship.values)


def _households_with(scope: Scope, relationship: str, more_than: int) -> QuerySet:
    counted = (
        scope.members()
        .filter(relationship=relationship)
        .values("household_id")
        .annotate(_q_n=Count("id"))
        .filter(_q_n__gt=more_than)
        .values("household_id")
    )
    return scope.households().filter(pk__in=counted)


def several_heads(scope: Scope) -> QuerySet:
    return _households_with(scope, Relationship.HEAD, 1)


def several_spouses(scope: Scope) -> QuerySet:
    return _households_with(scope, Relationship.SPOUSE, 1)


def no_head(scope: Scope) -> QuerySet:
    heads = Member.objects.filter(household_id=OuterRef("pk"), is_active=True, relationship=Relationship.HEAD)
    return scope.households().filter(~Exists(heads))


def _has(name: str) -> bool:
    return Field("member", name).exists()


def national(condition: Q) -> Q:
    """``condition`` on the rows that came from the national system's files (a 人口编号 kept) where the registry
    keeps that number: a national-layout rule is not applied to rows entered on our own 2014 forms, which record
    things the other way (文化程度 for a pupil too; no 务工所在地 or 城镇职工医保)."""
    return condition & ~Q(national_number="") if _has("national_number") else condition


def education_schooling(scope: Scope) -> QuerySet:
    """Both 文化程度 and 在校生状况 empty; and, on rows from the national files, both filled (the national system
    leaves 文化程度 empty for a pupil; the 2014 form this registry's own entry follows records it for pupils too, so
    there both filled is no finding)."""
    empty_education = Q(education="")
    at_school = ~Q(schooling__in=NOT_IN_SCHOOL)
    wrong = empty_education & ~at_school
    if _has("national_number"):
        wrong |= national(~empty_education & at_school)
    return scope.members().filter(wrong)


def work_status_months(scope: Scope) -> QuerySet:
    working = ~Q(work_status__in=NOT_WORKING)
    return scope.members().filter((working & Q(months_worked=0)) | (~working & Q(months_worked__gt=0)))


def work_place_months(scope: Scope) -> QuerySet:
    no_place = Q(work_place__isnull=True) | Q(work_place="")
    return scope.members().filter(
        national((~no_place & Q(months_worked=0)) | (no_place & Q(months_worked__gt=0)))
    )


def insurance_both(scope: Scope) -> QuerySet:
    return scope.members().filter(
        national(
            Q(medical_insurance=True, employee_medical_insurance=True)
            | Q(medical_insurance=False, employee_medical_insurance=False)
        )
    )


def _nullable_yes_no(scope: Scope) -> list[str]:
    """The mandatory yes/no fields that can be empty where ``scope`` reads: all of them in the scratch copy of an
    uploaded file (``staged`` keeps an empty cell empty), those the model lets be null in the registry."""
    found = []
    for name in MANDATORY_YES_NO:
        try:
            field = Member._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, BooleanField) and (field.null or scope.db != "default"):
            found.append(name)
    return found


def empty_yes_no(scope: Scope) -> QuerySet:
    return scope.members().filter(reduce(or_, (Q(**{f"{n}__isnull": True}) for n in _nullable_yes_no(scope))))


def yes_no_may_be_empty(scope: Scope) -> str | None:
    if not _nullable_yes_no(scope):
        return _("不适用（本系统的是/否项不允许为空）")
    return None


def household_phone(scope: Scope) -> QuerySet:
    return scope.households().exclude(phone="").exclude(phone__regex=MOBILE)


def member_phone(scope: Scope) -> QuerySet:
    return scope.members().exclude(phone="").exclude(phone__isnull=True).exclude(phone__regex=MOBILE)


def _sex_digit(column: str = "id_number"):
    """1 for a man, 0 for a woman: the parity of the ID number's 17th character."""
    return Mod(Ord(Substr(column, 17, 1)), 2)


def spouse_same_sex(scope: Scope) -> QuerySet:
    """A 配偶 whose ID number says the same sex as the 户主's."""
    head = (
        Member.objects.filter(household_id=OuterRef("household_id"), is_active=True, relationship="head")
        .annotate(_q_sex=_sex_digit())
        .filter(_q_sex=OuterRef("_q_sex"))
    )
    return (
        scope.members()
        .filter(relationship=Relationship.SPOUSE)
        .annotate(_q_sex=_sex_digit())
        .filter(Exists(head))
    )


def exited_without_serious_illness(scope: Scope) -> QuerySet:
    return scope.members().filter(household__in=scope.exited().values("pk"), serious_illness_insurance=False)


def exited_below_line(scope: Scope) -> QuerySet:
    return scope.exited().filter(years__year=scope.year, years__per_capita_net__lt=scope.line)


def line_recorded(scope: Scope) -> str | None:
    if scope.line is None:
        return _("不适用（未设定 %(y)d 年度扶贫标准）") % {"y": scope.year}
    return None


def exited_dangerous_house(scope: Scope) -> QuerySet:
    return scope.exited().filter(years__year=scope.year, years__house_grade__in=sorted(DANGEROUS_GRADES))


def school_age(year: int) -> tuple[dt.date, dt.date]:
    """Birth dates of the children aged 6–15 on 1 September of ``year`` (the school year's start): after the
    first, up to the second."""
    return dt.date(year - 16, 9, 1), dt.date(year - 6, 9, 1)


def child_out_of_school(scope: Scope) -> QuerySet:
    after, up_to = school_age(scope.year)
    return scope.members().filter(birth_date__gt=after, birth_date__lte=up_to, schooling__in=NOT_IN_SCHOOL)


def size_differs(scope: Scope) -> QuerySet:
    """家庭人口数 of the year's record against the household's active members, counted (GROUP BY household)."""
    counted = (
        scope.households()
        .filter(years__year=scope.year)
        .annotate(
            _q_size=F("years__household_size"), _q_n=Count("members", filter=Q(members__is_active=True))
        )
        .exclude(_q_size=F("_q_n"))
        .values("pk")
    )
    return scope.households().filter(pk__in=counted)


M, H = Target.MEMBER, Target.HOUSEHOLD
E, S, P = Severity.ERROR, Severity.SUSPECT, Severity.HINT
EXITED = Field("household", "status")
RULES: tuple[QualityRule, ...] = (
    QualityRule("Q01", gettext_lazy("身份证号码无效"), E, M, (m("id_number"),), invalid_ids,
                gettext_lazy("不是有效的 18 位公民身份号码（GB 11643：校验位、出生日期）。")),
    QualityRule("Q02", gettext_lazy("身份证号码县内重复"), E, M, (m("id_number"),), duplicate_ids_in_county,
                gettext_lazy("同一人（含 15 位旧号、小写 x）在本县登记了两次。")),
    QualityRule("Q03", gettext_lazy("身份证号码跨县重复"), E, M, (m("id_number"),), duplicate_ids_across,
                gettext_lazy("同一人在两个以上县的户中都在户。")),
    QualityRule("Q04", gettext_lazy("与户主关系代码无效"), E, M, (m("relationship"),), unknown_relationships,
                gettext_lazy("与户主关系不在代码表中。")),
    QualityRule("Q05", gettext_lazy("一户多个户主"), E, H, (m("relationship"),), several_heads),
    QualityRule("Q06", gettext_lazy("一户多个配偶"), S, H, (m("relationship"),), several_spouses),
    QualityRule("Q07", gettext_lazy("户内无户主"), E, H, (m("relationship"),), no_head),
    QualityRule("Q08", gettext_lazy("文化程度与在校生状况同时填写或同时为空"), E, M,
                (m("education"), m("schooling")), education_schooling,
                gettext_lazy("两项应且只应填写一项；本系统录入的按 2014 年登记表为在校生也记录文化程度，只查两项都空。")),
    QualityRule("Q09", gettext_lazy("务工状况与务工时间不一致"), S, M, (m("work_status"), m("months_worked")),
                work_status_months, gettext_lazy("务工却无务工月数，或未务工却有务工月数。")),
    QualityRule("Q10", gettext_lazy("有务工所在地无务工时间，或有时间无地点"), S, M,
                (m("work_place", gettext_lazy("务工所在地")), m("months_worked")), work_place_months,
                gettext_lazy("查从国家系统导入的人员。")),
    QualityRule("Q11", gettext_lazy("新农合与城镇职工医保同时参加或均未参加"), S, M,
                (m("medical_insurance"), m("employee_medical_insurance", gettext_lazy("参加城镇职工基本医疗保险"))),
                insurance_both, gettext_lazy("查从国家系统导入的人员。")),
    QualityRule("Q12", gettext_lazy("必填是否项为空"), E, M, (m("medical_insurance"),), empty_yes_no,
                precondition=yes_no_may_be_empty),
    QualityRule("Q13", gettext_lazy("户联系电话不是 11 位手机号"), P, H, (h("phone"),), household_phone),
    QualityRule("Q14", gettext_lazy("成员联系电话不是 11 位手机号"), P, M,
                (m("phone", gettext_lazy("成员联系电话")),), member_phone),
    QualityRule("Q15", gettext_lazy("配偶与户主性别相同"), S, M, (m("id_number"), m("relationship")),
                spouse_same_sex, gettext_lazy("按身份证号第 17 位判断性别。")),
    QualityRule("Q16", gettext_lazy("已脱贫户成员未参加大病保险"), S, M,
                (EXITED, m("serious_illness_insurance")), exited_without_serious_illness),
    QualityRule("Q17", gettext_lazy("已脱贫户人均纯收入低于扶贫标准"), E, H, (EXITED, y("per_capita_net")),
                exited_below_line, gettext_lazy("按当年扶贫标准（省定标准高于国家标准时用省定标准）。"),
                precondition=line_recorded),
    QualityRule("Q18", gettext_lazy("已脱贫户住房为 C/D 级危房"), E, H, (EXITED, y("house_grade")),
                exited_dangerous_house),
    QualityRule("Q19", gettext_lazy("6–15 岁儿童未在校"), S, M, (m("birth_date"), m("schooling")),
                child_out_of_school, gettext_lazy("以当年 9 月 1 日的年龄计；因身体原因送教上门的请核实说明。")),
    QualityRule("Q20", gettext_lazy("家庭人口数与成员数不一致"), E, H, (y("household_size"),), size_differs),
)  # fmt: skip
BY_CODE = {r.code: r for r in RULES}
