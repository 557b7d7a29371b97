"""The portal's region page keeps every notice browsable (issue 21, 「公示期满后长期保留」): each list — a
village's 公示公告, a township's 贫困村退出 lists, the projects' and the funds' notices — pages by its own
parameter, newest first, with its count and pages shown; a typed page that is not a number shows the first page,
one past the end the last, never an error page; a year narrows every list."""

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.funds.models import Notice
from jingzhun.identification.models import Publicity
from jingzhun.portal.views import PAGE
from jingzhun.projects.models import Project, ProjectNotice
from jingzhun.regions.models import Region
from tests.conftest import TOWN_A, VILLAGE_A, VILLAGE_B

N = PAGE + 5  # more than one page of each kind
START = dt.date(2020, 1, 1)


def day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


@pytest.fixture
def many(regions):
    """N lists, project notices and fund notices in 村 A, N 贫困村退出 lists in 丹江镇: number i starts on day i
    (the newest is N-1), half of them of 2020 and the rest of 2021 by their year."""
    village, town = Region.objects.get(code=VILLAGE_A), Region.objects.get(code=TOWN_A)
    Publicity.objects.bulk_create(
        Publicity(
            region=village, round="announcement", year=2020 + i * 2 // N, starts_on=day(i), last_day=day(i)
        )
        for i in range(N)
    )
    Publicity.objects.bulk_create(
        Publicity(region=town, round="announcement", procedure="village_exit", year=2020 + i * 2 // N,
                  starts_on=day(i), last_day=day(i))
        for i in range(N)
    )  # fmt: skip
    project = Project.objects.create(
        region=village,
        year=2020,
        name="茶叶加工厂",
        category="industry",
        budget=Decimal("1000"),
        stage="planned",
    )
    ProjectNotice.objects.bulk_create(
        ProjectNotice(project=project, region=village, kind="village", starts_on=day(i), last_day=day(i),
                      facts={"name": f"项目{i:03d}号", "year": 2020})
        for i in range(N)
    )  # fmt: skip
    Notice.objects.bulk_create(
        Notice(region=village, kind="after", year=2020 + i * 2 // N, title=f"资金公告{i:03d}号", starts_on=day(i),
               last_day=day(i))
        for i in range(N)
    )  # fmt: skip
    return village


def test_each_list_shows_its_older_notices_on_page_two(client, many):
    first = client.get(f"/public/r/{VILLAGE_A}/").content.decode()
    newest, oldest = f"{N - 1:03d}号", "000号"
    assert f"资金公告{newest}" in first and f"资金公告{oldest}" not in first
    assert f"项目{newest}" in first and f"项目{oldest}" not in first
    assert first.count("/public/p/") == PAGE
    assert first.count(f"共 {N} 条，第 1 / 2 页") == 3  # the count and pages of each list

    second = client.get(f"/public/r/{VILLAGE_A}/?funds_page=2").content.decode()
    assert f"资金公告{oldest}" in second and f"资金公告{newest}" not in second
    assert f"项目{newest}" in second  # the other lists stay on their own page
    assert second.count("/public/p/") == PAGE
    both = client.get(f"/public/r/{VILLAGE_A}/?funds_page=2&projects_page=2&lists_page=2").content.decode()
    assert f"项目{oldest}" in both and both.count("/public/p/") == N - PAGE
    # the next page's link of one list keeps the other lists' pages
    assert "funds_page=2&amp;lists_page=2#lists" in second.split('id="lists-pager"')[1].split("</nav>")[0]


def test_the_township_pages_its_village_exit_lists(client, many):
    first = client.get(f"/public/r/{TOWN_A}/").content.decode()
    assert first.count("/public/p/") == PAGE and f"共 {N} 条，第 1 / 2 页" in first
    second = client.get(f"/public/r/{TOWN_A}/?lists_page=2").content.decode()
    assert second.count("/public/p/") == N - PAGE and "第 2 / 2 页" in second


@pytest.mark.parametrize(
    ("typed", "page"),
    [
        ("abc", 1), ("", 1), ("0", 1), ("-1", 1), ("1.5", 1), ("２", 1), ("2 OR 1=1", 1), ("%00", 1),
        ("99", 2), ("9" * 400, 2), ("2", 2),
    ],
)  # fmt: skip
def test_hostile_page_parameters_answer_cleanly(client, many, typed, page):
    response = client.get(f"/public/r/{VILLAGE_A}/", {"funds_page": typed, "lists_page": typed})
    assert response.status_code == 200
    body = response.content.decode()
    for pager in ("lists-pager", "fund-notices-pager"):
        assert f"第 {page} / 2 页" in body.split(f'id="{pager}"')[1].split("</nav>")[0]
    assert ("资金公告000号" in body) == (page == 2)


def test_a_year_narrows_every_list_and_an_unknown_year_shows_all(client, many):
    body = client.get(f"/public/r/{VILLAGE_A}/?year=2021").content.decode()
    in_2021 = sum(1 for i in range(N) if 2020 + i * 2 // N == 2021)
    assert body.count("/public/p/") == in_2021 and f"共 {in_2021} 条" in body
    assert f"资金公告{N - 1:03d}号" in body and "资金公告000号" not in body
    assert "暂无扶贫项目公示公告" in body  # the projects are all of 2020
    assert '<option value="2021" selected>' in body
    for typed in ("1999", "abc", "2021x"):
        body = client.get(f"/public/r/{VILLAGE_A}/", {"year": typed}).content.decode()
        assert f"共 {N} 条，第 1 / 2 页" in body


def test_empty_lists_say_so(client, regions):
    village = client.get(f"/public/r/{VILLAGE_B}/").content.decode()
    assert (
        "本村暂无公示公告" in village
        and "暂无扶贫项目公示公告" in village
        and "暂无扶贫资金公告公示" in village
    )
    assert "第 1 / 1 页" not in village
    town = client.get(f"/public/r/{TOWN_A}/").content.decode()
    assert "暂无贫困村退出公示公告" in town


def test_the_page_costs_a_bounded_number_of_queries(client, many, django_assert_max_num_queries):
    """The region, its ancestors, then per list its years, its count and its page: 11, however deep the page."""
    with django_assert_max_num_queries(11):
        client.get(f"/public/r/{VILLAGE_A}/?funds_page=2&year=2020")
