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
