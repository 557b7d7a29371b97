"""``demo-funds``: a realistic county's money that reconciles, with planted abuses the alerts find."""

import pytest
from django.core.management import call_command

from jingzhun.core import crypto
from jingzhun.funds.choices import AlertKind, PaymentStatus
from jingzhun.funds.models import Alert, Notice, Payment
from jingzhun.funds.reconcile import differences, project_differences
from jingzhun.registry.models import Household

pytestmark = pytest.mark.django_db


def test_the_demo_reconciles_and_its_abuses_are_found(regions):
    call_command("demo-data", region="522634", households=120, seed=5, verbosity=0)
    call_command("demo-funds", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert differences() == [] and project_differences() == []
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert kinds >= {
        AlertKind.SHARED_ACCOUNT, AlertKind.CADRE_RELATIVE, AlertKind.IDLE, AlertKind.NO_ACCEPTANCE,
        AlertKind.OUTLIER, AlertKind.DECEASED,
    }  # fmt: skip
    # only the planted household stands out per person (ordinary subsidies follow the household's size)
    assert Alert.objects.filter(kind=AlertKind.OUTLIER).count() == 1
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() > 50
    assert Payment.objects.filter(status=PaymentStatus.REISSUED).count() == 1
    assert Notice.objects.count() == 2
    h = Household.objects.exclude(bank_account="").first()
    assert h.bank_account_digest == crypto.digest(h.bank_account)
    call_command("demo-funds", stdout=open("/dev/null", "w"))  # noqa: SIM115 - runs once
    assert Notice.objects.count() == 2


def test_the_demo_shows_the_money_going_down_from_province_to_city_to_county(
    transactional_db, regions, client
):
    """The demo's provincial and prefecture finance users (``demo-accounts``) follow the demo money down: 贵州's
    user sees 黔东南州 with the rollup's 支出进度, 黔东南州's user sees 雷山县, whose row opens its funds live."""
    import io

    from django.utils import timezone

    from jingzhun.accounts.models import User
    from jingzhun.analytics.services import rollup_refresh

    call_command("demo-data", region="522634", households=120, seed=5, verbosity=0)
    out = io.StringIO()
    call_command("demo-accounts", stdout=out)
    assert "province_finance" in out.getvalue() and "city_finance" in out.getvalue()
    call_command("demo-funds", stdout=open("/dev/null", "w"))  # noqa: SIM115
    year = timezone.localdate().year
    rollup_refresh(year=year)
    client.force_login(User.objects.get(username="province_finance"))
    page = client.get("/funds/").content.decode()
    row = page.split('id="region-522600000000"')[1].split("</tr>")[0]
    assert "黔东南" in row and "%" in row and "数据汇总于" in page
    client.force_login(User.objects.get(username="city_finance"))
    page = client.get("/funds/").content.decode()
    row = page.split('id="region-522634000000"')[1].split("</tr>")[0]
    assert "雷山县" in row and 'href="?region=522634000000' in row
    county = client.get(f"/funds/?region=522634000000&year={year}").content.decode()
    assert "中央财政衔接推进乡村振兴补助资金" in county.split('id="progress"')[1].split("</table>")[0]
