"""Fixtures of the project library: a complete draft of 村 A's (entry items, sources, a target, two beneficiary
households), the users of each level and role, and a way to let a 公示 run its days."""

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.projects import services
from jingzhun.projects.models import ProjectNotice
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, VILLAGE_A, make_user


def today() -> dt.date:
    return timezone.localdate()


def aged(notice: ProjectNotice) -> ProjectNotice:
    """The notice as if it had started long enough ago for its days to be over."""
    days = (notice.last_day - notice.starts_on).days
    start = today() - dt.timedelta(days=days + 2)
    ProjectNotice.objects.filter(pk=notice.pk).update(
        starts_on=start, last_day=start + dt.timedelta(days=days)
    )
    notice.refresh_from_db()
    return notice


@pytest.fixture
def staff(users, regions):
    """The users of the procedure: village, township, county operators, a sector department, finance."""
    return {
        **users,
        "department": make_user("nongye", Role.DEPARTMENT, regions[COUNTY]),
        "finance": make_user("caizheng", Role.FINANCE, regions[COUNTY]),
    }


def draft_of(user, *, households=(), targets=True, **over):
    entry = dict(
        name="丹江镇茶叶加工厂", category="industry", nature="new", budget="500000.00",
        starts_on=today(), ends_on=today() + dt.timedelta(days=180), responsible_unit="丹江镇人民政府",
        implementer="丹江茶业合作社", tasks="新建茶叶加工厂房 800 平方米，购置加工设备 2 套",
        participation="村民代表大会讨论确定，群众参与建设和监督", benefit_mechanism="资产收益分红到户，务工带动",
    )  # fmt: skip
    entry.update(over)
    project = services.project_create(
        user=user, region=Region.objects.get(code=VILLAGE_A), year=today().year,
        fundings={"central": "300000", "county": "200000.00"},
        targets=[("output", "厂房面积", "800 平方米")] if targets else [], **entry,
    )  # fmt: skip
    if households:
        services.beneficiaries_set(user=user, project=project, household_ids=[h.pk for h in households])
    return project


@pytest.fixture
def households(register):
    return [register(), register(status="exited", identified_year=2014)]


@pytest.fixture
def draft(staff, households):
    return draft_of(staff["village_a"], households=households)


def listed(project, staff):
    """Through 申报, 审核, 论证 and 审定: in the library."""
    aged(services.notice_open(user=staff["village_a"], project=project))
    services.declare(user=staff["village_a"], project=project)
    services.review(user=staff["town_a"], project=project, passed=True, note="同意")
    aged(services.notice_open(user=staff["town_a"], project=project))
    services.appraise(user=staff["department"], project=project, passed=True, note="可行")
    services.approve(user=staff["county"], project=project, passed=True)
    project.refresh_from_db()
    return project
