"""The monitoring pages as each level sees them, the portal's self-report with its challenge and status page,
and the departments' screening lists (malformed IDs refused with their rows; one clue per household at or above
the threshold)."""

import re
from pathlib import Path

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.utils import timezone

from jingzhun.monitoring import screening, services
from jingzhun.monitoring.choices import ClueSource
from jingzhun.monitoring.models import Clue, ScreeningList
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, VILLAGE_A, new_id

from .conftest import accepted, confirmed, deliberated, this_year

pytestmark = pytest.mark.django_db


def _answer(page: str) -> str:
    a, b = re.search(r"(\d) \+ (\d) = \?", page).groups()
    return str(int(a) + int(b))


def test_self_report_on_the_portal_with_challenge_reference_and_status(client, exited):
    page = client.get("/public/monitoring/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    data = {
        "village": "522634100201", "name": "王某", "id_number": exited.head_id, "phone": "13800000000",
        "text": "家里老人住院，花了很多钱", "risk_types": ["illness"], "token": token,
    }  # fmt: skip
    bad_phone = client.post(
        "/public/monitoring/", {**data, "phone": "abc-not-a-phone", "answer": _answer(page)}
    )
    assert "联系电话" in bad_phone.content.decode() and not Clue.objects.exists()
    wrong = client.post("/public/monitoring/", {**data, "answer": "99"})
    assert "验证题答案不正确" in wrong.content.decode() and not Clue.objects.exists()
    ok = client.post("/public/monitoring/", {**data, "answer": _answer(page)}, follow=True)
    clue = Clue.objects.get()
    body = ok.content.decode()
    assert clue.reference in body and "等待乡镇受理" in body and clue.source == ClueSource.SELF
    assert exited.head_id not in body and "13800000000" not in body
    replay = client.post("/public/monitoring/", {**data, "answer": _answer(page)})
    assert "验证题答案不正确或已过期" in replay.content.decode() and Clue.objects.count() == 1
    assert client.get("/public/monitoring/status/NOSUCHREF/").status_code == 404


def test_self_report_names_an_unknown_village_and_keeps_to_the_rate_limit(client, exited, settings):
    """The self-report passes the objection form's one gate: an unknown village code is named on its field, and
    an address over the limit is turned away before anything is checked or stored."""
    settings.PORTAL_OBJECTION_LIMIT = 2

    def post(village: str):
        page = client.get("/public/monitoring/").content.decode()
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        return client.post("/public/monitoring/", {
            "village": village, "name": "王某", "id_number": exited.head_id, "text": "家里老人住院，花了很多钱",
            "risk_types": ["illness"], "token": token, "answer": _answer(page),
        }).content.decode()  # fmt: skip

    unknown = post("522634999999")
    assert "没有这个村的区划代码" in unknown and not Clue.objects.exists()
    post("522634100201")
    assert Clue.objects.count() == 1
    assert "提交过于频繁" in post("522634100201") and Clue.objects.count() == 1


def test_the_village_page_leads_to_the_report_form_with_the_village_filled_in_by_name(client, regions):
    village_page = client.get("/public/r/522634100201/").content.decode()
    assert 'href="/public/monitoring/?village=522634100201"' in village_page
    form = client.get("/public/monitoring/?village=522634100201").content.decode()
    assert "申报所在村：" in form and 'value="522634100201"' in form
    assert "点“本村农户防返贫监测申报”即可自动填写" in client.get("/public/monitoring/").content.decode()


def test_the_portal_refuses_a_person_of_another_county(client, register, monitoring_line, county_b):
    other = register(region="522635100201", status="exited", identified_year=2014)
    page = client.get("/public/monitoring/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    response = client.post("/public/monitoring/", {
        "village": "522634100201", "name": "王某", "id_number": other.members.first().id_number,
        "text": "家里遭了水灾房子倒了", "token": token, "answer": _answer(page),
    })  # fmt: skip
    assert "不在本县" in response.content.decode() and not Clue.objects.exists()


def test_pages_for_each_level_with_empty_states(client, users, monitoring_line):
    client.force_login(users["county"])
    for url, empty in [
        ("/monitoring/", "没有超过时限的案例"), ("/monitoring/clues/", "没有风险线索"),
        ("/monitoring/cases/", "没有监测案例"), ("/monitoring/publicity/new/", "没有等待公示的案例"),
        ("/monitoring/screening/", "尚未上传部门筛查名单"),
    ]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200 and empty in response.content.decode(), url


def test_the_case_page_leads_each_level_through_its_step(client, users, exited):
    case = accepted(exited, users)
    client.force_login(users["village_a"])
    page = client.get(f"/monitoring/cases/{case.pk}/").content.decode()
    assert "入户核实" in page and 'id="authorise-form"' in page and "尚未上传" in page
    client.force_login(users["town_a"])
    assert 'id="step-form"' not in client.get(f"/monitoring/cases/{case.pk}/").content.decode()
    deliberated(case, users)
    client.force_login(users["village_a"])
    assert "发布村级公示" in client.get(f"/monitoring/cases/{case.pk}/").content.decode()
    page = client.get(f"/monitoring/publicity/new/?village={case.region_id}").content.decode()
    assert exited.head_name in page
    response = client.post(
        "/monitoring/publicity/new/",
        {
            "village": case.region_id,
            "cases": [case.pk],
            "starts_on": timezone.localdate().isoformat(),
            "days": 3,
        },
    )
    assert "不得少于 5 天" in response.content.decode()
    response = client.post(
        "/monitoring/publicity/new/",
        {
            "village": case.region_id,
            "cases": [case.pk],
            "starts_on": timezone.localdate().isoformat(),
            "days": 5,
        },
        follow=True,
    )
    assert "监测对象公示" in response.content.decode()
    public = client.get(f"/public/r/{case.region_id}/").content.decode()
    assert "监测对象公示" in public


