"""防止返贫动态监测 end to end in a real browser (issue 20): a person reports a risk on the public portal (no
login: challenge and reference number), the township accepts the clue, the village uploads the household's
authorisation, verifies and deliberates, the 监测对象公示 runs its days on the portal (no ID number, no health),
the township reviews and the county confirms; measures are planned; six months later (the period's start moved
back: the rules read the record's dates) the village proposes 风险消除 — refused at five months with the reason —
and it goes through the same procedure to 风险已消除."""

import re

import pytest

from jingzhun.identification.models import Publicity
from jingzhun.monitoring.models import Case
from jingzhun.registry.models import Monitoring
from tests.conftest import VILLAGE_A
from tests.identification.conftest import period_passes
from tests.monitoring.conftest import months_ago, with_measure

from .test_registry_browser import login

pytestmark = pytest.mark.e2e

STEP = "#step-form button[type=submit]"


def submit(page, selector="main form.stack button[type=submit]"):
    with page.expect_navigation():
        page.click(selector)


def run_publicity(phone, url, case, title):
    head = case.household.head_name
    """From the case page: the village's 公示 (at least 5 days), its days passed, then closed."""
    with phone.expect_navigation():
        phone.click("text=发布村级公示")
    phone.check(f"input[name=cases][value='{case.pk}']")
    phone.fill("#id_days", "4")
    submit(phone, "#publicity-form button[type=submit]")
    assert "公示期不得少于 5 天" in phone.inner_text("main")
    phone.check(f"input[name=cases][value='{case.pk}']")
    phone.fill("#id_days", "5")
    submit(phone, "#publicity-form button[type=submit]")
    assert title in phone.inner_text("h1")
    listing = Publicity.objects.filter(region_id=VILLAGE_A).latest("id")
    public = phone.context.browser.new_page()
    public.goto(f"{url}/public/p/{listing.pk}/")
    text = public.inner_text("main")
    assert title in text and head in text
    assert not re.search(r"\d{17}[\dX]", text) and "因病" not in text and "13800000000" not in text
    public.close()
    period_passes(listing)
    phone.reload()
    submit(phone, "text=公示期满，进入下一环节")


def step(phone, url, case, user, fill):
    login(phone, phone.live_server, user)
    phone.goto(f"{url}/monitoring/cases/{case.pk}/")
    fill(phone)
    submit(phone, STEP)


def test_self_reported_clue_to_monitoring_and_risk_elimination(
    browser, phone, live_server, users, register, exited, tmp_path
):
    exited.years.update(water_safe=True, house_grade="A")
    url = live_server.url
    phone.live_server = live_server

    # the public: 农户自主申报, no login
    phone.goto(f"{url}/public/monitoring/")
    phone.fill("#id_village", VILLAGE_A)
    phone.fill("#id_name", exited.head_name)
    phone.fill("#id_id_number", exited.head_id)
    phone.fill("#id_phone", "13800000000")
    phone.fill("#id_text", "老伴突发重病住院，医疗费用很高，家里收入骤降")
    phone.check("input[name=risk_types][value=illness]")
    a, b = re.search(r"(\d) \+ (\d) = \?", phone.inner_text("#report-form")).groups()
    phone.fill("#id_answer", str(int(a) + int(b)))
    submit(phone, "#report-form button[type=submit]")
    reference = phone.inner_text("#reference")
    assert reference.startswith("JC") and "等待乡镇受理" in phone.inner_text("#clue-status")

    # township: accepts the clue (a case, its procedure begins)
    login(phone, live_server, "town_a")
    phone.goto(f"{url}/monitoring/clues/")
    with phone.expect_navigation():
        phone.click(f"text={reference}")
    phone.select_option("#id_kind", "unstable")
    submit(phone, "#accept-form button[type=submit]")
    case = Case.objects.get(household=exited)
    assert "认定中" in phone.inner_text("#case-state")

    # village: authorisation, 入户核实, 民主评议, 公示
    login(phone, live_server, "village_a")
    phone.goto(f"{url}/monitoring/cases/{case.pk}/")
    scan = tmp_path / "授权承诺书.pdf"
    scan.write_bytes(b"%PDF-1.4 signed")
    phone.set_input_files("#id_scan", str(scan))
    submit(phone, "#authorise-form button[type=submit]")
    assert "已签署" in phone.inner_text("#authorisation")
    phone.fill("#id_income", "5000")
    phone.fill("#id_rigid_expenses", "9000")
    phone.fill("#id_findings", "村委会和驻村工作队入户核实：住院费用属实")
    phone.select_option("#id_passed", "1")
    submit(phone, STEP)
    assert "待民主评议" in phone.inner_text("#case-stage")
    assert "低于监测标准 6000.00 元" in phone.inner_text("#steps")
    phone.fill("#id_attendance", "30")
    phone.fill("#id_votes_for", "27")
    phone.fill("#id_votes_against", "1")
    submit(phone, STEP)
    run_publicity(phone, url, case, "监测对象公示")

    # township reviews, county confirms: the monitoring period opens
    def agree(p):
        p.select_option("#id_passed", "1")
        p.fill("#id_note", "同意")

    step(phone, url, case, "town_a", agree)
    step(phone, url, case, "county", agree)
    assert "监测帮扶中" in phone.inner_text("#case-state")
    assert Monitoring.objects.filter(household=exited, ended_on__isnull=True, kind="unstable").exists()

    # measures planned through assistance; the case counts what was received
    with_measure(exited, users)
    phone.reload()
    assert "1 项" in phone.inner_text("#measures") and "医疗救助" in phone.inner_text("#measure-list")

    # five months on: refused, every reason named; six months on: the same procedure to 风险消除
    case.refresh_from_db()
    months_ago(case, 5)

    def propose(p):
        p.fill("#id_income", "6500")
        p.fill("#id_rigid_expenses", "1000")
        p.fill("#id_note", "大病报销后收入恢复")

    step(phone, url, case, "village_a", propose)
    assert "不满 6 个月" in phone.inner_text("body")
    assert "监测帮扶中" in phone.inner_text("#case-state")
    months_ago(case, 6)
    phone.reload()
    propose(phone)
    submit(phone, STEP)
    assert "风险消除办理中" in phone.inner_text("#case-state")
    phone.fill("#id_income", "6500")
    phone.fill("#id_rigid_expenses", "1000")
    phone.fill("#id_findings", "入户核实：收入稳定，医疗费用已报销")
    phone.select_option("#id_passed", "1")
    submit(phone, STEP)
    phone.fill("#id_attendance", "30")
    phone.fill("#id_votes_for", "29")
    phone.fill("#id_votes_against", "0")
    submit(phone, STEP)
    run_publicity(phone, url, case, "风险消除公示")
    step(phone, url, case, "town_a", agree)
    step(phone, url, case, "county", agree)
    assert "风险已消除" in phone.inner_text("#case-state")
    assert not Monitoring.objects.filter(household=exited, ended_on__isnull=True).exists()
    history = phone.inner_text("#steps")
    assert "纳入监测" in history and "风险消除" in history  # the record keeps both procedures
