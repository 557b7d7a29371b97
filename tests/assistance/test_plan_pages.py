"""一户一策 through its pages: a village cadre plans measures from the suggestions, records progress and visits
with a photo, prints the handbook; refusals show their message and change nothing; other regions get 404."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from jingzhun.assistance import plans, services
from jingzhun.assistance.models import Measure, Plan, SocialHelper, Visit
from jingzhun.core.models import AuditLog
from tests.conftest import member, new_id

# The smallest valid PNG (1×1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


@pytest.fixture
def household(poor, cadre):
    found = poor(
        "illness",
        other_causes=["lack_capital"],
        members=[member(name="杨老汉", labour="lost", health="serious"),
                 member("spouse", name="吴秀英", id_number=new_id(male=False), labour="none")],
    )  # fmt: skip
    services.household_pair(user=None, household=found, cadre=cadre("王医生"))
    return found


def pdf_text(response) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(p.extract_text() for p in reader.pages)
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            if descriptor is not None:
                d = descriptor.get_object()
                fonts.append(
                    (str(font["/BaseFont"]), any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")))
                )
    return text, fonts


def test_a_village_cadre_plans_from_the_suggestions_and_records_progress(client, household, users):
    client.force_login(users["village_a"])
    url = f"/assistance/households/{household.pk}/"
    page = client.get(url).content.decode()
    # no labour, serious illness: 兜底 and health measures are suggested with their reasons
    assert "无劳动能力" in page and "纳入农村低保" in page and "代缴基本医保和大病保险" in page
    assert "该户还没有" in page
    year = timezone.localdate().year
    client.post(f"{url}plan/", {"year": year, "goal": "医疗费用有保障"})
    plan = Plan.objects.get(household=household)
    refused = client.post(
        f"/assistance/plans/{plan.pk}/measures/",
        {"item": "insurance", "planned_amount": "-300", "responsible": "县医保局"}, follow=True,
    ).content.decode()  # fmt: skip
    assert "金额不能为负数" in refused and not Measure.objects.exists()
    client.post(f"/assistance/plans/{plan.pk}/measures/",
                {"item": "insurance", "planned_amount": "560", "responsible": "县医保局"})  # fmt: skip
    measure = Measure.objects.get()
    assert (measure.category, measure.content) == ("health", "代缴基本医保和大病保险")
    refused = client.post(
        f"/assistance/measures/{measure.pk}/", {"status": "done"}, follow=True
    ).content.decode()
    assert "完成时须填写实际金额" in refused
    page = client.post(f"/assistance/measures/{measure.pk}/", {"status": "done", "actual_amount": "540"},
                       follow=True).content.decode()  # fmt: skip
    assert "措施进展已更新" in page and "已完成" in page
    # once in the plan, a suggestion is not offered again
    suggested = page.split('id="suggestions"')[1].split("</ul>")[0]
    assert "代缴基本医保和大病保险" not in suggested and "医疗救助" in suggested


def test_visits_with_a_photo_are_kept_and_served_only_in_scope(client, household, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["village_a"])
    url = f"/assistance/households/{household.pk}/visits/"
    cadre = household.pairings.get().cadre
    refused = client.post(
        url, {"cadre": cadre.pk, "visited_on": "2099-01-01", "content": "了解病情"}, follow=True
    )
    assert "走访日期不能晚于今天" in refused.content.decode() and not Visit.objects.exists()
    bad = SimpleUploadedFile("visit.exe", b"MZ", content_type="application/octet-stream")
    refused = client.post(url, {"cadre": cadre.pk, "visited_on": "2026-11-20", "content": "了解病情", "photo": bad},
                          follow=True)  # fmt: skip
    assert "照片只能是 JPG 或 PNG 文件" in refused.content.decode() and not Visit.objects.exists()
    photo = SimpleUploadedFile("visit.png", PNG, content_type="image/png")
    client.post(
        url, {"cadre": cadre.pk, "visited_on": "2026-11-20", "content": "送药上门，了解病情", "photo": photo}
    )
    visit = Visit.objects.get()
    served = client.get(f"/assistance/visits/{visit.pk}/photo/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert AuditLog.objects.filter(action="download", root=f"registry.household:{household.pk}").exists()
    client.force_login(users["town_b"])
    assert client.get(f"/assistance/visits/{visit.pk}/photo/").status_code == 404
    assert client.get(f"/assistance/households/{household.pk}/").status_code == 404
    assert client.get(f"/assistance/households/{household.pk}/handbook.pdf").status_code == 404
    assert client.post(f"/assistance/households/{household.pk}/plan/", {"year": 2026}).status_code == 404
    assert not Plan.objects.exists()


def test_the_handbook_is_a_pdf_with_the_chinese_font_embedded_and_ids_masked(client, household, users):
    plan = plans.plan_create(user=None, household=household, year=2026, goal="医疗费用有保障")
    plans.measure_add(user=None, plan=plan, category="health", item="medical_aid", responsible="县医保局",
                      planned_amount=1200)  # fmt: skip
    plans.visit_record(user=None, household=household, cadre=plan.cadre, visited_on=dt.date(2026, 3, 2),
                       content="送医保卡")  # fmt: skip
    client.force_login(users["town_a"])
    response = client.get(f"/assistance/households/{household.pk}/handbook.pdf?year=2026")
    assert response["Content-Type"] == "application/pdf"
    text, fonts = pdf_text(response)
    for expected in ("扶贫手册", "杨老汉", "王医生", "医疗救助", "1200.00", "送医保卡"):
        assert expected in text.replace(",", "")
    assert "None" not in text
    head_id = household.members.get(name="杨老汉").id_number
    assert head_id not in text and head_id[:6] in text  # masked for an operator
    assert fonts and all(embedded for _, embedded in fonts)
    assert any("CJK" in name for name, _ in fonts)


def test_the_compliance_page_lists_households_not_visited_in_time(client, household, users):
    pairing = household.pairings.get()
    pairing.started_on = timezone.localdate() - dt.timedelta(days=45)
    pairing.save(update_fields=["started_on"])
    client.force_login(users["town_a"])
    page = client.get("/assistance/visits/").content.decode()
    assert "杨老汉" in page and "从未走访" in page and "王医生" in page
    due = pairing.started_on + dt.timedelta(days=30)  # the national visit interval, counted from the pairing
    assert f"{due:%Y-%m-%d}" in page and "逾期 15 天" in page
    csv = b"".join(client.get("/assistance/visits/?export=csv").streaming_content).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("村,村代码,户编号") and household.number in csv
    client.force_login(users["town_b"])
    assert (
        household.number
        not in b"".join(client.get("/assistance/visits/?export=csv").streaming_content).decode()
    )
    plans.visit_record(user=None, household=household, cadre=pairing.cadre, visited_on=timezone.localdate(),
                       content="回访病情")  # fmt: skip
    client.force_login(users["town_a"])
    assert "没有逾期未走访的帮扶户" in client.get("/assistance/visits/").content.decode()


def test_social_helpers_are_registered_and_join_a_pairing_at_most_two(client, household, users):
    client.force_login(users["town_a"])
    for name in ("苗岭茶叶合作社", "爱心企业", "退休教师王老师"):
        client.post("/assistance/", {"helper": "1", "kind": "organisation", "name": name})
    forces = client.get("/assistance/").content.decode()
    assert "苗岭茶叶合作社" in forces and "退休教师王老师" in forces
    ids = list(SocialHelper.objects.order_by("id").values_list("pk", flat=True))
    url = f"/assistance/households/{household.pk}/helpers/"
    refused = client.post(url, {"helpers": ids}, follow=True).content.decode()
    assert "最多两方" in refused and not household.pairings.get().helpers.exists()
    client.post(url, {"helpers": ids[:2]})
    page = client.get(f"/assistance/households/{household.pk}/").content.decode()
    assert "社会帮扶力量：苗岭茶叶合作社、爱心企业" in page
