"""衔接资金's required industry share (FundPolicy.industry_share, 60 % from 2023 nationally) held where the county
fixes the year's use of the money: 列入年度计划. A project that would leave the year plan's governed money below
the share is refused with the figures, and nothing changes; industry projects first make room."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.projects import services as projects
from jingzhun.projects.models import Project, ProjectFunding, ProjectStep
from jingzhun.regions.models import Region
from tests.conftest import VILLAGE_A

from .conftest import YEAR


def listed(name, category, **money):
    project = Project.objects.create(
        region=Region.objects.get(code=VILLAGE_A), year=YEAR, name=name, category=category,
        budget=sum((Decimal(v) for v in money.values()), Decimal(0)), stage="listed",
    )  # fmt: skip
    for kind, amount in money.items():
        ProjectFunding.objects.create(project=project, kind=kind, amount=Decimal(amount))
    return project


def test_the_year_plan_keeps_the_industry_share(users):
    county = users["county"]
    road = listed("通组公路", "infrastructure", central="100000")
    with pytest.raises(ValidationError) as refused:
        projects.plan(user=county, project=road)
    message = refused.value.messages[0]
    assert "不得低于 60.0%" in message and "100000.00 元" in message and "占 0.0%" in message
    road.refresh_from_db()
    assert road.stage == "listed" and not ProjectStep.objects.filter(project=road).exists()

    tea = listed("茶叶加工厂", "industry", central="200000")
    projects.plan(user=county, project=tea)  # industry first: it only raises the share
    projects.plan(user=county, project=road)  # 200000 of 300000 = 66.7 %
    water = listed("饮水工程", "infrastructure", central="100000", county="50000")
    with pytest.raises(ValidationError, match=r"400000\.00 元，其中产业发展项目 200000\.00 元，占 50\.0%"):
        projects.plan(user=county, project=water)
    water.refresh_from_db()
    assert water.stage == "listed"


def test_money_the_rule_does_not_govern_is_not_counted(users):
    own = listed("村级活动室", "public_service", county="80000", donation="20000")
    projects.plan(user=users["county"], project=own)  # county funds and donations: not 衔接资金
    own.refresh_from_db()
    assert own.stage == "planned"
