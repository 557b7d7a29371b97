"""省级公示 of a county's exit: the province's 公示 step publishes a notice on the public portal with the exit
figures (no personal data), up for the policy's days; objections through the portal's one gate, decided by the
province with a reason; 省政府 approval refused while the notice runs or an objection is open or upheld."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.assessment import services
from jingzhun.assessment.models import ExitNotice, ExitObjection, PoorCounty
from jingzhun.core.models import AuditLog
from jingzhun.core.worklist import work_for
from jingzhun.regions.models import Region
from tests.conftest import make_user

from .conftest import PROVINCE, province_sample
from .test_exit_check import _county_data


def _answer(page: str) -> str:
    a, b = re.search(r"(\d) \+ (\d) = \?", page).groups()
    return str(int(a) + int(b))


@pytest.fixture
def province():
    return make_user("province", Role.OPERATOR, Region.objects.get(code=PROVINCE))


@pytest.fixture
def published(users, county, province, assessor, frame):
    """雷山县 through the province's check and its 公示 (policy: 10 days)."""
    services.assessment_policy_set(user=users["national"], year=2020, exit_publicity_days=10)
    year = _county_data(county, poor=1_500)
    city = make_user("city", Role.OPERATOR, county.parent)
    services.county_exit_take(user=users["county"], county=county, year=year, kind="propose")
    services.county_exit_take(user=city, county=county, year=year, kind="city")
    province_sample(province=province, assessor=assessor, county=county, year=year)
    services.county_exit_take(user=province, county=county, year=year, kind="province_check")
    services.county_exit_take(user=province, county=county, year=year, kind="publicity")
    return ExitNotice.objects.get()


def _expire(notice):
    ExitNotice.objects.filter(pk=notice.pk).update(
        starts_on=timezone.localdate() - dt.timedelta(days=11),
        last_day=timezone.localdate() - dt.timedelta(days=1),
    )


def test_the_publicity_step_publishes_the_exit_figures_on_the_portal(client, published, county):
    notice = published
    assert notice.region_id == county.code and notice.starts_on == timezone.localdate()
    assert notice.last_day == timezone.localdate() + dt.timedelta(days=9)  # the policy's 10 days
    keys = [(f["key"], f["threshold"], f["passed"]) for f in notice.facts["figures"]]
    assert keys == [
        ("incidence", 2, True),
        ("wrong_exit", 2, True),
        ("missed", 2, True),
        ("satisfaction", 90, True),
    ]
    page = client.get(reverse("portal:exit_notice", args=[notice.pk])).content.decode()
    assert "雷山县" in page and "1.50%" in page and "低于 2%" in page and "不低于 90%" in page
    assert all(label in page for label in ("综合贫困发生率", "错退率", "漏评率", "群众认可度"))
    assert 'id="objection-form"' in page and "公示中" in page
    region = client.get(reverse("portal:region", args=[county.code])).content.decode()
    assert 'id="exit-notices"' in region and reverse("portal:exit_notice", args=[notice.pk]) in region


def test_approval_waits_for_the_publicity_and_every_objection(client, published, county, province):
    notice, year = published, published.year
    with pytest.raises(ValidationError, match=r"省级公示至 .* 止，公示期满后方可批准退出"):
        services.county_exit_take(user=province, county=county, year=year, kind="approve")
    # the public objects through the portal's gate
    url = reverse("portal:exit_notice", args=[notice.pk])
    page = client.get(url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = client.post(
        url, {"text": "本村仍有未脱贫户未纳入", "token": token, "answer": _answer(page)}, follow=True
    )
    objection = ExitObjection.objects.get()
    assert objection.reference in done.content.decode() and objection.source == "public"
    assert objection.region_id == county.code
    # on the province's 工作台, linking to the county's page where it is decided
    [item] = [i for i in work_for(province) if "贫困县退出公示异议待处理" in i.label]
    assert item.count == 1 and item.url == reverse(
        "assessment:county", kwargs={"code": county.code, "year": year}
    )
    _expire(notice)
    with pytest.raises(ValidationError, match=f"异议（{objection.reference}）尚未处理"):
        services.county_exit_take(user=province, county=county, year=year, kind="approve")
    # the county cannot decide it; the province does, with a reason, on the county's page
    with pytest.raises(PermissionDenied):
        services.exit_objection_resolve(user=make_user("c2", Role.OPERATOR, county), objection=objection,
                                        upheld=False, reason="经核实不属实")  # fmt: skip
    client.force_login(province)
    county_url = reverse("assessment:county", kwargs={"code": county.code, "year": year})
    page = client.get(county_url).content.decode()
    assert objection.reference in page and "本村仍有未脱贫户未纳入" in page and "处理异议" in page
    resolve = reverse("assessment:exit_objection_resolve", args=[objection.pk])
    client.post(resolve, {"upheld": "no", "reason": ""})
    objection.refresh_from_db()
    assert objection.status == "open"
    client.post(resolve, {"upheld": "no", "reason": "经入户核实，该户已纳入监测"})
    objection.refresh_from_db()
    assert objection.status == "dismissed" and objection.resolved_by == province
    assert not [i for i in work_for(province) if "公示异议" in i.label]
    assert AuditLog.objects.filter(model__icontains="exitobjection", action="update").exists()
    assert client.post(county_url, {"kind": "approve", "passed": "yes"}).status_code == 302
    assert PoorCounty.objects.get(county=county, year=year).status == "exited"


def test_an_upheld_objection_refuses_approval(published, county, province):
    notice, year = published, published.year
    objection = services.exit_objection_file(user=None, notice=notice, text="脱贫数据存在虚报")
    services.exit_objection_resolve(
        user=province, objection=objection, upheld=True, reason="核实属实，数据虚报"
    )
    with pytest.raises(ValidationError, match="该异议已经处理"):
        services.exit_objection_resolve(user=province, objection=objection, upheld=False, reason="改判不属实")
    _expire(notice)
    with pytest.raises(ValidationError, match="经核实属实，不能批准退出"):
        services.county_exit_take(user=province, county=county, year=year, kind="approve")
    assert PoorCounty.objects.get(county=county, year=year).status == "poor"
    step = services.county_exit_take(
        user=province, county=county, year=year, kind="approve", passed=False, note="异议属实"
    )
    assert not step.passed


def test_after_its_days_the_notice_takes_no_objection(client, published):
    _expire(published)
    page = client.get(reverse("portal:exit_notice", args=[published.pk])).content.decode()
    assert 'id="objection-form"' not in page and "公示期已满" in page
    assert (
        client.post(reverse("portal:exit_notice", args=[published.pk]), {"text": "异议内容"}).status_code
        == 404
    )
    with pytest.raises(ValidationError, match="该公示已结束"):
        services.exit_objection_file(user=None, notice=published, text="迟到的异议内容")
    assert not ExitObjection.objects.exists()
