"""问题整改: a finding raised by a level, its fix reported by the region with evidence, 销号 by the raising level
only; overdue items on the 工作台 and counts per region."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jingzhun.assessment import services
from jingzhun.assessment.models import Finding
from jingzhun.core.worklist import work_for
from tests.conftest import COUNTY, TOWN_B, VILLAGE_A


def raise_one(users, regions, **extra):
    return services.finding_raise(
        user=users["county"], region=regions[VILLAGE_A], source="third_party", title="错退 1 户未纠正",
        responsible_unit="丹江镇人民政府", deadline=timezone.localdate() + dt.timedelta(days=30), **extra,
    )  # fmt: skip


def test_raise_rectify_and_close_by_the_raising_level(users, regions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    finding = raise_one(users, regions)
    assert finding.raised_level == 3 and finding.state == "open"
    with pytest.raises(ValidationError, match="尚未上报整改情况"):
        services.finding_close(user=users["county"], finding=finding)
    services.finding_rectify(
        user=users["town_a"], finding=finding, evidence="已重新核实并恢复在册",
        evidence_file=SimpleUploadedFile("核实.pdf", b"%PDF-1.4 x"),
    )  # fmt: skip
    with pytest.raises(PermissionDenied, match="须由县级用户办理"):
        services.finding_close(user=users["town_a"], finding=finding)
    with pytest.raises(ValidationError, match="退回时请说明理由"):
        services.finding_close(user=users["county"], finding=finding, accept=False)
    services.finding_close(user=users["county"], finding=finding, accept=False, note="佐证不足")
    finding.refresh_from_db()
    assert finding.state == "open" and finding.rectified_at is None
    services.finding_rectify(user=users["town_a"], finding=finding, evidence="补充了入户核实表")
    closed = services.finding_close(user=users["county"], finding=finding, note="整改到位")
    assert closed.state == "closed" and closed.closed_by == users["county"]
    with pytest.raises(ValidationError, match="不在整改中"):
        services.finding_rectify(user=users["town_a"], finding=finding, evidence="再次上报")


def test_refusals_change_nothing(users, regions):
    with pytest.raises(ValidationError, match="不能早于今天"):
        services.finding_raise(
            user=users["county"], region=regions[VILLAGE_A], source="audit", title="x", responsible_unit="y",
            deadline=timezone.localdate() - dt.timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(PermissionDenied, match="县级及以上"):
        services.finding_raise(
            user=users["town_a"], region=regions[VILLAGE_A], source="audit", title="x", responsible_unit="y",
            deadline=timezone.localdate(),
        )  # fmt: skip
    assert not Finding.objects.exists()


def test_overdue_findings_on_the_workbench_and_counts_per_region(client, users, regions):
    finding = raise_one(users, regions)
    Finding.objects.filter(pk=finding.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    items = [i for i in work_for(users["town_a"]) if "超过整改时限" in i.label]
    assert items and items[0].count == 1 and items[0].urgent and "overdue=1" in items[0].url
    assert not [i for i in work_for(users["town_b"]) if "超过整改时限" in i.label]
    client.force_login(users["county"])
    page = client.get(reverse("assessment:findings") + "?overdue=1").content.decode()
    assert "错退 1 户未纠正" in page and "丹江镇" in page
    services.finding_rectify(user=users["town_a"], finding=finding, evidence="已整改")
    assert [i for i in work_for(users["county"]) if "待销号" in i.label]


def test_pages_raise_and_close(client, users, regions):
    client.force_login(users["county"])
    response = client.post(reverse("assessment:findings"), {
        "region": VILLAGE_A, "source": "hotline", "title": "12317 反映低保未落实", "responsible_unit": "民政局",
        "deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
    })  # fmt: skip
    assert response.status_code == 302
    url = response["Location"]
    client.force_login(users["town_a"])
    client.post(url, {"do": "rectify", "evidence": "已落实"})
    client.force_login(users["county"])
    client.post(url, {"do": "close", "accept": "yes", "note": "同意销号"})
    assert "已销号" in client.get(url).content.decode()
    # rectified without a file: its evidence link answers 404 and records no download
    from jingzhun.core.models import AuditLog

    evidence = reverse("assessment:finding_evidence", args=[Finding.objects.get().pk])
    before = AuditLog.objects.count()
    assert client.get(evidence).status_code == 404
    assert AuditLog.objects.count() == before
    client.force_login(users["town_b"])
    assert client.get(url).status_code == 404


@pytest.fixture
def alert(regions):
    from jingzhun.funds.models import Alert

    return Alert.objects.create(
        kind="idle", key="allocation:1", region=regions[VILLAGE_A], year=2026,
        summary="州财农〔2026〕5号 到位 120 天未支出 50,000 元", evidence={"到位日期": "2026-01-01"},
    )  # fmt: skip


def test_a_funds_alert_turned_into_a_finding_in_one_click(client, users, regions, alert):
    from jingzhun.accounts.choices import Role
    from tests.conftest import make_user

    supervisor = make_user("county_supervisor", Role.SUPERVISOR, regions[COUNTY])
    client.force_login(supervisor)
    page = client.get(reverse("funds:alert", args=[alert.pk])).content.decode()
    assert 'id="alert-finding-form"' in page
    client.post(reverse("assessment:finding_from_alert", args=[alert.pk]), {"responsible_unit": "县财政局"})
    finding = Finding.objects.get()
    assert (finding.source, finding.source_ref, finding.region_id) == (
        "funds",
        f"alert:{alert.pk}",
        alert.region_id,
    )
    assert finding.title == alert.summary and finding.responsible_unit == "县财政局"
    # the policy's default of 30 days from today, and the level that turned it closes it
    assert finding.deadline == timezone.localdate() + dt.timedelta(days=30) and finding.raised_level == 3
    page = client.get(reverse("funds:alert", args=[alert.pk])).content.decode()
    assert "已转整改" in page and 'id="alert-finding-form"' not in page
    with pytest.raises(ValidationError, match="已登记为整改问题"):
        services.finding_from_alert(user=supervisor, alert_pk=alert.pk, responsible_unit="县财政局")
    assert Finding.objects.count() == 1


def test_an_alert_outside_the_scope_or_the_role_is_refused(users, regions, alert):
    from jingzhun.accounts.choices import Role
    from tests.conftest import make_user

    with pytest.raises(PermissionDenied):  # a county operator reads the alert but does not handle it
        services.finding_from_alert(user=users["county"], alert_pk=alert.pk, responsible_unit="县财政局")
    elsewhere = make_user("town_b_supervisor", Role.SUPERVISOR, regions[TOWN_B])
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        services.finding_from_alert(user=elsewhere, alert_pk=alert.pk, responsible_unit="县财政局")
    assert not Finding.objects.exists()


IMPORT_HEADER = "来源,来源编号,区划代码,问题,问题描述,责任单位,整改时限\n"


def test_hotline_and_lookback_items_imported_with_their_source(client, users, regions):
    client.force_login(users["county"])
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    good = (
        IMPORT_HEADER
        + f"12317 来电,GZ2026-0017,{VILLAGE_A},反映低保户未纳入,来电人称……,丹江镇人民政府,{due}\n"
        + f"回头看,HTK-03,{VILLAGE_A},帮扶计划未落实,,丹江镇人民政府,{due}\n"
    )
    bad = (
        good
        + f"信访,X1,{VILLAGE_A},问题,,镇政府,{due}\n"
        + "回头看,HTK-04,110101001001,外省,,镇政府,2026-13-01\n"
    )
    url = reverse("assessment:findings_import")
    page = client.post(url, {"file": SimpleUploadedFile("f.csv", bad.encode())}, follow=True).content.decode()
    assert "第 4 行" in page and "来源「信访」" in page and "第 5 行" in page and not Finding.objects.exists()
    client.post(url, {"file": SimpleUploadedFile("f.csv", ("\ufeff" + good).encode())})
    made = {f.source_ref: f for f in Finding.objects.all()}
    assert made["GZ2026-0017"].source == "hotline" and made["HTK-03"].source == "lookback"
    assert made["HTK-03"].responsible_unit == "丹江镇人民政府" and made["HTK-03"].raised_level == 3
    again = client.post(
        url, {"file": SimpleUploadedFile("f.csv", good.encode())}, follow=True
    ).content.decode()
    assert "已登记为整改问题" in again and Finding.objects.count() == 2
    listing = client.get(reverse("assessment:findings")).content.decode()
    assert "GZ2026-0017" in listing and "12317 来电" in listing


def test_a_hotline_call_entered_by_hand_keeps_its_number(users, regions):
    finding = raise_one(users, regions, source_ref="GZ2026-0099")
    assert finding.source_ref == "GZ2026-0099"
    with pytest.raises(ValidationError, match="GZ2026-0099"):
        raise_one(users, regions, source_ref="GZ2026-0099")


def test_the_alert_s_default_deadline_is_policy_data(users, regions, alert):
    from jingzhun.accounts.choices import Role
    from tests.conftest import make_user

    services.assessment_policy_set(
        user=users["national"], year=2020, province="520000000000", rectify_days=10
    )
    supervisor = make_user("county_supervisor", Role.SUPERVISOR, regions[COUNTY])
    finding = services.finding_from_alert(user=supervisor, alert_pk=alert.pk, responsible_unit="县财政局")
    assert finding.deadline == timezone.localdate() + dt.timedelta(days=10)
