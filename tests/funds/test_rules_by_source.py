"""Fund rules per source and year (issue 21): each check on a payment or a year plan reads the rule of that
money's source, in force from its year (a province overriding one source from a year), seeded nationally from the
published rules; a refusal names the source and the rule and changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.accounts.choices import Role
from jingzhun.funds import selectors, services
from jingzhun.funds.choices import FORBIDDEN_2017
from jingzhun.funds.models import Allocation, FundRule, Payment
from jingzhun.projects import services as projects
from jingzhun.projects.models import Project, ProjectFunding
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, VILLAGE_A, make_user

from .conftest import YEAR, receipt

GUIZHOU = "520000000000"
BEIJING_VILLAGE = "110101001001"


@pytest.fixture
def donation(users, regions):
    """A social donation of 200,000 元 registered by the county, passed to itself and arrived."""
    admin = users["national"]
    fund = services.fund_register(
        user=admin, source="donation", year=YEAR, document_number="捐〔2026〕1号", title="某企业捐赠",
        amount="200000", region=regions[COUNTY],
    )  # fmt: skip
    (allocation,) = services.allocations_fix(
        user=admin, holder=fund, amounts={COUNTY: "200000"}, document_number="捐〔2026〕1号"
    )
    services.allocation_arrive(user=admin, allocation=allocation, arrived_on=dt.date(YEAR, 1, 1))
    allocation.refresh_from_db()
    return allocation


def _project_pay(finance, allocation, project, **kw):
    values = {"stage": "start", "amount": "10000", "purpose": "采购", "payee_name": "某公司", "bank_name": "农行",
              "bank_account": "6228480000000000001", **receipt(), **kw}  # fmt: skip
    return services.project_payment_create(user=finance, allocation=allocation, project=project, **values)


def _fee(finance, allocation, amount):
    return services.fee_payment_create(
        user=finance, allocation=allocation, amount=amount, purpose="评审", payee_name="乡村振兴局",
        bank_name="农行", bank_account="6228480000000000002",
    )  # fmt: skip


def rule(source, year, code=VILLAGE_A):
    return selectors.rule_for(region_code=code, year=year, source=source)


def _state():
    return (
        list(Payment.objects.order_by("id").values_list("id", "amount")),
        list(Allocation.objects.order_by("id").values_list("id", "balance")),
    )


def test_the_national_rules_are_seeded_per_source_and_year(db):
    c2020, c2021, c2022 = rule("central", 2020), rule("central", 2021), rule("central", 2022)
    assert c2020.fund_name == "中央财政专项扶贫资金" and c2020.pk is not None
    assert set(c2020.forbidden) == {c.value for c in FORBIDDEN_2017} and len(c2020.forbidden) == 9
    assert c2020.management_fee_share == Decimal("0.01") and c2020.industry_share == 0
    assert c2021.fund_name == "中央财政衔接推进乡村振兴补助资金" != c2020.fund_name
    assert c2022.industry_share == Decimal("0.55") and rule("central", 2024).industry_share == Decimal("0.6")
    for source in (
        "provincial",
        "integrated",
    ):  # the central rules' forbidden uses and fee cap, no industry share
        assert rule(source, 2020).forbidden == c2020.forbidden and rule(source, 2020).management_fee_share
        assert rule(source, 2024).industry_share == 0
    assert rule("provincial", 2024).fund_name == "省级财政衔接推进乡村振兴补助资金"
    for source in ("city", "county", "donation", "paired"):  # looser: no forbidden use, no fee cap, receipts
        loose = rule(source, 2020)
        assert (
            loose.pk
            and loose.forbidden == []
            and loose.management_fee_share is None
            and loose.receipts_required
        )
    assert "捐赠协议" in rule("donation", 2026).purpose and "协议" in rule("paired", 2026).purpose


def test_a_category_forbidden_for_central_money_is_allowed_from_a_donation(chain, donation, finance, project):
    before = _state()
    with pytest.raises(ValidationError) as refused:
        _project_pay(finance, chain["county"], project, category="vehicles")
    message = " ".join(refused.value.messages)
    assert (
        "交通工具及通讯设备" in message
        and "中央财政资金" in message
        and "衔接推进乡村振兴补助资金" in message
    )
    assert _state() == before
    payment = _project_pay(finance, donation, project, category="vehicles")
    assert payment.category == "vehicles" and payment.allocation_id == donation.pk


def test_a_provinces_rule_for_one_source_overrides_the_nations_from_its_year_only(users, regions):
    services.rule_set(user=users["national"], year=2024, province=GUIZHOU, source="donation",
                      fund_name="贵州省社会扶贫捐赠资金", forbidden=["vehicles"])  # fmt: skip
    assert rule("donation", 2023).forbidden == [] and rule("donation", 2023).province_id is None
    assert rule("donation", 2024).forbidden == ["vehicles"]
    assert rule("donation", 2026).fund_name == "贵州省社会扶贫捐赠资金"
    assert rule("donation", 2026, BEIJING_VILLAGE).forbidden == []  # another province: the nation's
    assert rule("central", 2026).province_id is None  # the province's other sources: the nation's
    assert rule("central", 2026).fund_name == "中央财政衔接推进乡村振兴补助资金"


def test_stages_differ_per_source(chain, donation, finance, project, users):
    services.rule_set(user=users["national"], year=YEAR, source="donation",
                      stages=[["start", "0.5"], ["accepted", "0.5"]])  # fmt: skip
    before = _state()
    with pytest.raises(ValidationError, match=r"到「开工预付」阶段累计最多可支付 60000\.00 元"):
        _project_pay(finance, chain["county"], project, amount="100000")  # central: 30 % of 200,000
    assert _state() == before
    assert _project_pay(finance, donation, project, amount="100000").amount == Decimal(
        "100000"
    )  # donation: 50 %
    with pytest.raises(ValidationError, match="没有「基本完工」"):
        _project_pay(finance, donation, project, stage="basic", amount="1000")


def test_the_fee_cap_counts_only_the_sources_the_rule_names(chain, donation, finance, users):
    _fee(finance, chain["county"], "6000")  # 1 % of the county's 600,000 central
    before = _state()
    with pytest.raises(ValidationError) as refused:
        _fee(finance, chain["county"], "0.01")
    assert "中央财政资金" in refused.value.messages[0] and "6000.00 元" in refused.value.messages[0]
    assert _state() == before
    assert _fee(finance, donation, "9000").amount == Decimal("9000")  # a donation: no cap, not counted above
    services.rule_set(user=users["national"], year=YEAR, source="donation", management_fee_share="0.05")
    with pytest.raises(ValidationError, match=r"社会捐赠资金.*上限 10000\.00 元"):
        _fee(finance, donation, "1000.01")  # its own cap: 5 % of 200,000, its 9,000 counted
    assert _fee(finance, donation, "1000").amount == Decimal("1000")


def test_the_industry_share_is_held_per_source(users):
    services.rule_set(
        user=users["national"], year=YEAR, province=GUIZHOU, source="donation", industry_share="0.5"
    )
    road = Project.objects.create(
        region=Region.objects.get(code=VILLAGE_A), year=YEAR, name="通组公路", category="infrastructure",
        budget=Decimal("30000"), stage="listed",
    )  # fmt: skip
    ProjectFunding.objects.create(project=road, kind="donation", amount=Decimal("20000"))
    ProjectFunding.objects.create(project=road, kind="county", amount=Decimal("10000"))
    with pytest.raises(ValidationError, match=r"社会捐赠资金.*不得低于 50\.0%.*20000\.00 元"):
        projects.plan(user=users["county"], project=road)
    road.refresh_from_db()
    assert road.stage == "listed"


def test_editing_a_rule_without_the_permission_is_refused(users, regions):
    before = list(FundRule.objects.order_by("id").values())
    for user in (users["county"], make_user("fin", Role.FINANCE, regions[COUNTY])):
        with pytest.raises(PermissionDenied):
            services.rule_set(user=user, year=2026, source="donation", forbidden=["vehicles"])
        with pytest.raises(PermissionDenied):
            services.rule_set(user=user, year=2026, province=GUIZHOU, source="central", industry_share="0.9")
    assert list(FundRule.objects.order_by("id").values()) == before


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_rules_of_existing_policy_rows(regions):
    """A province's 2024 row that governed central money only, with its own forbidden list and stages, becomes
    its central rule; the sources it did not govern get the province's looser rows from that year."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("funds", "0009_payment_receipts")], [("funds", "0010_fund_rules_per_source")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("funds", "FundPolicy")
    old.objects.create(
        year=2024, province_id=GUIZHOU, fund_name="贵州省衔接资金", governed_sources=["central"],
        forbidden=["vehicles"], industry_share=Decimal("0.7"), stages=[["start", "0.5"], ["accepted", "0.5"]],
        receipts_required=False, management_fee_share=Decimal("0.02"), source="黔财农〔2024〕1号",
    )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    central = rule("central", 2025)
    assert (central.province_id, central.fund_name, central.forbidden) == (
        GUIZHOU,
        "贵州省衔接资金",
        ["vehicles"],
    )
    assert central.industry_share == Decimal("0.7") and central.management_fee_share == Decimal("0.02")
    assert central.stages == [["start", "0.5"], ["accepted", "0.5"]] and not central.receipts_required
    provincial = rule("provincial", 2025)  # ungoverned by the province's row: its own looser row
    assert (
        provincial.province_id == GUIZHOU
        and provincial.forbidden == []
        and provincial.management_fee_share is None
    )
    assert rule("central", 2023).province_id is None and len(rule("central", 2023).forbidden) == 9
    assert rule("provincial", 2023).forbidden == rule("central", 2023).forbidden  # the nation's, governed
