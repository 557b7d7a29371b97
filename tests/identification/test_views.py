"""The identification pages and the public portal, through the real URL map and templates."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.core.models import AuditLog
from jingzhun.identification import services
from jingzhun.identification.choices import Stage
from jingzhun.identification.models import Application, Objection
from jingzhun.regions.models import Region
from tests.conftest import TOWN_B, VILLAGE_A, make_user

from .conftest import on_second_list


@pytest.fixture
def second_list(application, users):
    """An application on a running second 公示 (the one where the public can object)."""
    return on_second_list(application, users)


def test_village_operator_verifies_from_the_application_page(client, application, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["village_a"])
    page = client.get(f"/identification/{application.pk}/").content.decode()
    assert "入户核实" in page and "低于扶贫标准" in page  # the rules' reasons are shown at verification
    form = SimpleUploadedFile("核实表.pdf", b"%PDF-1.4 verification form", content_type="application/pdf")
    response = client.post(
        f"/identification/{application.pk}/verify/",
        {"on": "2026-11-20", "findings": "经入户核实，收入属实", "passed": "1", "attachment": form},
        follow=True,
    )
    assert "「入户核实」已办理" in response.content.decode()
    assert Application.objects.get(pk=application.pk).stage == Stage.VERIFIED
    step = application.steps.get(kind="verify")
    download = client.get(f"/identification/steps/{step.pk}/attachment/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 verification form"
    assert AuditLog.objects.filter(
        action="download", root=f"registry.household:{application.household_id}"
    ).exists()


def test_wrong_level_on_the_page_is_refused_with_a_message(client, application, users):
    client.force_login(users["county"])
    page = client.get(f"/identification/{application.pk}/").content.decode()
    assert 'id="step-form"' not in page  # not offered
    response = client.post(
        f"/identification/{application.pk}/verify/",
        {"on": "2026-11-20", "findings": "x", "passed": "1"},
        follow=True,
    )
    assert "须由村级用户办理" in response.content.decode()
    assert Application.objects.get(pk=application.pk).stage == Stage.APPLIED


def test_pages_answer_404_outside_scope(client, application, users, second_list):
    client.force_login(users["town_b"])
    for url in (
        f"/identification/{application.pk}/",
        f"/identification/publicity/{second_list.pk}/",
    ):
        assert client.get(url).status_code == 404
    response = client.post(f"/identification/publicity/{second_list.pk}/close/")
    assert response.status_code == 404
    assert "522634100201" not in client.get("/identification/").content.decode()


def _challenge_answer(page: str) -> str:
    a, b = re.search(r"(\d) \+ (\d) = \?", page).groups()
    return str(int(a) + int(b))


def test_public_objection_with_challenge_reference_and_status(client, second_list, users):
    page = client.get(f"/public/p/{second_list.pk}/").content.decode()
    assert "王老实" in page and "李桂花" not in page  # the head's name only, never other members
    assert not re.search(r"\d{17}[\dX]", page)  # no ID numbers
    entry = second_list.entries.get()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    wrong = client.post(
        f"/public/p/{second_list.pk}/",
        {"entry": entry.pk, "text": "该户有商品房两套", "answer": "99", "token": token},
    )
    assert "验证题答案不正确" in wrong.content.decode() and not Objection.objects.exists()
    ok = client.post(
        f"/public/p/{second_list.pk}/",
        {"entry": entry.pk, "text": "该户有商品房两套", "answer": _challenge_answer(page), "token": token},
        follow=True,
    )
    objection = Objection.objects.get()
    assert objection.reference in ok.content.decode() and "乡镇正在核实" in ok.content.decode()
    replay = client.post(
        f"/public/p/{second_list.pk}/",
        {"entry": entry.pk, "text": "该户有商品房两套", "answer": _challenge_answer(page), "token": token},
    )
    assert "验证题答案不正确或已过期" in replay.content.decode() and Objection.objects.count() == 1
    # it lands in the township's queue, not in the other township's
    client.force_login(users["town_a"])
    assert objection.reference in client.get("/identification/objections/").content.decode()
    client.force_login(users["town_b"])
    assert objection.reference not in client.get("/identification/objections/").content.decode()


def test_public_objections_are_rate_limited_per_address(client, second_list, settings):
    settings.PORTAL_OBJECTION_LIMIT = 2
    cache.clear()
    entry = second_list.entries.get()
    for n in range(3):
        page = client.get(f"/public/p/{second_list.pk}/").content.decode()
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        response = client.post(
            f"/public/p/{second_list.pk}/",
            {
                "entry": entry.pk,
                "text": f"第 {n} 条异议内容",
                "answer": _challenge_answer(page),
                "token": token,
            },
        )
    assert "提交过于频繁" in response.content.decode()
    assert Objection.objects.count() == 2


def test_portal_browses_to_the_village_and_looks_up_unknown_reference(client, second_list):
    assert "贵州省" in client.get("/public/").content.decode()
    page = client.get(f"/public/r/{TOWN_B[:6]}000000/?q=长乌").content.decode()
    assert "长乌村" in page
    village = client.get(f"/public/r/{VILLAGE_A}/").content.decode()
    assert "第二次公示" in village and "公示中" in village
    assert client.get("/public/objection/YY0000ABCDEFGH/").status_code == 404


def test_viewer_sees_lists_but_cannot_open_one(client, users, application):
    viewer = make_user("v_viewer", "viewer", Region.objects.get(code=VILLAGE_A))
    client.force_login(viewer)
    assert client.get("/identification/").status_code == 200
    response = client.get("/identification/publicity/new/", follow=True)
    assert "您的账号不能发起" in response.content.decode()


def test_county_uploads_a_list_and_the_village_explains_the_flag(client, application, users):
    head = application.household.members.get(relationship="head")
    client.force_login(users["county"])
    body = f"公民身份号码,房屋坐落\n{head.id_number},县城某小区 3 栋\n".encode()
    response = client.post(
        "/identification/crosscheck/",
        {"kind": "property", "source": "县住建局", "file": SimpleUploadedFile("house.csv", body)},
        follow=True,
    )
    page = response.content.decode()
    assert "比对发现 1 条新疑点" in page and "县城某小区 3 栋" in page
    client.force_login(users["town_a"])
    assert client.post("/identification/crosscheck/", {}).status_code == 403  # only the county uploads
    client.force_login(users["village_a"])
    flag_page = client.get(f"/identification/{application.pk}/").content.decode()
    assert "待说明" in flag_page
    flag = application.flags.get()
    response = client.post(
        f"/identification/crosscheck/{flag.pk}/explain/",
        {"explanation": "房屋为已分户子女所有", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/identification/crosscheck/"  # never sent off the site
    assert "已说明" in client.get(f"/identification/{application.pk}/").content.decode()


def test_income_decides_and_the_gaps_are_shown_as_considerations(client, register, line_2026, users):
    """DOMAIN.md §5: income above the line with a dangerous house does not qualify by itself — the gap is listed
    for the deliberation (and blocks an exit) — unless the province's policy says a gap qualifies."""
    from jingzhun.identification import services as identification
    from tests.conftest import year

    household = register(
        status="unidentified", years=[year(year=2026, wage="20000", house_grade="C")]
    )  # well above the 4,000 line
    application = identification.application_create(
        user=users["village_a"], household=household, year=2026, reason="住房困难"
    )
    client.force_login(users["village_a"])
    page = client.get(f"/identification/{application.pk}/").content.decode()
    assert "不符合识别条件" in page and "民主评议时考虑" in page and "危房" in page
    identification.procedure_policy_set(
        user=None, year=2026, province="520000000000", publicity_days=7, step_days=15, gaps_qualify=True
    )
    page = client.get(f"/identification/{application.pk}/").content.decode()
    assert "缺口可单独作为识别条件：该户符合识别条件" in page


def test_a_list_prints_as_a_notice_for_the_village_board_with_the_supervision_phone(
    client, application, users
):
    from tests.identification.conftest import deliberated, listed

    deliberated(application, users)
    publicity = listed(application, users)
    page = client.get(f"/public/p/{publicity.pk}/").content.decode()
    assert f"/public/p/{publicity.pk}/print/" in page  # the page offers the printable notice
    notice = client.get(f"/public/p/{publicity.pk}/print/").content.decode()
    assert "size: A4" in notice and application.household.head_name in notice
    assert 'id="supervision-phone">12317<' in notice and "异议反映渠道" in notice
    services.procedure_policy_set(user=users["national"], year=publicity.year, publicity_days=7, step_days=10,
                                  supervision_phone="0855-3331234", objection_channels="向县乡村振兴局反映")  # fmt: skip
    notice = client.get(f"/public/p/{publicity.pk}/print/").content.decode()
    assert 'id="supervision-phone">0855-3331234<' in notice and "向县乡村振兴局反映" in notice
    assert application.household.members.first().id_number not in notice
