"""The staff's 资金公告公示 page pages every notice in scope fifty at a time on the staff lists' keyset cursor (no
notice beyond the first page out of reach), a tampered cursor shows the first page with a message, and a user
with no notices sees the empty state."""

import datetime as dt
import re
from decimal import Decimal

from django.urls import reverse

from jingzhun.accounts.choices import Role
from jingzhun.funds.models import Notice
from jingzhun.regions.models import Region
from tests.conftest import TOWN_B, VILLAGE_A, make_user

from .conftest import YEAR
from .test_pages import login


def _notices(n: int) -> list[Notice]:
    """``n`` 事后公告 of one village (the data of the page, not what is tested: made in one insert)."""
    start = dt.date(YEAR, 1, 1)
    Notice.objects.bulk_create(
        Notice(region_id=VILLAGE_A, kind="after", year=YEAR, title=f"测试公告第{i:03d}号", total=Decimal(100),
               starts_on=start, last_day=start + dt.timedelta(days=6))
        for i in range(1, n + 1)
    )  # fmt: skip
    return list(Notice.objects.order_by("id"))


def _titles(body: str) -> list[str]:
    return re.findall(r"测试公告第\d{3}号", body)


def test_every_notice_is_reachable_page_by_page(client, finance):
    notices = _notices(260)
    login(client, finance)
    url = reverse("funds:notices")
    body = client.get(url).content.decode()
    first = _titles(body)
    assert len(first) == 50 and "测试公告第201号" not in first
    seen, pages = list(first), 1
    while (after := re.search(r'href="\?after=([\w-]+)"', body)) is not None:
        body = client.get(url, {"after": after.group(1)}).content.decode()
        seen += _titles(body)
        pages += 1
    assert pages == 6 and sorted(seen) == sorted(n.title for n in notices)  # each once, none out of reach
    assert notices[200].title in seen  # the 201st-oldest: beyond the old latest-200 cut
    # the way back from the last page
    before = re.search(r'href="\?before=([\w-]+)"', body).group(1)
    back = _titles(client.get(url, {"before": before}).content.decode())
    assert back == [n.title for n in notices[200:250]]


def test_a_tampered_cursor_shows_the_first_page(client, finance):
    notices = _notices(60)
    login(client, finance)
    body = client.get(reverse("funds:notices"), {"after": "not-a-cursor"}).content.decode()
    assert _titles(body) == [n.title for n in notices[:50]]
    assert "分页参数无效，请从第一页重新浏览。" in body


def test_no_notices_shows_the_empty_state(client, finance):
    _notices(3)  # in 雷山县's 村 A, outside another town's scope
    other = make_user("town_b_finance", Role.FINANCE, Region.objects.get(code=TOWN_B))
    login(client, other)
    body = client.get(reverse("funds:notices")).content.decode()
    assert "还没有发布公告。" in body and not _titles(body)
