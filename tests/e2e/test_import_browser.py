"""A county operator imports a spreadsheet in the browser and watches it finish, with the real task worker."""

import threading

import pytest

from jingzhun.registry.models import Household
from tests.conftest import run_worker
from tests.e2e.test_registry_browser import login
from tests.imports.test_import_export import _new_household_tables, write_book

pytestmark = pytest.mark.e2e


def test_upload_then_progress_updates_by_itself(phone, live_server, users, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_book(tmp_path / "登记表.xlsx", _new_household_tables())
    login(phone, live_server, "county")
    phone.goto(f"{live_server.url}/imports/")
    assert "下载导入模板" in phone.inner_text("main")
    phone.set_input_files("#id_file", str(path))
    with phone.expect_navigation():
        phone.click("text=开始导入")
    assert "排队中" in phone.inner_text("#progress")
    worker = threading.Thread(target=run_worker, args=(settings.MEDIA_ROOT,))
    worker.start()
    phone.wait_for_selector("#progress .status:has-text('成功')", timeout=60_000)  # htmx polls every second
    worker.join()
    assert "新增\n1" in phone.inner_text("#progress")
    assert Household.objects.get().head_name == "杨文明"
