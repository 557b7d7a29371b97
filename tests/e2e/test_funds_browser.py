"""A fund from central allocation to a household payment in a real browser (issue 21), each step by the level
whose money it is: the national administrator registers a central fund, previews the factor-based split over the
provinces and fixes it; the provincial finance officer passes 贵州省's part on to 黔东南州 (preview, then fix)
and cannot reach another province's money; the city's finance officer passes it on to 雷山县 and cannot touch
the province's allocation; the county's finance officer records the arrival, registers the household's 一卡通
account, pays a subsidy to a person of the registry (a person not in it is refused with the reason), approves it,
makes the bank batch and imports the bank's return file, and publishes the village's 事后公告 from the batch in
one click — the public reads it on the portal without login, the name masked, never the ID number or the
account; a county viewer then sees the payment on the household card with the account masked."""

import pytest

from jingzhun.accounts.choices import Role
from jingzhun.funds.models import Allocation, Notice, Payment
from jingzhun.funds.reconcile import differences
from jingzhun.regions import services as region_services
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, VILLAGE_A, make_user

from .test_registry_browser import login

pytestmark = pytest.mark.e2e
ACCOUNT = "6217002870012345678"
GUIZHOU, QIANDONGNAN, YUNNAN, KUNMING = "520000000000", "522600000000", "530000000000", "530100000000"


def submit(page, selector):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def preview(page, amount):
    page.fill("#preview-form [name=amount]", amount)
    submit(page, "#preview-form button[type=submit]")
    assert "下达金额" in page.inner_text("#preview")


def fix(page, document):
    page.fill("#document_number", document)
    submit(page, "#fix-form button[type=submit]")
    assert "资金已下达" in page.inner_text("body")


def allocate_down(page, amount, document):
    preview(page, amount)
    fix(page, document)


def forged_fix(page, url, amounts):
    """The previewed fix form, pointed at someone else's allocation (as a crafted request would be): the answer."""
    page.eval_on_selector(
        "#fix-form",
        """(form, [url, amounts]) => {
            form.action = url;
            form.querySelectorAll("#preview input").forEach((input) => input.remove());
            for (const [code, value] of Object.entries(amounts)) {
                const input = document.createElement("input");
                input.name = "amount_" + code;
                input.value = value;
                form.appendChild(input);
            }
        }""",
        [url, amounts],
    )
    page.fill("#document_number", "伪造〔2026〕1号")
    return submit(page, "#fix-form button[type=submit]")


def open_own_allocation(page, url, region_name):
    """From the funds list to the central fund, then to the one allocation the user's region holds."""
    page.goto(f"{url}/funds/funds/")
    submit(page, "main a:has-text('中央财政衔接资金')")
    listed = page.inner_text("#allocations")
    assert region_name in listed and "云南省" not in listed  # only their own region's part is listed
    assert page.locator("#preview-form").count() == 0  # the central fund is the nation's to allocate
    submit(page, f"#allocations a:has-text('{region_name}')")


