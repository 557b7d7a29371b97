"""一卡通 accounts on the registry: encrypted at rest, validated, audited masked, masked outside finance roles,
and refused by ``check --deploy`` while the public development keys are configured."""

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from jingzhun.accounts.choices import Role
from jingzhun.core import crypto
from jingzhun.core.masking import BANK, Shown
from jingzhun.core.models import AuditLog
from jingzhun.registry.models import Household
from jingzhun.registry.services import household_bank_account_set
from tests.conftest import COUNTY, make_user

ACCOUNT = "6217002870012345678"


@pytest.fixture
def finance(regions):
    return make_user("finance", Role.FINANCE, regions[COUNTY])


def test_the_account_is_encrypted_in_the_database_and_read_back_plain(register, finance):
    h = register()
    household_bank_account_set(
        user=finance, household=h, bank_name="雷山县农村信用社", bank_account="6217 0028 7001 2345 678"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bank_account, bank_account_digest FROM registry_household WHERE id = %s", [h.pk]
        )
        stored, digest = cursor.fetchone()
    assert ACCOUNT not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert digest == crypto.digest(ACCOUNT)
    assert Household.objects.get(pk=h.pk).bank_account == ACCOUNT
    assert Household.objects.filter(bank_account_digest=crypto.digest(ACCOUNT)).count() == 1


def test_the_trail_keeps_the_account_masked(register, finance):
    h = register()
    household_bank_account_set(user=finance, household=h, bank_name="农行", bank_account=ACCOUNT)
    entry = AuditLog.objects.filter(root=f"registry.household:{h.pk}", changes__has_key="bank_account").get()
    assert ACCOUNT not in str(entry.changes) and "5678" in str(entry.changes)


@pytest.mark.parametrize("number", ["12345", "6217A02870012345678", "1" * 31])
def test_an_invalid_account_is_refused_and_nothing_changes(register, finance, number):
    h = register()
    with pytest.raises(ValidationError) as exc:
        household_bank_account_set(user=finance, household=h, bank_name="农行", bank_account=number)
    assert "12 至 30 位数字" in str(exc.value)
    assert Household.objects.get(pk=h.pk).bank_account == ""


def test_a_luhn_failing_account_is_accepted(register, finance):
    h = register()  # 存折 accounts carry no Luhn digit
    household_bank_account_set(user=finance, household=h, bank_name="邮储", bank_account="100000000000000001")
    assert Household.objects.get(pk=h.pk).bank_account == "100000000000000001"


def test_an_operator_may_not_set_an_account(register, users):
    h = register()
    with pytest.raises(PermissionDenied, match="登记一卡通账户"):
        household_bank_account_set(user=users["county"], household=h, bank_name="农行", bank_account=ACCOUNT)


def test_masked_outside_finance_roles(users, finance):
    assert Shown.for_reader(finance).value(BANK, ACCOUNT) == ACCOUNT
    assert Shown.for_reader(users["county"]).value(BANK, ACCOUNT) == "**** 5678"
    assert Shown.for_reader(users["national"]).value(BANK, ACCOUNT) == ACCOUNT


def test_check_deploy_refuses_the_development_keys(settings):
    with pytest.raises(SystemCheckError, match="JINGZHUN_FIELD_KEYS"):
        call_command("check", "--deploy", "--fail-level", "ERROR", tags=["security"])
    settings.FIELD_ENCRYPTION_KEYS = ["x9nXU8hC2Jq6eV0QhGkS3mB7yT4wZ1aL5rD8fP0cE2s="]
    settings.FIELD_DIGEST_KEY = "a-real-secret-digest-key-for-production-use"
    try:
        call_command("check", "--deploy", "--fail-level", "ERROR", tags=["security"])
    except SystemCheckError as exc:
        assert "JINGZHUN_FIELD" not in str(exc)


def test_many_accounts_decrypt_at_once_as_each_alone_under_rotated_keys_and_a_forged_one_is_refused(settings):
    from cryptography.fernet import Fernet

    old = settings.FIELD_ENCRYPTION_KEYS[0]
    numbers = [ACCOUNT, "", "6228480000123456789012", "62170", None, "6217" + "0" * 24]
    tokens = [crypto.encrypt(n) if n else n for n in numbers]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]  # a new key first: rotation
    tokens.append(crypto.encrypt("6217002870000000001"))
    expected = [crypto.decrypt(t) if t else "" for t in tokens]
    assert crypto.decrypt_many(tokens) == expected
    assert expected[0] == ACCOUNT and expected[-1] == "6217002870000000001"
    forged = tokens[0][:-8] + ("A" if tokens[0][-8] != "A" else "B") + tokens[0][-7:]
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt_many([tokens[2], forged])
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the key it was written with is gone
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt_many([tokens[0]])
