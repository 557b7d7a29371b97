"""Fixtures of 防止返贫动态监测: the year's monitoring line and policy (policy data, as an administrator enters
them), an exited household of 村 A, and the way through the 纳入监测 procedure step by step."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jingzhun.assistance import plans
from jingzhun.assistance import services as assistance
from jingzhun.identification import services as procedure
from jingzhun.identification.models import Publicity
from jingzhun.monitoring import services
from jingzhun.regions.models import Region
from tests.conftest import TOWN_A, VILLAGE_A

LINE = Decimal("6000")


def this_year() -> int:
    return timezone.localdate().year


@pytest.fixture
def monitoring_line(db):
    return services.monitoring_line_set(user=None, year=this_year(), amount=LINE, source="测试用")


@pytest.fixture
def exited(register, monitoring_line):
    """An exited household of 村 A (脱贫不稳定户 candidate), its head's ID number at ``.head_id``."""
    h = register(status="exited", identified_year=2014)
    h.head_id = h.members.get(relationship="head").id_number
    return h


def scan(name="授权承诺书.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def village() -> Region:
    return Region.objects.get(code=VILLAGE_A)


def accepted(household, users, kind="unstable"):
    clue = services.clue_report(
        user=None, village=village(), name=household.head_name,
        id_number=household.members.get(relationship="head").id_number, text="家中老人重病住院，医疗费用很高",
        risk_types=["illness"],
    )  # fmt: skip
    return services.clue_accept(user=users["town_a"], clue=clue, kind=kind)


def deliberated(case, users, *, authorise=True, income="5000", expenses="9000"):
    if authorise:
        services.case_authorise(user=users["village_a"], case=case, scan=scan())
    services.case_verify(
        user=users["village_a"], case=case, passed=True, findings="收入和支出属实", income=income,
        rigid_expenses=expenses, happened="住院",
    )  # fmt: skip
    services.case_deliberate(
        user=users["village_a"], case=case, meeting_on=timezone.localdate(), attendance=30, votes_for=25,
        votes_against=2,
    )  # fmt: skip
    case.refresh_from_db()
    return case


def period_passes(publicity: Publicity) -> None:
    days = (publicity.last_day - publicity.starts_on).days
    start = timezone.localdate() - dt.timedelta(days=days + 1)
    Publicity.objects.filter(pk=publicity.pk).update(
        starts_on=start, last_day=start + dt.timedelta(days=days)
    )
    publicity.refresh_from_db()


def through_publicity(case, users):
    publicity = services.publicity_open(user=users["village_a"], village=village(), cases=[case])
    period_passes(publicity)
    procedure.publicity_close(user=users["village_a"], publicity=publicity)
    services.case_review(user=users["town_a"], case=case, passed=True, note="同意")
    case.refresh_from_db()
    return publicity


def confirmed(household, users, **kw):
    case = deliberated(accepted(household, users), users, **kw)
    through_publicity(case, users)
    services.case_confirm(user=users["county"], case=case, passed=True, note="确认")
    case.refresh_from_db()
    return case


def months_ago(case, months: int, days: int = 0):
    """Move the monitoring period's start back (the clock of the rules is the record's dates)."""
    today = timezone.localdate()
    y, m = divmod(today.month - 1 - months, 12)
    start = today.replace(year=today.year + y, month=m + 1, day=min(today.day, 28)) - dt.timedelta(days=days)
    case.period.started_on = start
    case.period.save(update_fields=["started_on"])
    return start


def with_measure(household, users, status="ongoing"):
    """A cadre paired and one measure of the year's plan (through assistance's own services)."""
    town = Region.objects.get(code=TOWN_A)
    unit = assistance.unit_create(user=users["county"], name="县医保局", unit_type="government", level=3,
                                  region=Region.objects.get(code=TOWN_A[:6] + "000000"))  # fmt: skip
    cadre = assistance.cadre_create(user=users["county"], name="张干部", unit=unit, region=town)
    assistance.household_pair(user=users["town_a"], household=household, cadre=cadre)
    plan = plans.plan_create(user=users["village_a"], household=household, year=this_year())
    return plans.measure_add(
        user=users["village_a"], plan=plan, category="health", responsible="县医保局", content="医疗救助",
        status=status,
    )  # fmt: skip
