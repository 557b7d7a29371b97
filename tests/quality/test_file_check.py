"""疑点数据核查 over an uploaded national file pair before import: the same rules, their findings named by the
file's row number and 户编号/人口编号, nothing written to the registry, hostile files refused in words."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jingzhun.imports import national
from jingzhun.quality import selectors, services
from jingzhun.quality.models import QualityRun
from jingzhun.quality.rules import BY_CODE
from jingzhun.registry.models import Household, Member
from tests.conftest import COUNTY, new_id, run_worker
from tests.imports.test_national import _household_row, _member_row, _pair, _village

pytestmark = pytest.mark.django_db


def _planted(tmp_path):
    """A demo-like village of three households (member file rows 2–10) with mistakes planted, and a fourth
    household in a village that does not exist."""
    households, members = _village(3)
    m, h = national.MEMBER_HEADERS.index, national.HOUSEHOLD_HEADERS.index
    spouse_id = members[1][m("证件号码")]
    members[1][m("证件号码")] = spouse_id[:-1] + ("0" if spouse_id[-1] != "0" else "1")  # row 3: bad check
    members[5][m("与户主关系")] = "户主"  # row 7: household 2 (household file row 3) gets a second head
    members[8][m("文化程度")], members[8][m("在校生状况")] = "小学", ""  # row 10: a girl of 14 not in school
    households[2][h("家庭人口数")] = "4"  # household file row 4: 家庭人口数 4 for 3 members
    members[4][m("与户主关系")] = "邻居"  # row 6: not a relationship of the code list
    members[7][m("是否参加大病保险")] = ""  # row 9: unknown — an empty cell, never read as 否
    number = "5226341009990001"
    households.append(_household_row(number, ("外村人", new_id(dt.date(1960, 1, 1))), 村="不存在村"))
    members.append(_member_row(number, 1, "外村人", households[3][h("户主证件号码")], "户主"))
    return _pair(tmp_path, households, members)


def _rows(run, code, user):
    rule = BY_CODE[code]
    region = selectors.region_in(user=user, run=run, code="")
    qs = selectors.offenders(user=user, run=run, rule=rule, region=region)
    return {row.pk for row in qs}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload(path):
    return SimpleUploadedFile(path.name, path.read_bytes())


def test_a_gbk_pair_with_planted_mistakes_gives_the_findings_by_file_row_and_writes_nothing(
    tmp_path, users, regions, media
):
    h_path, m_path = _planted(tmp_path)
    before = (Household.objects.count(), Member.objects.count())
    user = users["county"]
    run = services.file_check(user=user, region=regions[COUNTY], household_file=_upload(h_path),
                              member_file=_upload(m_path))  # fmt: skip
    assert run.status == "done", run.message
    assert (Household.objects.count(), Member.objects.count()) == before == (0, 0)
    assert run.of_file and run.year == 2019 and run.region_id == "522634100200"  # narrowed to the village
    assert _rows(run, "Q01", user) == {3}
    assert _rows(run, "Q04", user) == {6}
    assert _rows(run, "Q05", user) == {3}  # the household file's row of the household with two heads
    assert _rows(run, "Q19", user) == {10}
    assert _rows(run, "Q20", user) == {4}
    assert _rows(run, "Q12", user) == {9}
    assert run.refused == [["户年度基础信息", 5, "5226341009990001", run.refused[0][3]]]
    assert "不存在村" in run.refused[0][3]
    # the page lists the counts, the refused row, and the rows behind a count by file row and 人口编号
    from django.test import Client

    client = Client()
    client.force_login(user)
    page = client.get(reverse("quality:home"), {"run": run.pk}).content.decode()
    assert "导入前核查" in page and "不存在村" in page and "户年度基础信息.csv" in page
    rows = client.get(reverse("quality:rows", args=[run.pk, "Q01"])).content.decode()
    assert "人员信息文件行号" in rows and "522634100200000002" in rows  # 人口编号 of the spouse, row 3
    data = client.get(reverse("quality:workbook", args=[run.pk])).content
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names[0] == "无法核查的行" and len(book.sheet_names) == 21
    q20 = book.get_sheet_by_name(next(n for n in book.sheet_names if n.startswith("Q20"))).to_python()
    assert (
        q20[0][0] == "户信息文件行号"
        and str(q20[1][0]).rstrip(".0") == "4"
        and q20[1][1] == "5226341002000002"
    )


def test_the_upload_form_checks_the_pair_and_refuses_hostile_files_in_chinese(tmp_path, users, media):
    from django.test import Client

    client = Client()
    client.force_login(users["county"])
    h_path, m_path = _pair(tmp_path, *_village(2))
    response = client.post(reverse("quality:file_new"), {"file": _upload(h_path), "member_file": _upload(m_path)},
                           follow=True)  # fmt: skip
    assert "文件核查已完成（未写入建档立卡数据）" in response.content.decode()
    assert QualityRun.objects.get().of_file and Household.objects.count() == 0
    # wrong kind of file
    bad = SimpleUploadedFile("名单.exe", b"MZ\x90\x00")
    response = client.post(
        reverse("quality:file_new"), {"file": bad, "member_file": _upload(m_path)}, follow=True
    )
    assert "请上传 .xlsx 或 .csv 文件" in response.content.decode()
    # an .xlsx that is not a workbook
    fake = SimpleUploadedFile("户.xlsx", b"not a zip at all" * 10)
    response = client.post(reverse("quality:file_new"), {"file": fake}, follow=True)
    assert QualityRun.objects.count() == 1 and Household.objects.count() == 0  # refused: nothing kept
    assert "不是有效的电子表格" in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(tmp_path, users, media, settings):
    from django.test import Client

    settings.IMPORT_MAX_BYTES = 100
    client = Client()
    client.force_login(users["county"])
    h_path, m_path = _pair(tmp_path, *_village(2))
    response = client.post(reverse("quality:file_new"), {"file": _upload(h_path), "member_file": _upload(m_path)},
                           follow=True)  # fmt: skip
    assert "文件超过 0 MB 上限" in response.content.decode()
    assert QualityRun.objects.count() == 0


def test_the_command_checks_a_national_pair(tmp_path, regions, media):
    h_path, m_path = _planted(tmp_path)
    out = io.StringIO()
    target = tmp_path / "out.xlsx"
    call_command("quality-check", "--national-households", str(h_path), "--national-members", str(m_path),
                 "--xlsx", str(target), stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "Q05 [错误] 一户多个户主：1" in text and "Q20 [错误] 家庭人口数与成员数不一致：1" in text
    assert "户年度基础信息 第 5 行" in text
    assert Household.objects.count() == 0
    assert "无法核查的行" in CalamineWorkbook.from_path(str(target)).sheet_names


@pytest.mark.django_db(transaction=True)
def test_a_larger_file_is_checked_on_the_runner_and_leaves_the_workbench_alone(
    tmp_path, users, regions, media
):
    """Queued (as a file over the in-request size would be), run by the real worker with its progress; the
    page then shows it when asked for, while the 工作台 and the page's default still read registry runs."""
    from django.test import Client

    h_path, m_path = _planted(tmp_path)
    user = users["county"]
    run = services.file_check(user=user, region=regions[COUNTY], household_file=_upload(h_path),
                              member_file=_upload(m_path), now=False)  # fmt: skip
    assert run.status == "queued"
    run_worker(media)
    run.refresh_from_db()
    assert run.status == "done" and run.done == run.total > 20, run.message
    assert _rows(run, "Q05", user) == {3} and Household.objects.count() == 0
    assert selectors.latest_run(user=user) is None  # not the registry's findings
    client = Client()
    client.force_login(user)
    workbench = client.get(reverse("home"))
    assert workbench.status_code == 200 and "条疑点数据待核实" not in workbench.content.decode()
    page = client.get(reverse("quality:home"), {"run": run.pk}).content.decode()
    assert "导入前核查" in page and 'id="rule-Q05"' in page


def test_names_resolve_within_the_users_scope_only(tmp_path, county_b, media):
    """Another county's user checking 雷山县's files: every household is a row that cannot be checked (the
    names are not guessed into the user's county), no finding is counted, nothing is written."""
    from tests.conftest import COUNTY_B

    other = county_b
    h_path, m_path = _pair(tmp_path, *_village(2))
    run = services.file_check(user=other, region=other.region, household_file=_upload(h_path),
                              member_file=_upload(m_path))  # fmt: skip
    assert run.status == "done" and run.households == 0 and run.findings == 0
    assert [(r[0], r[1]) for r in run.refused] == [("户年度基础信息", 2), ("户年度基础信息", 3)]
    assert run.region_id == COUNTY_B and Household.objects.count() == 0
