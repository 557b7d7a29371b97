"""扶贫项目库 end to end in a real browser (issue 21): the village enters a project (refused without a
performance target), publishes its 公示 — which appears on the public portal with the amount, sources,
implementer and the beneficiaries counted, never a name — declares it when the days have run, the township
reviews and publishes its own 公示, the sector department appraises, the county approves (公告 on the county's
portal page) and plans it, the village reports progress with a site photo, the county accepts it, finance
pays the final 报账 from the county's arrived fund and the county transfers the asset to the register."""

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.core.uploads import tiny_pdf
from jingzhun.projects.models import Project, ProjectNotice
from tests.conftest import VILLAGE_A
from tests.funds.conftest import chain  # noqa: F401 (fixture: a central fund arrived at the county)
from tests.projects.conftest import aged

from .test_registry_browser import login

pytestmark = pytest.mark.e2e

# a PNG's signature and header (IHDR: 640 × 480), enough for the receipts' checks of type and declared size
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0\x08\x02\x00\x00\x00" + b"0" * 64


def submit(page, selector):
    """Post a form and wait for the page it leads to (the answer to the POST, then the page loaded)."""
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.click(selector)
    page.wait_for_load_state("load")


def act(page, url, project, user, action, fill=None):
    login(page, page.live_server, user)
    page.goto(f"{url}/projects/{project.pk}/", wait_until="load")
    if fill:
        fill(page)
    submit(page, f"#form-{action} button[type=submit]")


