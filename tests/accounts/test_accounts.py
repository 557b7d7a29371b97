import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError

from jingzhun.accounts.services import user_create_or_reset
from jingzhun.core.models import AuditLog
from tests.conftest import PASSWORD


def test_login_works_and_lands_on_the_users_workbench(client, users):
    response = client.post("/accounts/login/", {"username": "town_a", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "工作台" in page and "丹江镇" in page and "/regions/522634100000/" in page


def test_repeated_failures_lock_the_account_for_that_address(client, users, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        page = client.post("/accounts/login/", {"username": "town_a", "password": "wrong"}).content.decode()
        assert "用户名或密码不正确" in page
    page = client.post("/accounts/login/", {"username": "town_a", "password": PASSWORD}).content.decode()
    assert "登录失败次数过多" in page
    assert "_auth_user_id" not in client.session


def test_pages_need_login(client, users):
    assert client.get("/households/").status_code == 302
    assert client.get("/households/").url.startswith("/accounts/login/")


def test_weak_passwords_are_refused(regions):
    with pytest.raises(ValidationError):
        user_create_or_reset(username="weak", password="12345678", role="viewer", region=None)


def test_account_creation_is_audited_without_the_password(regions):
    user = user_create_or_reset(username="newbie", password="Strong-pass-2026", role="viewer", region=None)
    entry = AuditLog.objects.get(root=f"accounts.user:{user.pk}")
    assert (
        entry.action == "create"
        and "password" not in entry.changes
        and entry.changes["role"] == [None, "viewer"]
    )


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "JINGZHUN_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-for-the-check-only-0123456789",
        "DJANGO_ALLOWED_HOSTS": "fupin.example.gov.cn",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "JINGZHUN_FIELD_KEYS": "o58sRq92OpxpiV8N2kjfHYV4RtfoVCrA1JHktnuXXUo=",  # personal data at rest: the deployment's own keys
        "JINGZHUN_FIELD_DIGEST_KEY": "a-long-random-production-digest-key-for-the-check-only",
    }
    done = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = {**os.environ, "JINGZHUN_ENV": "production", "DJANGO_SECRET_KEY": ""}
    done = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "DJANGO_SECRET_KEY" in done.stderr


def test_a_superuser_sees_the_create_and_import_links_whatever_its_role_field(client, regions):
    from jingzhun.accounts.models import User

    admin = User.objects.create_superuser("root", password="Strong-pass-2026")
    assert admin.role == "admin"
    User.objects.filter(pk=admin.pk).update(role="viewer")  # even if someone changes the field by hand
    admin.refresh_from_db()
    client.force_login(admin)
    page = client.get("/households/").content.decode()
    assert "/imports/" in page and "新建贫困户" in page
