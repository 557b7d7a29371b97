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
from tests.conftest import VILLAGE_A


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
    client.force_login(users["town_b"])
    assert client.get(url).status_code == 404
