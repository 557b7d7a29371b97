"""扶贫资金政策参数 page: national and provincial administrators set the rules from a year on (validated, audited,
a refusal changes nothing); the rules in force are shown year by year; others get the 403 page."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.accounts.choices import Role
from jingzhun.core.models import AuditLog
from jingzhun.funds import services
from jingzhun.funds.models import FundPolicy
from jingzhun.regions.models import Region
from tests.conftest import make_user

GUIZHOU = "520000000000"


def _post(**overrides):
    data = {
        "year": 2026, "province": "", "fund_name": "中央财政衔接推进乡村振兴补助资金",
        "governed_sources": ["central", "provincial"], "forbidden": ["admin_costs", "vehicles"],
        "management_fee_share": "0.01", "industry_share": "0.6", "stage_start": "0.3", "stage_basic": "0.4",
        "stage_accepted": "0.25", "stage_retention": "0.05", "retention_days": "365", "idle_days": "90",
        "outlier_factor": "3", "income_jump_ratio": "2", "publicity_days": "10", "weight_poverty": "0.5",
        "weight_tasks": "0.3", "weight_exits": "0.2", "source": "财农〔2026〕1号", "name_mask": "surname_stars",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_a_national_administrator_sets_the_rules_and_sees_them_year_by_year(client, users):
    client.force_login(users["national"])
    page = client.get("/funds/policy/?year=2023").content.decode()
    assert 'id="policy-form"' in page and "中央财政衔接推进乡村振兴补助资金" in page and "0.6000" in page
    assert "中央财政专项扶贫资金" in page  # 2017–2020 in the year-by-year table
    response = client.post("/funds/policy/", _post(industry_share="0.65"))
    assert response.status_code == 302
    row = FundPolicy.objects.get(year=2026, province__isnull=True)
    assert row.industry_share == Decimal("0.65") and row.stages[0] == ["start", "0.3"]
    assert AuditLog.objects.filter(model__icontains="fundpolicy", object_id=str(row.pk)).exists()
    page = client.get("/funds/policy/?year=2026").content.decode()
    assert "0.6500" in page and "开工预付" in page and "财农〔2026〕1号" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("industry_share", "1.5", "industry_share"),
        ("management_fee_share", "1", "management_fee_share"),
        ("idle_days", "-1", "idle_days"),
        ("stage_retention", "0.2", "合计须为 100%"),
        ("weight_exits", "0.5", "合计须为 1"),
    ],
)
def test_wrong_values_are_refused_and_nothing_changes(client, users, field, value, message):
    client.force_login(users["national"])
    before = list(FundPolicy.objects.order_by("id").values())
    response = client.post("/funds/policy/", _post(**{field: value}), follow=True)
    body = response.content.decode()
    assert (response.status_code == 200 and 'class="errorlist"' in body) or "合计" in body
    if not message.startswith(("industry", "management", "idle")):
        assert message in body
    assert list(FundPolicy.objects.order_by("id").values()) == before


def test_the_service_refuses_in_chinese_without_the_form(users):
    with pytest.raises(ValidationError, match=r"0\.05"):
        services.policy_set(user=users["national"], year=2026, management_fee_share="1")
    with pytest.raises(ValidationError, match="不能禁止"):
        services.policy_set(user=users["national"], year=2026, forbidden=["industry"])
    with pytest.raises(ValidationError, match="整数"):
        services.policy_set(user=users["national"], year=2026, idle_days=-3)
    assert not FundPolicy.objects.filter(year=2026).exists()


def test_a_province_sets_its_own_rules_only_and_others_get_403(client, users, regions):
    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code=GUIZHOU))
    client.force_login(admin)
    page = client.get("/funds/policy/").content.decode()
    assert "贵州" in page and 'value=""' not in page.split('id="policy-form"')[1].split("</select>")[0]
    client.post("/funds/policy/", _post(province=GUIZHOU, industry_share="0.7"))
    assert FundPolicy.objects.get(year=2026, province=GUIZHOU).industry_share == Decimal("0.7")
    # a national row is out of its reach: the choice falls back to its own province
    client.post("/funds/policy/", _post(province="", industry_share="0.1"))
    assert not FundPolicy.objects.filter(year=2026, province__isnull=True).exists()
    for user in (users["county"], make_user("fin", Role.FINANCE, users["county"].region)):
        client.force_login(user)
        assert client.get("/funds/policy/").status_code == 403
        assert client.post("/funds/policy/", _post(industry_share="0.1")).status_code == 403
    assert FundPolicy.objects.filter(year=2026).count() == 1
