"""Imports as users run them: upload, the task worker, progress, the report; exports in three formats;
and an import process killed halfway leaves whole households only and can be resumed."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from jingzhun.analytics.models import RegionFigures
from jingzhun.core.models import AuditLog
from jingzhun.imports import export
from jingzhun.imports.layout import HOUSEHOLD_SHEET
from jingzhun.imports.models import ImportJob
from jingzhun.imports.services import import_file
from jingzhun.registry.models import Household, Member
from tests.conftest import live_database_url, run_worker
from tests.imports.test_import_export import _new_household_tables, wipe_registry, write_book

pytestmark = pytest.mark.django_db(transaction=True)


def upload(client, path, mode="all", **extra):
    with open(path, "rb") as fh:
        data = {"file": SimpleUploadedFile(path.name, fh.read()), "mode": mode, **extra}
    return client.post("/imports/", data)


def test_upload_is_imported_by_the_worker_with_progress(client, users, tmp_path, settings):
    """A national administrator's historical load of a registered household, run by the worker."""
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(users["national"])
    tables = _new_household_tables()
    header = tables[HOUSEHOLD_SHEET][0]
    tables[HOUSEHOLD_SHEET][1][header.index("状态")] = "在册"
    tables[HOUSEHOLD_SHEET][1][header.index("识别年度")] = 2016
    response = upload(client, write_book(tmp_path / "new.xlsx", tables), history_year=2016)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert "排队中" in client.get(response["Location"]).content.decode()
    run_worker(settings.MEDIA_ROOT)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "成功" in page and 'class="created">1<' in page
    assert Household.objects.get().members.get().name == "杨文明"
    job.refresh_from_db()
    assert job.read_progress() == (1, 1) and job.created == 1 and job.history_year == 2016
    assert Household.objects.get().status_changes.get().business_year == 2016
    # the import queued a rollup, which the same worker ran: the county's dashboard counts the new household
    assert RegionFigures.objects.get(code="522634000000").figures["households"] == 1


def test_a_failed_import_offers_its_error_report(client, users, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(users["county"])
    upload(client, write_book(tmp_path / "bad.xlsx", _new_household_tables(id_number="522634198001010031")))
    run_worker(settings.MEDIA_ROOT)
    job = ImportJob.objects.get()
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "下载错误报告" in page and "未保存任何数据" in page and "未保存任何内容：1 户有错误" in page
    listed = client.get("/imports/").content.decode()  # the job list tells it apart from a success
    assert "outcome-nothing" in listed and "outcome-success" not in listed
    report = client.get(f"/imports/{job.pk}/report.xlsx")
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"".join(report.streaming_content))
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("家庭成员").to_python()
    assert sheet[0][-1] == "错误原因" and "校验位" in sheet[1][-1]
    assert Household.objects.count() == 0


def test_import_pages_respect_roles_and_scope(client, users, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(users["county_viewer"])
    assert client.get("/imports/").status_code == 403
    client.force_login(users["town_a"])
    upload(client, write_book(tmp_path / "a.xlsx", _new_household_tables()))
    job = ImportJob.objects.get()
    client.force_login(users["town_b"])
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    page = client.post(
        "/imports/", {"file": SimpleUploadedFile("x.txt", b"hello"), "mode": "all"}
    ).content.decode()
    assert "请上传 .xlsx 或 .csv 文件" in page


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "parquet"])
def test_list_exports_in_every_format(client, users, register, fmt):
    register()
    client.force_login(users["county"])
    response = client.get(f"/households/export.{fmt}?status=registered")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert len(body) > 100
    assert client.get("/households/export.exe").status_code == 404


def test_killing_an_import_leaves_whole_households_and_it_resumes(tmp_path, regions):
    call_command("demo-data", region="522634", households=1200, seed=4, years="2016", verbosity=0)
    path = tmp_path / "big.csv"
    export.write_csv(path, Household.objects.all(), mask=False)
    persons = Member.objects.filter(is_active=True).count()
    wipe_registry()
    url = live_database_url()
    cmd = [
        sys.executable,
        "-m",
        "jingzhun.cli",
        "import",
        str(path),
        "--mode",
        "valid",
        "--batch",
        "50",  # small batches: many commits, so that the kill lands between two of them
        "--history-year",
        "2016",  # the demo's statuses come back as they were
        "-v0",
    ]
    proc = subprocess.Popen(
        cmd, env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while Household.objects.count() == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    committed = Household.objects.count()
    assert 0 < committed < 1200, "the kill should land mid-import"
    assert committed % 50 == 0  # whole batches only
    assert not Household.objects.filter(members__isnull=True).exists()  # no household without its members
    done = subprocess.run(cmd, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert Household.objects.count() == 1200 and Member.objects.filter(is_active=True).count() == persons
    assert (
        f"无变化 {committed:,} 户" in done.stdout.replace("\u00a0", " ")
        or f"无变化 {committed} 户" in done.stdout
    )


def test_operators_can_export_full_ids_to_correct_and_reimport(client, users, register, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    register()
    client.force_login(users["county"])
    masked = tmp_path / "masked.xlsx"
    masked.write_bytes(b"".join(client.get("/households/export.xlsx").streaming_content))
    result = import_file(user=users["county"], path=masked)
    assert any("脱敏" in e for g in result.failed_groups for e in g.errors)
    full = tmp_path / "full.xlsx"
    full.write_bytes(b"".join(client.get("/households/export.xlsx?full=1").streaming_content))
    assert import_file(user=users["county"], path=full).unchanged == 1
    assert AuditLog.objects.filter(action="export", actor=users["county"], changes__masked=False).exists()
    client.force_login(users["county_viewer"])
    assert client.get("/households/export.xlsx?full=1").status_code == 403


def test_the_outcome_tells_success_partial_nothing_and_failure_apart(users):
    from jingzhun.core.jobs import JobStatus

    def outcome(**counts):
        return ImportJob(user=users["county"], original_name="x.xlsx", **counts).outcome

    assert outcome(status=JobStatus.DONE, created=3) == ("success", "成功")
    assert outcome(status=JobStatus.DONE, created=2, updated=1, failed=4) == (
        "partial", "部分保存：已保存 3 户，4 户有错误未保存"
    )  # fmt: skip
    assert outcome(status=JobStatus.DONE, failed=2)[0] == "nothing"
    assert outcome(status=JobStatus.FAILED)[0] == "failed"