def test_the_household_card_shows_the_monitoring_history(client, users, exited):
    case = confirmed(exited, users)
    client.force_login(users["village_a"])
    page = client.get(f"/households/{exited.pk}/").content.decode()
    assert f"/monitoring/cases/{case.pk}/" in page and "监测帮扶中" in page and "登记风险线索" in page


def _sheet(path: Path, rows):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def test_a_department_list_with_malformed_ids_is_refused_naming_the_rows(tmp_path, users, exited):
    path = _sheet(tmp_path / "医保.xlsx", [
        ["公民身份号码", "姓名", "个人自付医疗费用"], [exited.head_id, "王老实", "20000"], ["12345", "坏号", "1"],
        [new_id(), "他人", "-5"],
    ])  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        screening.screening_upload(
            user=users["county"], county=Region.objects.get(code=COUNTY), department="medical", path=path,
            file_name="医保.xlsx",
        )  # fmt: skip
    text = " ".join(exc.value.messages)
    assert "第 3 行" in text and "第 4 行" in text and "第 2 行" not in text
    assert not ScreeningList.objects.exists() and not Clue.objects.exists()


def test_a_department_list_raises_one_clue_per_household_at_or_above_its_threshold(
    tmp_path, users, exited, register
):
    below = register(status="exited", identified_year=2014)
    services.policy_set(user=None, year=this_year(), threshold_medical="10000")
    spouse = exited.members.get(relationship="spouse").id_number
    path = _sheet(tmp_path / "医保.xlsx", [
        ["身份证号", "金额"], [exited.head_id, "10000"], [spouse, "12000"],
        [below.members.first().id_number, "9999.99"], [new_id(), "50000"],
    ])  # fmt: skip
    done = screening.screening_upload(
        user=users["county"], county=Region.objects.get(code=COUNTY), department="medical", path=path,
        file_name="医保.xlsx",
    )  # fmt: skip
    assert (done.rows, done.matched, done.flagged) == (4, 2, 1)
    clue = Clue.objects.get()
    assert clue.household == exited and clue.value == 12000 and clue.source == ClueSource.DEPARTMENT
    assert clue.risk_types == ["illness"] and "第 3 行" in clue.text


def test_the_api_lists_cases_and_clues_in_scope_with_personal_keys_masked(users, exited):
    from rest_framework.test import APIClient

    case = accepted(exited, users)
    api = APIClient()
    api.force_authenticate(users["town_a"])
    body = api.get("/api/v1/monitoring/cases/?state=identifying").json()
    [row] = body["results"]
    assert row["id"] == case.pk and row["stage"] == "applied" and row["state_label"] == "认定中"
    [clue] = api.get("/api/v1/monitoring/clues/").json()["results"]
    assert clue["id_number"] != exited.head_id and clue["status"] == "accepted"
    api.force_authenticate(users["town_b"])
    assert api.get(f"/api/v1/monitoring/cases/{case.pk}/").status_code == 404


def test_a_cadre_enters_a_clue_through_the_api_and_bad_input_saves_nothing(users, exited):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users["village_a"])
    sent = {"village": VILLAGE_A, "name": exited.head_name, "id_number": exited.head_id, "text": "家中老人重病住院，花费很高",
            "risk_types": ["illness"]}  # fmt: skip
    made = api.post("/api/v1/monitoring/clues/", sent, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["household"] == exited.pk and made.json()["id_number"] != exited.head_id  # masked
    short = api.post("/api/v1/monitoring/clues/", {**sent, "text": "病"}, format="json")
    assert short.status_code == 400 and "至少 5 个字" in str(short.json())
    api.force_authenticate(users["town_b"])  # 村 A is outside 西江镇
    assert api.post("/api/v1/monitoring/clues/", sent, format="json").status_code == 404
    assert Clue.objects.count() == 1


def test_the_policy_page_shows_what_is_in_force_and_administrators_set_it(client, users, monitoring_line):
    from jingzhun.accounts.choices import Role
    from jingzhun.monitoring.models import MonitoringLine, MonitoringPolicy
    from tests.conftest import make_user

    client.force_login(users["county"])
    page = client.get("/monitoring/policy/").content.decode()
    assert "6000.00" in page and "不少于 5 天" in page and 'id="line-form"' not in page
    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code="520000000000"))
    client.force_login(admin)
    refused = client.post(
        "/monitoring/policy/", {"form": "line", "year": this_year(), "amount": "5000"}, follow=True
    )
    assert "不能低于当年全国监测标准" in refused.content.decode() and not MonitoringLine.objects.filter(
        amount=5000
    )
    client.post(
        "/monitoring/policy/", {"form": "line", "year": this_year(), "amount": "7000", "source": "省定"}
    )
    assert MonitoringLine.objects.get(province_id="520000000000").amount == 7000
    data = {f.name: getattr(MonitoringPolicy(), f.name) for f in MonitoringPolicy._meta.concrete_fields
            if f.name not in ("id", "province")} | {"year": this_year(), "publicity_days": 7, "form": "policy"}  # fmt: skip
    data = {k: v for k, v in data.items() if v is not False}
    client.post("/monitoring/policy/", data)
    assert MonitoringPolicy.objects.get(province_id="520000000000").publicity_days == 7
