"""The bank's return file and the village cadres' list come in through the upload guards: a real .xlsx is read,
a disguised or malformed file is refused with a message and nothing changes."""

import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jingzhun.funds import services
from jingzhun.funds.choices import PaymentStatus
from jingzhun.funds.models import Payment, VillageCadre
from tests.conftest import COUNTY, PASSWORD, VILLAGE_A


def xlsx(rows) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("回盘")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


@pytest.fixture
def sent(chain, finance, paid_household):
    p = services.household_payment_create(
        user=finance,
        allocation=chain["county"],
        id_number=paid_household.head_id,
        amount="800",
        purpose="奖补",
    )
    services.payments_approve(user=finance, payments=[p])
    return services.batch_create(user=finance, county=chain["county"].region), p


def test_a_return_workbook_marks_payments_paid(client, finance, sent):
    batch, p = sent
    client.login(username=finance.username, password=PASSWORD)
    data = xlsx([["流水号", "结果", "银行流水号", "支付日期"], [p.reference, "成功", "NX001", "2026-03-05"]])
    client.post(reverse("funds:batch", args=[batch.pk]), {"file": SimpleUploadedFile("回盘.xlsx", data)})
    p.refresh_from_db()
    assert p.status == PaymentStatus.PAID and p.bank_reference == "NX001"


def test_a_disguised_file_is_refused_and_nothing_changes(client, finance, sent):
    batch, p = sent
    client.login(username=finance.username, password=PASSWORD)
    response = client.post(
        reverse("funds:batch", args=[batch.pk]), {"file": SimpleUploadedFile("回盘.xlsx", b"not a zip at all")},
        follow=True,
    )  # fmt: skip
    assert "不是有效的电子表格" in response.content.decode()
    assert Payment.objects.get(pk=p.pk).status == PaymentStatus.SENT


def test_the_cadre_list_links_cadres_to_their_households(client, users, paid_household):
    client.login(username=users["national"].username, password=PASSWORD)
    text = f"村代码,姓名,公民身份号码,职务\n{VILLAGE_A},杨文明,{paid_household.head_id},村主任\n"
    client.post(
        reverse("funds:cadres"), {"county": COUNTY, "file": SimpleUploadedFile("村干部.csv", text.encode())}
    )
    cadre = VillageCadre.objects.get()
    assert cadre.household_id == paid_household.pk and cadre.post == "村主任"
    bad = f"村代码,姓名,公民身份号码,职务\n{VILLAGE_A},某某,522634197005170000,支书\n"
    response = client.post(
        reverse("funds:cadres"),
        {"county": COUNTY, "file": SimpleUploadedFile("村干部.csv", bad.encode())},
        follow=True,
    )
    assert "第 2 行" in response.content.decode()
    assert VillageCadre.objects.get().pk == cadre.pk
