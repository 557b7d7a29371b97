"""代录 of a project's 申报: the township's 扶贫工作站 declares a village's project for the village only with the
signed paper record scanned; the step, the timeline and the audit say who entered it and for which level."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.core.models import AuditLog
from jingzhun.projects import services
from jingzhun.projects.choices import Stage, StepKind
from jingzhun.projects.models import Project, ProjectStep
from jingzhun.regions.choices import RegionLevel
from tests.conftest import TOWN_A

from .conftest import aged

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def scan():
    return SimpleUploadedFile("申报表签字.pdf", PDF, content_type="application/pdf")


def test_the_township_declares_for_the_village_with_the_paper_scanned(
    client, staff, draft, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    aged(services.notice_open(user=staff["village_a"], project=draft))
    client.force_login(staff["town_a"])
    page = client.get(f"/projects/{draft.pk}/").content.decode()
    assert 'id="form-declare"' in page and "declare-proxy_scan" in page
    without = client.post(f"/projects/{draft.pk}/act/declare/", {"declare-note": "代村申报"}, follow=True)
    assert "代录须上传签字的纸质记录扫描件" in without.content.decode()
    assert Project.objects.get(pk=draft.pk).stage == Stage.DRAFT
    client.post(
        f"/projects/{draft.pk}/act/declare/", {"declare-note": "代村申报", "declare-proxy_scan": scan()}
    )
    step = ProjectStep.objects.get(project=draft, kind=StepKind.DECLARE)
    assert step.on_behalf_of == RegionLevel.VILLAGE and step.actor == staff["town_a"] and step.proxy_scan
    assert step.actor_region == TOWN_A and Project.objects.get(pk=draft.pk).stage == Stage.DECLARED
    entry = AuditLog.objects.filter(model="projects.project", changes__has_key="on_behalf").get()
    assert entry.actor == staff["town_a"] and entry.changes["on_behalf"][1]["level"] == "村级"
    shown = client.get(f"/projects/{draft.pk}/").content.decode()
    assert "代录（代村级办理）" in shown
    assert client.get(f"/projects/steps/{step.pk}/attachment/?proxy=1").status_code == 200


def test_without_a_scan_the_township_is_refused_and_the_village_needs_none(staff, draft):
    aged(services.notice_open(user=staff["village_a"], project=draft))
    with pytest.raises(PermissionDenied, match="代录时请上传签字的纸质记录扫描件"):
        services.declare(user=staff["town_a"], project=draft)
    with pytest.raises(PermissionDenied, match="不是代录"):
        services.declare(user=staff["village_a"], project=draft, proxy_scan=scan())
    with pytest.raises(PermissionDenied, match="不在您的管辖范围"):
        services.declare(user=staff["town_b"], project=draft, proxy_scan=scan())
    with pytest.raises(PermissionDenied):  # the county is no proxy for a village
        services.declare(user=staff["county"], project=draft, proxy_scan=scan())
    assert not ProjectStep.objects.filter(kind=StepKind.DECLARE).exists()
    step = services.declare(user=staff["village_a"], project=draft)
    assert step.on_behalf_of is None and not step.proxy_scan
