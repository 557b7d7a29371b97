"""到户补助 from the household's card (issue 21): the payment names the plan measure it pays — chosen among the
household's own measures only — and the village page counts that money once: the measure's actual amount is
its payment, and money paid to the village with no measure is shown beside it."""

import re

from django.urls import reverse

from jingzhun.assistance import plans
from jingzhun.assistance import services as assistance
from jingzhun.funds.models import Payment
from tests.assistance.conftest import cadre, units  # noqa: F401 (fixtures)
from tests.conftest import VILLAGE_A

from .conftest import YEAR
from .test_money_counted_once import _paid
from .test_pages import login


def _measure(household, cadre, content, actual):  # noqa: F811
    assistance.household_pair(user=None, household=household, cadre=cadre())
    plan = plans.plan_create(user=None, household=household, year=YEAR)
    return plans.measure_add(
        user=None, plan=plan, category="production", item="industry", content=content, responsible="县农业农村局",
        planned_amount=600, actual_amount=actual, status="done",
    )  # fmt: skip


def test_a_card_payment_pays_one_of_the_households_measures_counted_once(
    client,
    chain,
    finance,
    paid_household,
    register,
    cadre,  # noqa: F811
    users,
):
    h = paid_household
    own = _measure(h, cadre, "茶园管护奖补", 400)
    other = _measure(register(), cadre, "别户的养殖奖补", 0)
    card = login(client, finance).get(reverse("registry:household_detail", args=[h.pk])).content.decode()
    form = card.split('id="form-household-pay"')[1].split("</form>")[0]
    assert "茶园管护奖补" in form and "别户的养殖奖补" not in form  # only this household's measures
    assert h.head_id not in form  # the payee by name, never the ID number
    member = re.search(r'name="hpay-member"[^>]*>\s*<option value="(\d+)"', form).group(1)
    data = {"hpay-allocation": chain["county"].pk, "hpay-member": member, "hpay-category": "household",
            "hpay-amount": "550", "hpay-purpose": "茶园管护奖补"}  # fmt: skip
    # another household's measure is not a choice: refused, nothing entered
    refused = client.post(
        reverse("funds:household_pay", args=[h.pk]), {**data, "hpay-measure": other.pk}, follow=True
    )
    assert "有效的选项" in refused.content.decode()
    assert not Payment.objects.exists()
    client.post(reverse("funds:household_pay", args=[h.pk]), {**data, "hpay-measure": own.pk})
    payment = Payment.objects.get()
    assert (payment.measure_id, payment.household_id) == (own.pk, h.pk)
    plain = client.post(
        reverse("funds:household_pay", args=[h.pk]),
        {**data, "hpay-amount": "300", "hpay-purpose": "临时救助"},
    )
    assert plain.status_code == 302
    _paid(finance, chain["county"].region, list(Payment.objects.order_by("id")))
    client.force_login(users["national"])
    page = client.get(reverse("assistance:village", args=[VILLAGE_A]) + f"?year={YEAR}").content.decode()
    # the measure's 400 entered by hand gives way to its 550 paid (not 950); the 300 with no measure beside it
    assert "已到位 550" in page and "950" not in page
    assert "300" in page.split('id="paid-direct"')[1].split("</p>")[0]