def test_a_central_fund_reaches_a_household(phone, live_server, users, register, regions, tmp_path):
    url = live_server.url
    region_services.regions_load(
        rows=[(YUNNAN, "云南省"), (KUNMING, "昆明市")], source="test"
    )  # another province
    make_user("province_finance", Role.FINANCE, Region.objects.get(code=GUIZHOU))
    make_user("city_finance", Role.FINANCE, Region.objects.get(code=QIANDONGNAN))
    make_user("finance", Role.FINANCE, regions[COUNTY])
    household = register()
    head = household.members.get(relationship="head")

    # 中央: the national level registers the fund and splits it over the provinces
    login(phone, live_server, "national")
    phone.goto(f"{url}/funds/funds/")
    phone.select_option("#id_source", "central")
    phone.fill("#id_document_number", "财农〔2026〕1号")
    phone.fill("#id_title", "中央财政衔接资金")
    phone.fill("#id_amount", "5000000")
    submit(phone, "#fund-form button[type=submit]")
    assert "5000000" in phone.inner_text("#fund-amount")
    preview(phone, "3000000")
    phone.fill(f"#preview [name=amount_{GUIZHOU}]", "2000000")
    phone.fill(f"#preview [name=amount_{YUNNAN}]", "1000000")
    fix(phone, "财农〔2026〕1号")
    guizhou = Allocation.objects.get(region_id=GUIZHOU)
    yunnan = Allocation.objects.get(region_id=YUNNAN)
    assert (guizhou.amount, yunnan.amount) == (2000000, 1000000)

    # 省: 贵州's finance officer passes its part on to 黔东南州 — and cannot reach 云南's money
    login(phone, live_server, "province_finance")
    open_own_allocation(phone, url, "贵州省")
    preview(phone, "1000000")
    assert forged_fix(phone, f"/funds/allocations/{yunnan.pk}/", {KUNMING: "500000"}).status == 404
    assert phone.goto(f"{url}/funds/allocations/{yunnan.pk}/").status == 404
    phone.goto(f"{url}/funds/allocations/{guizhou.pk}/")
    allocate_down(phone, "1000000", "黔财农〔2026〕2号")
    assert "黔东南" in phone.inner_text("#children")
    yunnan.refresh_from_db()
    assert yunnan.balance == 1000000 and not yunnan.children.exists()

    # 市: 黔东南州's finance officer passes it on to 雷山县 — and cannot fix the province's allocation
    login(phone, live_server, "city_finance")
    open_own_allocation(phone, url, "黔东南")
    preview(phone, "300000")
    assert forged_fix(phone, f"/funds/allocations/{guizhou.pk}/", {QIANDONGNAN: "500000"}).status == 404
    assert phone.goto(f"{url}/funds/allocations/{guizhou.pk}/").status == 404
    guizhou.refresh_from_db()
    assert guizhou.balance == 1000000 and guizhou.children.count() == 1
    phone.goto(f"{url}/funds/allocations/{Allocation.objects.get(region_id=QIANDONGNAN).pk}/")
    allocate_down(phone, "300000", "州财农〔2026〕3号")
    county = Allocation.objects.get(region_id=COUNTY)
    assert county.amount == 300000

    # 县: the county's finance officer receives the money and pays the household through its 一卡通
    login(phone, live_server, "finance")
    phone.goto(f"{url}/funds/allocations/{county.pk}/")
    submit(phone, "#arrive")
    phone.goto(f"{url}/funds/households/{household.pk}/bank-account/")
    phone.fill("#id_bank_name", "雷山县农村信用社")
    phone.fill("#id_bank_account", "6217 0028 7001 2345 678")
    submit(phone, "#bank-form button[type=submit]")
    phone.goto(f"{url}/funds/allocations/{county.pk}/")
    phone.fill("#household-payment [name=id_number]", "522634197005170099")
    phone.fill("#household-payment [name=amount]", "1800")
    phone.fill("#household-payment [name=purpose]", "产业发展奖补")
    submit(phone, "#household-payment button[type=submit]")
    assert "建档立卡系统中没有该身份证号" in phone.inner_text("body")
    phone.fill("#household-payment [name=id_number]", head.id_number)
    phone.fill("#household-payment [name=amount]", "1800")
    phone.fill("#household-payment [name=purpose]", "产业发展奖补")
    submit(phone, "#household-payment button[type=submit]")
    payment = Payment.objects.get()
    phone.goto(f"{url}/funds/payments/?status=pending")
    phone.check(f"input[name=ids][value='{payment.pk}']")
    submit(phone, "#approve")
    submit(phone, "#batch-form button[type=submit]")
    assert ACCOUNT in phone.inner_text("#batch-payments")  # finance pays to it
    returned = tmp_path / "回盘.csv"
    returned.write_text(f"流水号,结果,银行流水号\n{payment.reference},成功,NX0001\n", encoding="utf-8")
    phone.set_input_files("#return-form input[type=file]", str(returned))
    submit(phone, "#return-form button[type=submit]")
    assert "已支付" in phone.inner_text("#batch-payments")
    assert differences() == []

    # 事后公告: finance publishes the village's notice of the subsidies paid, in one click on the batch
    submit(phone, "#batch-notices-form button[type=submit]")
    assert "各村到户补助公告已发布" in phone.inner_text("body")
    notice = Notice.objects.get()
    assert notice.region_id == VILLAGE_A and notice.title in phone.inner_text("#batch-notices")
    phone.context.clear_cookies()  # the public: no login
    phone.goto(f"{url}/public/r/{VILLAGE_A}/")
    assert "共 1 条" in phone.inner_text("#fund-notices-pager")
    submit(phone, f"#fund-notices a[href='/public/funds/{notice.pk}/']")
    body = phone.inner_text("main")
    assert "使用情况公告" in body and "1800.00" in body and "产业发展奖补" in body
    assert head.name[0] + "**" in phone.inner_text("#individuals") and head.name not in body
    assert head.id_number not in body and ACCOUNT not in body and ACCOUNT[-4:] not in body

    login(phone, live_server, "county_viewer")
    phone.goto(f"{url}/households/{household.pk}/")
    panel = phone.inner_text("#funds-panel")
    assert "产业发展奖补" in panel and "已支付" in panel and "**** 5678" in panel and ACCOUNT not in panel
