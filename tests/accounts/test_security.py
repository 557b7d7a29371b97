"""The 等保 level-3 baseline: demo passwords refused in production, own password changes, accounts kept by a
security administrator within its region, an auditor who reads the trail, an append-only trail, slowed
spraying, idle timeout, an optional second factor, and the API schema behind login in production."""

import datetime as dt
import time

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from jingzhun.accounts.choices import Role
from jingzhun.accounts.demo import DEMO_PASSWORD
from jingzhun.accounts.models import User
from jingzhun.core.models import AuditLog, AuditTrailImmutable
from tests.conftest import COUNTY, PASSWORD, TOWN_A, VILLAGE_B, make_user

NEW_PASSWORD = "Another-pass-2026"


@pytest.fixture
def security(regions):
    return make_user("security", Role.SECURITY, regions[COUNTY])


@pytest.fixture
def auditor(regions):
    return make_user("auditor", Role.AUDITOR, regions[COUNTY])


def login(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def test_the_demo_password_does_not_log_in_in_production(client, regions, settings):
    user = make_user("county_demo", Role.OPERATOR, regions[COUNTY])
    user.set_password(DEMO_PASSWORD)
    user.save()
    assert login(client, "county_demo", DEMO_PASSWORD).status_code == 302  # development: the demo works
    client.logout()
    settings.PRODUCTION = True
    page = login(client, "county_demo", DEMO_PASSWORD).content.decode()
    assert "演示账号和演示密码在生产环境中不能使用" in page and "_auth_user_id" not in client.session
    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/", {"username": "county_demo", "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 400 and "token" not in response.json()


def test_a_user_changes_their_own_password_audited(client, users):
    client.force_login(users["town_a"])
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    users["town_a"].refresh_from_db()
    assert users["town_a"].check_password(NEW_PASSWORD)
    entry = AuditLog.objects.get(model="accounts.user", object_id=str(users["town_a"].pk), action="update")
    assert entry.changes == {"password": [None, "本人修改"]} and NEW_PASSWORD not in str(entry.changes)


def test_the_security_administrator_keeps_accounts_in_its_region_only(client, users, security):
    client.force_login(security)
    page = client.get("/accounts/users/").content.decode()
    assert "town_a" in page and "national" not in page  # the county's accounts, not the country's
    response = client.post(
        "/accounts/users/new/",
        {"username": "xj_clerk", "first_name": "西江录入", "role": "operator", "region_code": "522634101",
         "password": "Initial-pass-2026"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    clerk = User.objects.get(username="xj_clerk")
    assert clerk.region_id == "522634101000" and clerk.must_change_password
    assert AuditLog.objects.filter(model="accounts.user", object_id=str(clerk.pk), action="create").exists()
    page = client.post(
        "/accounts/users/new/",
        {
            "username": "outsider",
            "role": "operator",
            "region_code": "520102",
            "password": "Initial-pass-2026",
        },
    ).content.decode()
    assert "不在您的管辖范围内" in page and not User.objects.filter(username="outsider").exists()
    assert client.get(f"/accounts/users/{users['national'].pk}/").status_code == 404

    # the new clerk must change the password first; then works
    other = type(client)()
    assert login(other, "xj_clerk", "Initial-pass-2026").status_code == 302
    assert other.get("/households/").url == "/accounts/password/"
    other.post(
        "/accounts/password/",
        {"old_password": "Initial-pass-2026", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert other.get("/households/").status_code == 200

    client.post(f"/accounts/users/{clerk.pk}/active/", {"active": "0"})  # 停用
    other.logout()
    assert "_auth_user_id" not in (login(other, "xj_clerk", NEW_PASSWORD) and other.session)
    client.post(f"/accounts/users/{clerk.pk}/active/", {"active": "1"})
    client.post(f"/accounts/users/{clerk.pk}/reset/", {"password": "Reset-pass-2026x"})
    clerk.refresh_from_db()
    assert clerk.is_active and clerk.check_password("Reset-pass-2026x") and clerk.must_change_password
    actions = list(
        AuditLog.objects.filter(object_id=str(clerk.pk), model="accounts.user").values_list(
            "action", flat=True
        )
    )
    assert actions.count("update") >= 4  # own change, deactivate, activate, reset
    assert not any("Reset-pass" in str(e.changes) for e in AuditLog.objects.filter(object_id=str(clerk.pk)))


def test_duties_are_separate(client, users, security, auditor):
    for user in (users["national"], users["county"], auditor):  # the system administrator included
        client.force_login(user)
        assert client.get("/accounts/users/").status_code == 403
    for user in (users["national"], users["county"], security):
        client.force_login(user)
        assert client.get("/accounts/audit/").status_code == 403
    for user in (security, auditor):  # neither reads households
        client.force_login(user)
        assert client.get("/households/").status_code == 200
        assert "杨文明" not in client.get("/households/").content.decode()


def test_the_auditor_reads_the_regions_trail_with_personal_data_masked(client, users, auditor, register):
    from jingzhun.registry import services

    h = register(phone="13812345678")
    services.household_update(user=None, household=h, data={"phone": "13987654321"})
    register(region=VILLAGE_B)
    client.force_login(auditor)
    page = client.get("/accounts/audit/").content.decode()
    assert "联系电话" in page and "139****4321" in page and "13987654321" not in page
    assert f"贫困户：{h}" in page and "registry.household #" not in page  # the record by its name, in words
    assert (
        client.get("/accounts/audit/?action=nonsense").status_code == 200
    )  # a bad filter is shown, not a 500
    assert client.get("/accounts/audit/?older=abc").status_code == 200


def test_the_audit_trail_is_append_only(users, register, tmp_path):
    register()
    entry = AuditLog.objects.first()
    entry.object_repr = "tampered"
    with pytest.raises(AuditTrailImmutable):
        entry.save()
    with pytest.raises(AuditTrailImmutable):
        AuditLog.objects.filter(pk=entry.pk).update(object_repr="tampered")
    with pytest.raises(AuditTrailImmutable):
        AuditLog.objects.filter(pk=entry.pk).delete()
    if connection.vendor == "postgresql":  # the database itself refuses, whatever the client
        from django.db import DatabaseError, transaction

        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditlog SET object_repr = 'tampered' WHERE id = %s", [entry.pk])
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [entry.pk])
    with pytest.raises(CommandError, match="至少保存"):
        call_command("audit-purge", before=dt.date.today().isoformat(), archive=str(tmp_path / "a.jsonl.gz"))
    assert AuditLog.objects.filter(pk=entry.pk).exists()
    old = AuditLog(actor_label="system", source="test", action="create", model="x", object_id="1", root="x:1",
                   at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))  # fmt: skip
    old.save()
    call_command("audit-purge", before="2021-01-01", archive=str(tmp_path / "a.jsonl.gz"), verbosity=0)
    assert not AuditLog.objects.filter(pk=old.pk).exists() and AuditLog.objects.filter(pk=entry.pk).exists()
    import gzip

    with gzip.open(tmp_path / "a.jsonl.gz", "rt") as archived:
        assert '"object_id": "1"' in archived.read()
    from jingzhun.core.models import AuditPurge

    assert AuditPurge.objects.get().entries == 1  # the purge itself is on record


def test_spraying_from_one_address_slows_down_without_locking_anyone(client, users, settings):
    settings.LOGIN_ADDRESS_FREE_FAILURES = 3
    for name in ("a1", "a2", "a3", "a4"):
        login(client, name, "wrong")
    page = login(client, "town_a").content.decode()  # a colleague behind the same address
    assert "秒后再试" in page and "_auth_user_id" not in client.session
    from django.core.cache import cache

    key = "login-fail-address:127.0.0.1"
    failures, last = cache.get(key)
    cache.set(key, (failures, last - 120))  # the short wait has passed
    assert login(client, "town_a").status_code == 302  # not locked out


def test_an_idle_session_is_logged_out(client, users, settings):
    client.force_login(users["town_a"])
    assert client.get("/households/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get("/households/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_administrator_turns_on_a_second_factor(client, users):
    admin = users["national"]
    client.force_login(admin)
    page = client.get("/accounts/second-factor/").content.decode()
    assert "<svg" in page
    secret = client.session["totp_pending"]
    assert (
        "不正确"
        in client.post("/accounts/second-factor/", {"otp": "000000", "password": PASSWORD}).content.decode()
    )
    page = client.post("/accounts/second-factor/", {"otp": pyotp.TOTP(secret).now(), "password": "wrong"})
    assert "密码不正确" in page.content.decode()  # a borrowed session is not enough
    from django.core.cache import cache

    cache.clear()
    client.post("/accounts/second-factor/", {"otp": pyotp.TOTP(secret).now(), "password": PASSWORD})
    admin.refresh_from_db()
    assert admin.has_second_factor
    assert AuditLog.objects.filter(object_id=str(admin.pk), changes__second_factor=[True, True]).exists() or (
        AuditLog.objects.filter(object_id=str(admin.pk), model="accounts.user").exists()
    )
    other = type(client)()
    assert "请输入验证器上的 6 位动态验证码" in login(other, "national").content.decode()
    code = pyotp.TOTP(secret).now()
    cache.clear()  # the code used to turn it on, a moment ago
    assert login(other, "national", otp=code).status_code == 302
    other.logout()
    assert "动态验证码不正确" in login(other, "national", otp=code).content.decode()  # no replay
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "national", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403  # tokens would bypass the second factor


def test_the_api_schema_needs_a_login_in_production(client, users, settings):
    assert client.get("/api/schema/").status_code == 200
    settings.PRODUCTION = True
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    client.force_login(users["town_a"])
    assert client.get("/api/schema/").status_code == 200


def test_a_village_operator_is_not_offered_the_security_pages(client, users, regions):
    client.force_login(users["village_a"])
    page = client.get("/households/").content.decode()
    assert "/accounts/users/" not in page and "/accounts/audit/" not in page
    assert "/accounts/password/" in page
    assert TOWN_A  # the fixture's regions are loaded


def test_the_security_administrator_cannot_appoint_its_peers_or_keep_itself(client, users, security, regions):
    client.force_login(security)
    page = client.post(
        "/accounts/users/new/",
        {"username": "peer", "role": "security", "region_code": "522634", "password": "Initial-pass-2026"},
    ).content.decode()
    assert "只能为下级区划设立" in page and not User.objects.filter(username="peer").exists()
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "town_sec",
            "role": "security",
            "region_code": "522634100",
            "password": "Initial-pass-2026",
        },
    )
    assert response.status_code == 302  # a township's security administrator: appointed from above
    assert client.post(
        f"/accounts/users/{security.pk}/reset/", {"password": "Reset-pass-2026x"}
    ).status_code in (403, 404)
    peer_auditor = make_user("peer_auditor", Role.AUDITOR, regions[COUNTY])
    assert (
        client.post(f"/accounts/users/{peer_auditor.pk}/reset/", {"password": "Reset-pass-2026x"}).status_code
        == 403
    )


def test_bad_account_input_is_explained_not_a_server_error(client, users, security):
    assert client.post("/accounts/login/", {"username": "town_a"}).status_code == 200  # no password
    client.force_login(security)
    page = client.post(
        "/accounts/users/new/",
        {"username": "weak", "role": "viewer", "region_code": "522634", "password": "12345678"},
    ).content.decode()
    assert "errorlist" in page and not User.objects.filter(username="weak").exists()
    town_a = users["town_a"]
    client.post(
        f"/accounts/users/{town_a.pk}/",
        {"first_name": "丹江录入", "role": "viewer", "region_code": "522634100"},
    )
    entry = AuditLog.objects.filter(model="accounts.user", object_id=str(town_a.pk)).latest("id")
    assert entry.changes["role"] == ["operator", "viewer"]  # the change is in the trail, before and after


def test_the_admin_site_signs_in_through_the_platforms_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_account_that_must_change_its_password_gets_no_token(users):
    User.objects.filter(pk=users["town_a"].pk).update(must_change_password=True)
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "town_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403


def test_logins_and_exports_are_on_the_auditors_page(client, users, auditor):
    login(client, "town_a", "wrong")
    login(client, "town_a")
    client.get("/households/export.csv?full=1")  # an entry of facts, not of changes
    client.force_login(auditor)
    page = client.get("/accounts/audit/").content.decode()
    assert "登录失败" in page and "登录" in page and "导出" in page
    assert AuditLog.objects.filter(action="login_failed", actor=users["town_a"], ip="127.0.0.1").exists()
