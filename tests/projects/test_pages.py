"""The project library's pages as each role sees them: the list with its 新建 button, a project with the forms
of the steps the reader may take, a step through the page (refusal shown, nothing changed), the public notice
on the portal with its objection form (counted, never a name), the asset register, the export and the panel."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from jingzhun.core.uploads import tiny_pdf
from jingzhun.projects import services
from jingzhun.projects.choices import Stage
from jingzhun.projects.models import Project, ProjectObjection
from tests.conftest import VILLAGE_A
from tests.funds.conftest import chain  # noqa: F401 (fixture: a central fund arrived at the county)

from .conftest import aged, draft_of, listed

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def _answer(page: str) -> str:
    a, b = re.search(r"(\d) \+ (\d) = \?", page).groups()
    return str(int(a) + int(b))


def test_list_and_new_button_by_role(client, staff, draft):
    page = login(client, staff["village_a"]).get("/projects/").content.decode()
    assert "丹江镇茶叶加工厂" in page and 'href="/projects/new/"' in page
    viewer = login(client, staff["county_viewer"]).get("/projects/").content.decode()
    assert "丹江镇茶叶加工厂" in viewer and 'class="button" href="/projects/new/"' not in viewer
    other = login(client, staff["town_b"]).get("/projects/").content.decode()
    assert "丹江镇茶叶加工厂" not in other
    assert login(client, staff["town_b"]).get(f"/projects/{draft.pk}/").status_code == 404


def test_new_project_through_the_form(client, staff, households):
    login(client, staff["village_a"])
    data = {
        "region": VILLAGE_A, "year": 2026, "name": "村组道路硬化", "category": "infrastructure", "nature": "new",
        "budget": "120000", "fund_central": "100000", "fund_self": "20000", "responsible_unit": "村委会",
        "tasks": "硬化道路 2 公里", "benefit_mechanism": "方便群众出行",
    }  # fmt: skip
    response = client.post("/projects/new/", data, follow=True)
    project = Project.objects.get(name="村组道路硬化")
    assert response.redirect_chain[-1][0] == f"/projects/{project.pk}/"
    assert list(project.villages.values_list("code", flat=True)) == [VILLAGE_A]
    assert project.fundings.count() == 2
    bad = client.post("/projects/new/", {**data, "budget": "12.345"}, follow=True).content.decode()
    assert "金额最多保留两位小数" in bad and Project.objects.count() == 1


def test_detail_offers_only_the_readers_steps(client, staff, draft):
    page = login(client, staff["village_a"]).get(f"/projects/{draft.pk}/").content.decode()
    assert 'id="form-notice"' in page and 'id="form-declare"' in page and 'id="form-review"' not in page
    # the township only declares for the village, by 代录 with the signed paper scanned
    page = login(client, staff["town_a"]).get(f"/projects/{draft.pk}/").content.decode()
    assert 'id="form-notice"' not in page and 'id="form-declare"' in page and "declare-proxy_scan" in page
    page = login(client, staff["county"]).get(f"/projects/{draft.pk}/").content.decode()
    assert 'id="form-declare"' not in page and "等待其他层级" in page


def test_a_refused_step_shows_its_reason_and_changes_nothing(client, staff, draft):
    login(client, staff["village_a"])
    page = client.post(
        f"/projects/{draft.pk}/act/declare/", {"declare-note": ""}, follow=True
    ).content.decode()
    assert "请先发布项目申报公示" in page
    draft.refresh_from_db()
    assert draft.stage == Stage.DRAFT and not draft.steps.exists()


def test_target_required_message_on_the_page(client, staff, households):
    project = draft_of(staff["village_a"], targets=False)
    login(client, staff["village_a"])
    page = client.post(f"/projects/{project.pk}/act/notice/", {}, follow=True).content.decode()
    assert "项目没有绩效目标，不能申报入库" in page
    client.post(
        f"/projects/{project.pk}/act/target/", {"kind": "benefit", "indicator": "带动增收", "value": "20 户"}
    )
    assert project.targets.count() == 1


def test_the_public_notice_counts_and_takes_objections(client, staff, draft, households):
    notice = services.notice_open(user=staff["village_a"], project=draft)
    region = client.get(f"/public/r/{VILLAGE_A}/").content.decode()
    assert f"/public/project/{notice.pk}/" in region and "公示中" in region
    page = client.get(f"/public/project/{notice.pk}/").content.decode()
    assert "500000.00" in page and "中央财政专项扶贫资金" in page and "丹江茶业合作社" in page
    assert "2 户 4 人，其中建档立卡贫困人口 4 人" in page
    for h in households:
        assert h.head_name not in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = client.post(
        f"/public/project/{notice.pk}/", {"text": "厂址离水源太近", "token": token, "answer": _answer(page)},
        follow=True,
    )  # fmt: skip
    objection = ProjectObjection.objects.get()
    assert objection.reference in done.content.decode() and "丹江镇茶叶加工厂" in done.content.decode()


def test_the_county_notice_and_the_full_way_by_pages(
    client,
    staff,
    draft,
    chain,  # noqa: F811
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    project = listed(draft, staff)
    county = client.get("/public/r/522634000000/").content.decode()
    assert "县级项目库入库公告" in county
    login(client, staff["county"]).post(f"/projects/{project.pk}/act/plan/", {"plan-note": "列入"})
    login(client, staff["village_a"]).post(
        f"/projects/{project.pk}/act/progress/", {"progress-percent": "100"}
    )
    login(client, staff["county"]).post(
        f"/projects/{project.pk}/act/accept/",
        {
            "accept-passed": "1",
            "accept-team": "县财政局",
            "accept-findings": "合格",
            "accept-on": "2026-01-05",
        },
    )
    project.refresh_from_db()
    assert project.stage == Stage.ACCEPTED
    # 报账 is a payment from the county's arrived money (the funds panel on the page), in 报账制's stages
    login(client, staff["finance"])
    for stage, amount in (("start", "150000"), ("basic", "200000"), ("accepted", "125000")):
        client.post(
            f"/funds/projects/{project.pk}/settle/",
            {"pay-allocation": chain["county"].pk, "pay-stage": stage, "pay-category": "industry",
             "pay-amount": amount, "pay-payee_name": "丹江茶业合作社", "pay-bank_name": "农行",
             "pay-bank_account": "6228480000000000001", "pay-receipts_note": "合作社开具的发票",
             "pay-receipts": SimpleUploadedFile(f"{stage}.pdf", tiny_pdf(stage))},
        )  # fmt: skip
    project.refresh_from_db()
    assert project.stage == Stage.SETTLED and project.settled == Decimal(475000)
    login(client, staff["county"]).post(
        f"/projects/{project.pk}/act/transfer/",
        {"transfer-name": "茶叶加工厂房", "transfer-kind": "operating", "transfer-owner": "村集体",
         "transfer-value": "500000", "transfer-maintainer": "村委会"},
    )  # fmt: skip
    project.refresh_from_db()
    assert project.stage == Stage.TRANSFERRED
    asset = project.assets.get()
    page = client.get("/projects/assets/").content.decode()
    assert "茶叶加工厂房" in page
    detail = client.post(f"/projects/assets/{asset.pk}/", {"year": 2015, "amount": "200"}, follow=True)
    assert "收益已分配" in detail.content.decode() and asset.incomes.count() == 1


def test_export_has_no_personal_data(client, staff, draft, households):
    response = login(client, staff["county"]).get("/projects/export/")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[1][3] == "丹江镇茶叶加工厂" and [int(v) for v in rows[1][-3:]] == [2, 4, 4]
    text = str(rows)
    assert all(h.head_name not in text for h in households)


def test_household_card_panel_and_workbench(client, staff, draft, households):
    page = login(client, staff["village_a"]).get(f"/households/{households[0].pk}/").content.decode()
    assert 'id="household-projects"' in page and "丹江镇茶叶加工厂" in page
    aged(services.notice_open(user=staff["village_a"], project=draft))
    home = client.get("/").content.decode()
    assert "项目公示期满，待申报" in home and "/projects/?waiting=declare" in home
    listing = client.get("/projects/?waiting=declare").content.decode()
    assert "丹江镇茶叶加工厂" in listing


def test_department_reads_and_appraises(client, staff, draft):
    aged(services.notice_open(user=staff["village_a"], project=draft))
    services.declare(user=staff["village_a"], project=draft)
    services.review(user=staff["town_a"], project=draft, passed=True)
    aged(services.notice_open(user=staff["town_a"], project=draft))
    login(client, staff["department"])
    assert "丹江镇茶叶加工厂" in client.get("/projects/?waiting=appraise").content.decode()
    client.post(f"/projects/{draft.pk}/act/appraise/", {"appraise-passed": "1", "appraise-note": "可行"})
    draft.refresh_from_db()
    assert draft.stage == Stage.APPRAISED


def test_policy_page_sets_the_days_for_administrators_only(client, staff, draft):
    page = login(client, staff["county"]).get("/projects/policy/").content.decode()
    assert "10 天" in page and 'id="policy-form"' not in page
    assert client.post("/projects/policy/", {"year": 2020, "publicity_days": 5}).status_code == 403
    login(client, staff["national"]).post("/projects/policy/", {"year": 2020, "publicity_days": 7})
    notice = services.notice_open(user=staff["village_a"], project=draft)
    assert (notice.last_day - notice.starts_on).days == 6
