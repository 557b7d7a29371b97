"""公告公示 of funds: published from the paid payments, on the portal without login, names masked in the village,
up for the policy's days and kept online afterwards."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jingzhun.funds import services
from jingzhun.funds.models import Payment
from jingzhun.regions.models import Region
from tests.conftest import VILLAGE_A

from .conftest import YEAR


def test_a_village_notice_shows_amounts_and_masked_names(client, chain, finance, paid_household):
    village = Region.objects.get(code=VILLAGE_A)
    with pytest.raises(ValidationError, match="没有已支付的资金"):
        services.notice_publish(user=finance, region=village, year=YEAR)
    p = services.household_payment_create(
        user=finance,
        allocation=chain["county"],
        id_number=paid_household.head_id,
        amount="1200",
        purpose="产业奖补",
    )
    Payment.objects.filter(pk=p.pk).update(status="paid")
    starts = dt.date.today() - dt.timedelta(days=30)
    notice = services.notice_publish(user=finance, region=village, year=YEAR, starts_on=starts)
    assert (notice.last_day - notice.starts_on).days + 1 == 10  # the policy's days
    page = client.get(reverse("portal:region", args=[VILLAGE_A])).content.decode()
    assert notice.title in page
    detail = client.get(reverse("portal:fund_notice", args=[notice.pk])).content.decode()
    assert "1200.00" in detail and "杨**" in detail and "杨文明" not in detail and "公示期已满" in detail
    assert paid_household.head_id not in detail
