"""扶贫资金政策参数 page: national and provincial administrators set the rules of each fund source and the
fund-wide numbers from a year on (validated, audited, a refusal changes nothing); the rules in force are shown
year by year; others get the 403 page."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.accounts.choices import Role
from jingzhun.core.models import AuditLog
from jingzhun.funds import services
from jingzhun.funds.models import FundPolicy, FundRule
from jingzhun.regions.models import Region
from tests.conftest import make_user

GUIZHOU = "520000000000"


def _rule(**overrides):
    data = {
        "part": "rule", "year": 2026, "province": "", "fund_source": "central",
        "fund_name": "中央财政衔接推进乡村振兴补助资金", "purpose": "", "forbidden": ["admin_costs", "vehicles"],
        "management_fee_share": "0.01", "industry_share": "0.6", "stage_start": "0.3", "stage_basic": "0.4",
        "stage_accepted": "0.25", "stage_retention": "0.05", "retention_days": "365", "receipts_required": "on",
        "basis": "财农〔2026〕1号",
    }  # fmt: skip
    data.update(overrides)
    return data


def _policy(**overrides):
    data = {
        "part": "policy", "year": 2026, "province": "", "idle_days": "90", "outlier_factor": "3",
        "income_jump_ratio": "2", "publicity_days": "10", "weight_poverty": "0.5", "weight_tasks": "0.3",
        "weight_exits": "0.2", "source": "财农〔2026〕2号", "name_mask": "surname_stars",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_a_national_administrator_sets_the_rules_and_sees_them_year_by_year(client, users):
    client.force_login(users["national"])
    page = client.get("/funds/policy/?year=2023").content.decode()
    assert 'id="fund-rule-form"' in page and 'id="policy-form"' in page
    central = page.split('id="rule-central"')[1].split("</tr>")[0]
    assert "中央财政衔接推进乡村振兴补助资金" in central and "0.6000" in central
    assert (
        "中央财政专项扶贫资金" in page.split('id="rules-by-year"')[1]
    )  # 2017–2020 in the year-by-year table
    response = client.post("/funds/policy/", _rule(industry_share="0.65"))
    assert response.status_code == 302
    row = FundRule.objects.get(year=2026, province__isnull=True, fund_source="central")
    assert row.industry_share == Decimal("0.65") and row.stages[0] == ["start", "0.3"]
    assert AuditLog.objects.filter(model__icontains="fundrule", object_id=str(row.pk)).exists()
    page = client.get("/funds/policy/?year=2026").content.decode()
    central = page.split('id="rule-central"')[1].split("</tr>")[0]
    assert "0.6500" in central and "开工预付" in central and "财农〔2026〕1号" in page
    assert client.post("/funds/policy/", _policy(idle_days="60")).status_code == 302
    assert FundPolicy.objects.get(year=2026, province__isnull=True).idle_days == 60


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_rule(industry_share="1.5"), ""),
        (_rule(management_fee_share="1"), ""),
        (_rule(stage_retention="0.2"), "合计须为 100%"),
        (_policy(idle_days="-1"), ""),
        (_policy(weight_exits="0.5"), "合计须为 1"),
    ],
)
def test_wrong_values_are_refused_and_nothing_changes(client, users, data, message):
    client.force_login(users["national"])
    before = list(FundRule.objects.order_by("id").values()), list(FundPolicy.objects.order_by("id").values())
    response = client.post("/funds/policy/", data, follow=True)
    body = response.content.decode()
    assert (response.status_code == 200 and 'class="errorlist"' in body) or "合计" in body
    assert message in body
    assert (
        list(FundRule.objects.order_by("id").values()),
        list(FundPolicy.objects.order_by("id").values()),
    ) == before


def test_the_service_refuses_in_chinese_without_the_form(users):
    with pytest.raises(ValidationError, match=r"0\.05"):
        services.rule_set(user=users["national"], year=2026, source="central", management_fee_share="1")
    with pytest.raises(ValidationError, match="不能禁止"):
        services.rule_set(user=users["national"], year=2026, source="central", forbidden=["industry"])
    with pytest.raises(ValidationError, match="请选择资金来源"):
        services.rule_set(user=users["national"], year=2026, source="lottery", industry_share="0.5")
    with pytest.raises(ValidationError, match="整数"):
        services.policy_set(user=users["national"], year=2026, idle_days=-3)
    assert (
        not FundRule.objects.filter(year=2026).exists() and not FundPolicy.objects.filter(year=2026).exists()
    )


def test_a_province_sets_its_own_rules_only_and_others_get_403(client, users, regions):
    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code=GUIZHOU))
    client.force_login(admin)
    page = client.get("/funds/policy/").content.decode()
    assert "贵州" in page and 'value=""' not in page.split('id="fund-rule-form"')[1].split("</select>")[0]
    client.post("/funds/policy/", _rule(province=GUIZHOU, industry_share="0.7"))
    assert FundRule.objects.get(year=2026, province=GUIZHOU, fund_source="central").industry_share == Decimal(
        "0.7"
    )
    # a national row is out of its reach: the choice falls back to its own province
    client.post("/funds/policy/", _rule(province="", industry_share="0.1"))
    assert not FundRule.objects.filter(year=2026, province__isnull=True).exists()
    for user in (users["county"], make_user("fin", Role.FINANCE, users["county"].region)):
        client.force_login(user)
        assert client.get("/funds/policy/").status_code == 403
        assert client.post("/funds/policy/", _rule(industry_share="0.1")).status_code == 403
        assert client.post("/funds/policy/", _policy(idle_days="1")).status_code == 403
    assert (
        FundRule.objects.filter(year=2026).count() == 1 and not FundPolicy.objects.filter(year=2026).exists()
    )
