"""Money that reached a household or a project has one record (issue 21): a payment that pays an assistance
measure is counted once in the equity of resources, and a project's 报账 payment is the project's 报账 step."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.assistance import equity, plans
from jingzhun.assistance import services as assistance
from jingzhun.assistance.models import AssistancePolicy
from jingzhun.funds import services
from jingzhun.funds.models import Payment
from jingzhun.projects.choices import Stage as ProjectStage
from jingzhun.projects.models import Project, ProjectStep
from jingzhun.regions.models import Region
from tests.assistance.conftest import cadre, units  # noqa: F401 (fixtures)
from tests.conftest import COUNTY, VILLAGE_A

from .conftest import YEAR, receipt


def _paid(finance, county, payments):
    services.payments_approve(user=finance, payments=payments)
    batch = services.batch_create(user=finance, county=county)
    rows = [["流水号", "结果", "银行流水号"], *([p.reference, "成功", f"B{p.pk}"] for p in payments)]
    services.batch_return(user=finance, batch=batch, rows=rows)


def test_a_payment_paying_a_measure_is_counted_once_in_the_equity(chain, finance, paid_household, cadre):  # noqa: F811
    h = paid_household
    assistance.household_pair(user=None, household=h, cadre=cadre())
    plan = plans.plan_create(user=None, household=h, year=YEAR)
    measure = plans.measure_add(
        user=None, plan=plan, category="production", item="industry", responsible="县农业农村局",
        planned_amount=500, actual_amount=500, status="done",
    )  # fmt: skip
    linked = services.household_payment_create(
        user=finance, allocation=chain["county"], id_number=h.head_id, amount="500", purpose="产业奖补",
        measure=measure,
    )  # fmt: skip
    plain = services.household_payment_create(
        user=finance, allocation=chain["county"], id_number=h.head_id, amount="300", purpose="教育补助"
    )
    _paid(finance, chain["county"].region, [linked, plain])
    row = next(
        r
        for r in equity.county_equity(Region.objects.get(code=COUNTY), YEAR, AssistancePolicy()).villages
        if r.code == VILLAGE_A
    )
    assert (row.measures, row.paid, row.total) == (Decimal(500), Decimal(300), Decimal(800))


def test_a_measure_of_another_household_is_refused_and_nothing_is_paid(
    chain,
    finance,
    paid_household,
    register,
    cadre,  # noqa: F811
):
    other = register()
    assistance.household_pair(user=None, household=other, cadre=cadre())
    measure = plans.measure_add(
        user=None, plan=plans.plan_create(user=None, household=other, year=YEAR), category="production",
        item="industry", responsible="县农业农村局", planned_amount=500,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="不是该户的"):
        services.household_payment_create(
            user=finance, allocation=chain["county"], id_number=paid_household.head_id, amount="500",
            purpose="奖补", measure=measure,
        )  # fmt: skip
    assert not Payment.objects.exists()


def test_a_project_payment_is_the_projects_settlement_and_the_last_one_settles_it(chain, finance, project):
    services.project_payment_create(
        user=finance, allocation=chain["county"], project=project, stage="start", amount="20000",
        purpose="开工预付", payee_name="雷山县建工队", bank_name="农行", bank_account="6228480000000000001",
        **receipt(),
    )  # fmt: skip
    project.refresh_from_db()
    assert project.settled == Decimal(20000) and project.stage == ProjectStage.IMPLEMENTING
    Project.objects.filter(pk=project.pk).update(stage=ProjectStage.ACCEPTED, accepted_on=dt.date(YEAR, 1, 2))
    services.project_payment_create(
        user=finance, allocation=chain["county"], project=Project.objects.get(pk=project.pk), stage="accepted",
        amount="100000", purpose="验收合格", payee_name="雷山县建工队", bank_name="农行",
        bank_account="6228480000000000001", **receipt(),
    )  # fmt: skip
    project.refresh_from_db()
    assert project.settled == Decimal(120000) and project.stage == ProjectStage.SETTLED
    steps = ProjectStep.objects.filter(project=project, kind="settle").order_by("id")
    assert [s.details["amount"] for s in steps] == ["20000.00", "100000.00"]


def test_a_measure_shows_what_its_payments_paid_counted_once(
    client,
    chain,
    finance,
    paid_household,
    cadre,  # noqa: F811
    users,
):
    from django.urls import reverse

    h = paid_household
    assistance.household_pair(user=None, household=h, cadre=cadre())
    plan = plans.plan_create(user=None, household=h, year=YEAR)
    paid_measure = plans.measure_add(
        user=None, plan=plan, category="production", item="industry", responsible="县农业农村局",
        planned_amount=600, actual_amount=400, status="done",
    )  # fmt: skip
    plans.measure_add(
        user=None, plan=plan, category="education", item="", content="雨露计划", responsible="县教育局",
        planned_amount=300, actual_amount=200, status="done",
    )  # fmt: skip
    linked = services.household_payment_create(
        user=finance, allocation=chain["county"], id_number=h.head_id, amount="550", purpose="产业奖补",
        measure=paid_measure,
    )  # fmt: skip
    client.force_login(users["national"])
    url = reverse("assistance:household", args=[h.pk]) + f"?year={YEAR}"
    page = client.get(url).content.decode()
    assert "已支付（据资金支出）" not in page  # not paid yet: the amount entered by hand
    _paid(finance, chain["county"].region, [linked])
    page = client.get(url).content.decode()
    measures = page.split('id="measures"')[1].split("</table>")[0]
    assert "550" in measures and "已支付（据资金支出）" in measures
    total = measures.split("<tfoot>")[1]
    assert "750" in total and "1,150" not in total and "1150" not in total  # 550 paid + 200 by hand, once
