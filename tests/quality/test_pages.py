"""The 疑点数据核查 page as each level sees it, the rows behind a count (masked), the workbook (a sheet per rule,
masked for a reader without the right, its download audited), a province's run as a job, and the 工作台 item."""

import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jingzhun.accounts.choices import Role
from jingzhun.core import jobs
from jingzhun.core.models import AuditLog
from jingzhun.quality import services
from jingzhun.quality.models import QualityCount, QualityRun
from jingzhun.quality.rules import RULES
from jingzhun.regions.models import Region
from jingzhun.registry.models import Member
from tests.conftest import COUNTY, TOWN_A, VILLAGE_B, make_user

from .conftest import YEAR, head_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(family):
    """Two households without a head: one in 丹江镇 (town A), one in 西江镇 (town B)."""
    a, b = family(), family(region=VILLAGE_B)
    for h in (a, b):
        Member.objects.filter(pk=head_of(h).pk).update(relationship="other")
    return a, b


def run_county(client, user):
    client.force_login(user)
    return client.post(reverse("quality:run_new"), {"region": COUNTY, "year": YEAR})


def test_a_county_runs_the_check_and_the_page_opens_on_it(client, users, planted, line_2026):
    answer = run_county(client, users["county"])
    run = QualityRun.objects.get()
    assert answer.status_code == 302 and run.status == "done" and run.year == YEAR
    assert QualityCount.objects.filter(run=run, rule="Q07").count() == 2  # one row per village
    page = client.get(reverse("quality:home")).content.decode()
    assert (
        'id="findings">2<' in page and "户内无户主" in page and "不适用（本系统的是/否项不允许为空）" in page
    )
    assert f"{reverse('quality:rows', args=[run.pk, 'Q07'])}?region={COUNTY}" in page
    assert "丹江镇" in page and "西江镇" in page  # the county's townships, each with its count


def test_a_township_reads_its_countys_run_for_its_own_villages_only(client, users, planted, line_2026):
    run_county(client, users["county"])
    client.force_login(users["town_a"])
    page = client.get(reverse("quality:home")).content.decode()
    assert 'id="findings">1<' in page and "西江镇" not in page
    assert 'id="run-form"' not in page  # a township reads; the county runs
    run = QualityRun.objects.get()
    rows = client.get(reverse("quality:rows", args=[run.pk, "Q07"])).content.decode()
    a, b = planted
    assert a.number in rows and b.number not in rows
    assert (
        "杨文明：其他、吴秀英：配偶、杨小明：之子" in rows
    )  # the household's people, each with the field read


def test_a_township_may_not_run_a_check(client, users, regions):
    client.force_login(users["town_a"])
    client.post(reverse("quality:run_new"), {"region": TOWN_A, "year": YEAR}, follow=True)
    assert not QualityRun.objects.exists()


def test_a_village_is_refused_the_page(client, users, planted, line_2026):
    run_county(client, users["county"])
    client.force_login(users["village_a"])
    run = QualityRun.objects.get()
    assert client.get(reverse("quality:home")).status_code == 403
    assert client.get(reverse("quality:rows", args=[run.pk, "Q07"])).status_code == 403
    assert client.get(reverse("quality:workbook", args=[run.pk])).status_code == 403


def test_another_county_sees_nothing_of_it(client, users, planted, county_b, line_2026):
    run_county(client, users["county"])
    run = QualityRun.objects.get()
    client.force_login(county_b)
    assert client.get(reverse("quality:rows", args=[run.pk, "Q07"])).status_code == 404
    assert client.get(reverse("quality:workbook", args=[run.pk])).status_code == 404
    assert 'id="no-run"' in client.get(reverse("quality:home")).content.decode()
    assert client.post(reverse("quality:run_new"), {"region": COUNTY, "year": YEAR}).status_code == 404


def test_rows_mask_id_numbers_for_a_reader_without_the_right(client, users, planted, line_2026):
    run_county(client, users["county"])
    run = QualityRun.objects.get()
    a, _b = planted
    former_head = former_head_of(a)
    Member.objects.filter(pk=former_head.pk).update(relationship="之表哥")
    number = former_head.id_number
    client.force_login(users["county_viewer"])
    rows = client.get(reverse("quality:rows", args=[run.pk, "Q04"]) + f"?region={COUNTY}").content.decode()
    assert number not in rows and number[:4] + "*" * 10 + number[-4:] in rows
    client.force_login(users["national"])
    assert number in client.get(reverse("quality:rows", args=[run.pk, "Q04"])).content.decode()


def former_head_of(h):
    return h.members.get(relationship="other")


def test_the_workbook_has_a_sheet_per_rule_masked_and_audited(client, users, planted, line_2026):
    run_county(client, users["county"])
    run = QualityRun.objects.get()
    a, _b = planted
    former_head = former_head_of(a)
    Member.objects.filter(pk=former_head.pk).update(relationship="之表哥")
    number = former_head.id_number
    client.force_login(users["county_viewer"])
    answer = client.get(reverse("quality:workbook", args=[run.pk]))
    assert answer.status_code == 200 and "attachment" in answer["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(answer.content))
    assert [name[:3] for name in book.sheet_names] == [r.code for r in RULES]
    q04 = book.get_sheet_by_index(3).to_python()
    assert q04[0][:5] == ["户编号", "所在村", "户主姓名", "姓名", "公民身份号码"]
    assert [row[4] for row in q04[1:]] == [number[:4] + "*" * 10 + number[-4:]]
    assert book.get_sheet_by_index(11).to_python()[1] == ["不适用（本系统的是/否项不允许为空）"]  # Q12
    entry = AuditLog.objects.get(action="download", actor=users["county_viewer"])
    assert entry.changes["full_personal_data"] == [None, False]


def test_a_province_runs_as_a_job_with_progress(users, planted, line_2026, settings):
    province = Region.objects.get(code="520000000000")
    admin = make_user("gz", Role.ADMIN, province)
    run = services.quality_check(user=admin, region=province, year=YEAR)
    assert run.status == "queued"
    done = jobs.run(QualityRun, run.pk, services.check)
    assert done.status == "done" and done.done == done.total == len(RULES) + 1
    assert done.findings == 2


def test_the_workbench_says_how_many_findings_wait(client, users, planted, line_2026):
    run_county(client, users["county"])
    assert _workbench_count(client) == "2"
    client.force_login(users["town_b"])
    assert _workbench_count(client) == "1"


def _workbench_count(client) -> str:
    """The count shown before 「条疑点数据待核实」 on the 工作台."""
    page = client.get(reverse("home")).content.decode()
    label = page.index("条疑点数据待核实")
    strong = page.rindex('<strong class="count">', 0, label)
    return page[strong + len('<strong class="count">') : page.index("</strong>", strong)]


def test_a_sheet_longer_than_the_cap_says_where_the_rest_is(client, users, planted, line_2026, monkeypatch):
    from jingzhun.quality import selectors

    monkeypatch.setattr(selectors, "WORKBOOK_ROWS", 1)
    run_county(client, users["county"])
    run = QualityRun.objects.get()
    book = CalamineWorkbook.from_filelike(
        io.BytesIO(client.get(reverse("quality:workbook", args=[run.pk])).content)
    )
    q07 = book.get_sheet_by_index(6).to_python()
    assert len(q07) == 3 and q07[2][0] == "仅列出前 1 条；其余请按乡镇或村分别下载。"