def test_a_project_from_declaration_to_asset_transfer(
    phone,
    live_server,
    staff,
    households,
    chain,  # noqa: F811
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    url = live_server.url
    phone.live_server = live_server
    today = timezone.localdate()

    # the village enters the project
    login(phone, live_server, "village_a")
    phone.goto(f"{url}/projects/")
    with phone.expect_navigation():
        phone.click("main a.button")
    phone.fill("#id_name", "东门村茶叶加工厂")
    phone.select_option("#id_category", "industry")
    phone.fill("#id_budget", "500000")
    phone.fill("#id_fund_central", "300000")
    phone.fill("#id_fund_county", "200000")
    phone.fill("#id_starts_on", today.isoformat())
    phone.fill("#id_ends_on", (today + dt.timedelta(days=180)).isoformat())
    phone.fill("#id_responsible_unit", "丹江镇人民政府")
    phone.fill("#id_implementer", "丹江茶业合作社")
    phone.fill("#id_tasks", "新建加工厂房 800 平方米")
    phone.fill("#id_benefit_mechanism", "资产收益分红到户")
    submit(phone, "#project-form button[type=submit]")
    project = Project.objects.get(name="东门村茶叶加工厂")
    for h in households:
        phone.check(f"input[name=ids][value='{h.pk}']")
    submit(phone, "#beneficiaries-form button[type=submit]")
    submit(phone, "#form-notice button[type=submit]")
    assert "没有绩效目标" in phone.inner_text("main")
    assert not ProjectNotice.objects.exists()
    phone.fill("#target-form #id_indicator", "厂房面积")
    phone.fill("#target-form #id_value", "800 平方米")
    submit(phone, "#target-form button[type=submit]")
    submit(phone, "#form-notice button[type=submit]")
    notice = ProjectNotice.objects.get()

    # the public sees the notice in the village, counted and without names
    public = phone.context.browser.new_page()
    public.goto(f"{url}/public/r/{VILLAGE_A}/")
    with public.expect_navigation():
        public.click("#project-notices a")
    text = public.inner_text("main")
    assert "东门村茶叶加工厂" in text and "500000.00" in text and "中央财政专项扶贫资金" in text
    assert "丹江茶业合作社" in text and "2 户 4 人" in text
    assert all(h.head_name not in text for h in households)
    assert public.locator("#objection-form").count() == 1
    public.close()

    aged(notice)
    act(phone, url, project, "village_a", "declare")
    act(phone, url, project, "town_a", "review")
    act(phone, url, project, "town_a", "notice")
    aged(project.notices.latest("id"))
    act(phone, url, project, "nongye", "appraise")
    # the township may not approve: the form is not even offered, and the county's is
    login(phone, live_server, "town_a")
    phone.goto(f"{url}/projects/{project.pk}/")
    assert phone.locator("#form-approve").count() == 0
    act(phone, url, project, "county", "approve")
    assert "已入库" in phone.inner_text("#project-stage")
    county = phone.context.browser.new_page()
    county.goto(f"{url}/public/r/522634000000/")
    assert "县级项目库入库公告" in county.inner_text("#project-notices")
    county.close()

    act(phone, url, project, "county", "plan")
    photo = tmp_path / "site.png"
    photo.write_bytes(PNG)

    def progress(page):
        page.fill("#id_progress-percent", "100")
        page.set_input_files("#id_progress-photo", str(photo))

    act(phone, url, project, "village_a", "progress", progress)
    assert "100%" in phone.inner_text("#progress")

    def accept(page):
        page.fill("#id_accept-team", "县农业农村局、财政局")
        page.fill("#id_accept-findings", "工程质量合格")

    act(phone, url, project, "county", "accept", accept)
    assert "已验收" in phone.inner_text("#project-stage")

    def settle(page):  # 报账 pays the project from the county's arrived money: after 验收, up to 95 %
        page.select_option("#id_pay-stage", "accepted")
        page.fill("#id_pay-amount", "475000")
        page.fill("#id_pay-purpose", "竣工结算")
        page.fill("#id_pay-payee_name", "丹江茶业合作社")
        page.fill("#id_pay-bank_name", "雷山县农村信用社")
        page.fill("#id_pay-bank_account", "6228480000000000001")
        page.set_input_files("#id_pay-receipts", [str(invoice), str(photo)])  # 报账 against receipts
        page.fill("#id_pay-receipts_note", "合作社开具的竣工结算发票及现场照片")

    invoice = tmp_path / "发票.pdf"
    invoice.write_bytes(tiny_pdf("invoice"))
    act(phone, url, project, "caizheng", "settle", settle)
    assert "已报账" in phone.inner_text("#project-stage")
    receipts = phone.locator("#project-payment-rows a.receipt")
    assert receipts.count() == 2 and "发票.pdf" in receipts.first.inner_text()
    with phone.expect_download() as got:  # the receipt, downloaded in scope
        receipts.first.click()
    assert got.value.suggested_filename == "发票.pdf"

    def transfer(page):
        page.fill("#id_transfer-name", "茶叶加工厂房")
        page.select_option("#id_transfer-kind", "operating")
        page.fill("#id_transfer-owner", "东门村股份经济合作社")
        page.fill("#id_transfer-value", "500000")
        page.fill("#id_transfer-maintainer", "东门村村委会")

    act(phone, url, project, "county", "transfer", transfer)
    assert "资产已移交" in phone.inner_text("#project-stage")
    with phone.expect_navigation():
        phone.click("#assets a")
    assert "茶叶加工厂房" in phone.inner_text("h1") and phone.locator("#income-form").count() == 1


def test_the_county_revises_its_library_in_the_browser(phone, live_server, staff, households):
    """项目库年度调整 on a phone: the county opens the revision of the year, ticks a project and withdraws it with a
    reason (refused first without one), publishes the 公告 — read on the county's portal page with the project's
    name, amount and decision — and cannot approve it before the notice has run its days."""
    from decimal import Decimal

    from jingzhun.projects.models import LibraryRevision
    from jingzhun.regions.models import Region

    year = timezone.localdate().year
    village = Region.objects.get(code=VILLAGE_A)
    road, tea = (
        Project.objects.create(region=village, year=year, name=name, category="infrastructure",
                               budget=Decimal(budget), stage="listed", starts_on=dt.date(year, 3, 1))
        for name, budget in (("组组通硬化路", "400000"), ("茶园提质", "120000"))
    )  # fmt: skip
    url = live_server.url
    login(phone, live_server, "county")
    phone.goto(f"{url}/projects/revisions/", wait_until="load")
    assert phone.locator("#no-revisions").count() == 1
    phone.fill("#id_year", str(year))
    submit(phone, "#revision-open button[type=submit]")
    assert "组组通硬化路" in phone.inner_text("#revision-items") and "调整中" in phone.inner_text(
        "#revision-state"
    )
    phone.check(f"#revision-items input[value='{road.pk}']")
    phone.select_option("#id_decide-decision", "withdraw")
    submit(phone, "#revision-decide button[type=submit]")
    assert "调出项目库须写明理由" in phone.inner_text(".messages")
    assert "调出项目库 0 个" in phone.inner_text("#revision-counts")
    phone.check(f"#revision-items input[value='{road.pk}']")
    phone.select_option("#id_decide-decision", "withdraw")
    phone.fill("#id_decide-reason", "与交通部门项目重复")
    submit(phone, "#revision-decide button[type=submit]")
    assert "调出项目库 1 个" in phone.inner_text("#revision-counts")
    submit(phone, "#revision-publish button[type=submit]")
    assert "公告中" in phone.inner_text("#revision-state")
    with phone.expect_navigation():
        phone.click("#revision-notices a")
    rows = phone.inner_text("#revision-rows")
    assert (
        "组组通硬化路" in rows and "400000.00" in rows and "与交通部门项目重复" in rows and "茶园提质" in rows
    )
    assert phone.locator("#objection-form").count() == 1  # the public may object while it runs
    phone.go_back(wait_until="load")
    submit(phone, "#revision-approve button[type=submit]")
    assert "公告期满后才能审定" in phone.inner_text(".messages")
    assert LibraryRevision.objects.get().state == "published"
    road.refresh_from_db()
    tea.refresh_from_db()
    assert (road.stage, tea.stage) == ("listed", "listed")  # nothing took effect
