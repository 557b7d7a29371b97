"""代录 (entry on behalf): the township's 扶贫工作站 enters a village's step from the signed paper record; the
step and the audit keep who entered it, for which level, and the scanned paper."""

from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.core.models import AuditLog
from jingzhun.identification import services
from jingzhun.identification.choices import Stage, StepKind
from jingzhun.identification.models import Application, Step
from jingzhun.regions.choices import RegionLevel
from tests.conftest import TOWN_A

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_township_enters_a_village_step_by_proxy_with_the_paper_scanned(client, application, users):
    client.force_login(users["town_a"])
    page = client.get(f"/identification/{application.pk}/").content.decode()
    assert 'id="step-form"' in page and 'id="on-behalf"' in page and "proxy_scan" in page
    without = client.post(
        f"/identification/{application.pk}/verify/",
        {"on": "2026-11-20", "findings": "核实属实", "passed": "1"},
        follow=True,
    ).content.decode()
    assert "代录须上传签字的纸质记录扫描件" in without
    assert Application.objects.get(pk=application.pk).stage == Stage.APPLIED
    scan = SimpleUploadedFile("核实表签字.pdf", PDF, content_type="application/pdf")
    client.post(
        f"/identification/{application.pk}/verify/",
        {"on": "2026-11-20", "findings": "核实属实", "passed": "1", "proxy_scan": scan},
    )
    step = Step.objects.get(application=application, kind=StepKind.VERIFY)
    assert step.on_behalf_of == RegionLevel.VILLAGE and step.actor == users["town_a"] and step.proxy_scan
    assert step.actor_region == TOWN_A
    entry = AuditLog.objects.filter(model="identification.application", changes__has_key="on_behalf").get()
    assert entry.actor == users["town_a"] and entry.changes["on_behalf"][1]["level"] == "村级"
    shown = client.get(f"/identification/{application.pk}/").content.decode()
    assert "代录（代村级办理" in shown
    assert client.get(f"/identification/steps/{step.pk}/attachment/?proxy=1").status_code == 200


def test_the_village_itself_takes_its_step_without_a_scan(application, users):
    step = services.application_verify(
        user=users["village_a"], application=application, passed=True, findings="核实属实"
    )
    assert step.on_behalf_of is None and not step.proxy_scan


def test_the_card_and_the_audit_page_show_a_proxy_step_in_words(client, application, users):
    client.force_login(users["town_a"])
    scan = SimpleUploadedFile("核实表签字.pdf", PDF, content_type="application/pdf")
    client.post(
        f"/identification/{application.pk}/verify/",
        {"on": "2026-11-20", "findings": "核实属实", "passed": "1", "proxy_scan": scan},
    )
    client.force_login(users["village_a"])
    card = client.get(f"/households/{application.household_id}/")
    assert card.status_code == 200 and "村级" in card.content.decode()


def test_applying_by_proxy_is_audited_and_a_scan_from_the_village_itself_is_refused(client, applicant, users):
    household = applicant()
    client.force_login(users["village_a"])
    scan = SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf")
    refused = client.post(
        f"/identification/apply/{household.pk}/",
        {"year": 2026, "reason": "x", "proxy_scan": scan},
        follow=True,
    ).content.decode()
    assert "不是代录" in refused and not Application.objects.filter(household=household).exists()
    client.force_login(users["town_a"])
    scan = SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf")
    client.post(f"/identification/apply/{household.pk}/", {"year": 2026, "reason": "x", "proxy_scan": scan})
    created = AuditLog.objects.get(model="identification.application", action="create")
    assert created.changes["on_behalf"][1]["level"] == "村级" and created.actor == users["town_a"]


def test_a_county_user_is_not_offered_the_application_form(client, applicant, users):
    household = applicant()
    client.force_login(users["county"])
    page = client.get(f"/identification/apply/{household.pk}/")
    assert page.status_code == 403 and "须由村级用户办理" in page.content.decode()
