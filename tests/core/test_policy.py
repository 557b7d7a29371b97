"""Policy in force, found one way for every policy table (core.policy): the province's own row, else the
nation's; of the year, or carried forward for parameters; the higher line where policy says so."""

from decimal import Decimal

from jingzhun.assistance import services as assistance
from jingzhun.assistance.models import AssistancePolicy
from jingzhun.core import policy
from jingzhun.identification import quotas, selectors
from jingzhun.identification import services as identification
from jingzhun.regions.models import Region
from tests.conftest import VILLAGE_A

PROVINCE = "520000000000"


def test_assistance_parameters_stay_in_force_until_a_later_year_changes_them(users):
    assistance.policy_set(user=users["national"], year=2016, cadre_capacity=5, visit_days=30)
    assistance.policy_set(user=users["national"], year=2021, cadre_capacity=8, visit_days=60)
    assistance.policy_set(
        user=users["national"], province=PROVINCE, year=2024, cadre_capacity=6, visit_days=14
    )
    assert assistance.policy_for(VILLAGE_A, 2015).pk is None  # before any row: the defaults, unsaved
    assert assistance.policy_for(VILLAGE_A, 2015).cadre_capacity == AssistancePolicy.DEFAULT_CAPACITY
    assert assistance.policy_for(VILLAGE_A, 2019).cadre_capacity == 5
    assert assistance.policy_for(VILLAGE_A, 2022).visit_days == 60  # the nation's, the province has none yet
    assert assistance.policy_for(VILLAGE_A, 2026).visit_days == 14  # the province's own from 2024
    assert assistance.policy_for("110101001001", 2026).visit_days == 60  # another province: the nation's
    assert AssistancePolicy.objects.count() == 3


def test_a_line_is_the_line_of_its_year_and_a_provinces_counts_only_above_the_nations(users):
    identification.poverty_line_set(user=users["national"], year=2019, amount=Decimal("3747"))
    identification.poverty_line_set(user=users["national"], year=2020, amount=Decimal("4000"))
    identification.poverty_line_set(
        user=users["national"], year=2020, amount=Decimal("4200"), province=PROVINCE
    )
    assert selectors.poverty_line(year=2021, region_code=VILLAGE_A) is None  # never carried forward
    assert selectors.poverty_line(year=2020, region_code=VILLAGE_A).amount == Decimal("4200")
    assert selectors.poverty_line(year=2020, region_code="110101001001").amount == Decimal("4000")
    assert selectors.poverty_line(year=2019, region_code=VILLAGE_A).amount == Decimal("3747")


def test_a_provinces_quota_margin_is_its_own_and_the_nations_defaults_to_ten(users):
    province = Region.objects.get(code=PROVINCE)
    assert quotas.margin_percent(year=2026, parent=None) == 10
    assert quotas.margin_percent(year=2026, parent=province) == 0
    identification.procedure_policy_set(
        user=users["national"], year=2026, publicity_days=7, step_days=10, quota_margin_percent=5
    )
    assert quotas.margin_percent(year=2026, parent=None) == 5
    assert quotas.margin_percent(year=2026, parent=province) == 0  # the nation's margin is not the province's
    assert policy.province_of(VILLAGE_A) == PROVINCE and policy.province_of(None) is None
