"""Large exports of the household list in our layout leave the request for the job runner, as the national
layouts' do: the same file, the reader's masking, progress by persons (or rows, for the two-sheet workbook),
an audited download for the requester only."""

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from urllib.parse import quote

import pyarrow.parquet as pq
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from python_calamine import CalamineWorkbook

from jingzhun.accounts.choices import Role
from jingzhun.accounts.models import User
from jingzhun.core.models import AuditLog
from jingzhun.imports import export_jobs, national
from jingzhun.imports.layout import FLAT_COLUMNS, MEMBER_COLUMNS, MEMBER_SHEET
from jingzhun.imports.models import ExportJob
from tests.conftest import COUNTY, TOWN_A, make_user, run_worker
from tests.imports.test_national_export import _imported

ID_NUMBER = [c.header for c in FLAT_COLUMNS].index("公民身份号码")


def _content(path, fmt):
    """What a reader sees in the file: the CSV's bytes, the Parquet's table, the workbook's cells."""
    if fmt == "csv":
        return path.read_bytes()
    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _ids(path, fmt):
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))[1:]
        return [r[ID_NUMBER] for r in rows]
    if fmt == "parquet":
        return pq.read_table(path).column("公民身份号码").to_pylist()
    place = [c.header for c in MEMBER_COLUMNS].index("公民身份号码")
    return [row[place] for row in _content(path, fmt)[MEMBER_SHEET][1:]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_a_large_export_in_our_layout_runs_on_the_job_runner_and_gives_the_requests_file(
    client, tmp_path, users, settings, monkeypatch, fmt
):
    settings.MEDIA_ROOT = tmp_path / "media"
    _imported(tmp_path, users["county"], 3)
    client.force_login(users["county_viewer"])
    small = client.get(f"/households/export.{fmt}")  # 9 persons: written in the request
    assert small.status_code == 200 and not ExportJob.objects.exists()
    in_request = tmp_path / f"request.{fmt}"
    in_request.write_bytes(b"".join(small.streaming_content))

    monkeypatch.setattr(export_jobs, "IN_REQUEST", 5)  # too many for the request now
    monkeypatch.setattr(export_jobs, "IN_REQUEST_COLUMNAR", 5)
    response = client.get(f"/households/export.{fmt}")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/exports/{job.pk}/"
    assert (job.layout, job.format, job.full_personal_data) == ("ours", fmt, False)
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and "本系统格式" in page
    run_worker(settings.MEDIA_ROOT)
    job.refresh_from_db()
    rows = 12 if fmt == "xlsx" else 9  # the workbook writes its households' sheet first
    assert (job.status, job.households, job.persons, job.done, job.total) == ("done", 3, 9, rows, rows), (
        job.message
    )
    page = client.get(f"/imports/exports/{job.pk}/").content.decode()
    assert "下载（3 户，9 人）" in page
    assert ("已写出 12 / 12 行（先户，后人）" if fmt == "xlsx" else "已写出 9 / 9 人") in page

    assert os.stat(job.file.path).st_mode & 0o777 == 0o600  # personal data: the application's user only
    download = client.get(f"/imports/exports/{job.pk}/download")
    assert download["Content-Type"] == small["Content-Type"]  # what the request would have sent
    assert (
        download["Content-Disposition"].endswith(f".{fmt}")
        and quote("贫困户-雷山县") in download["Content-Disposition"]
    )
    from_job = tmp_path / f"job.{fmt}"
    from_job.write_bytes(b"".join(download.streaming_content))
    assert _content(from_job, fmt) == _content(in_request, fmt)
    ids = _ids(from_job, fmt)
    assert len(ids) == 9 and all("*" in i for i in ids)  # a viewer's file: masked as the request's was
    assert AuditLog.objects.filter(action="download", root=f"imports.exportjob:{job.pk}").count() == 1
    # another reader of the county may not have a file made for someone else
    client.force_login(make_user("other_viewer", Role.VIEWER, users["county"].region))
    assert client.get(f"/imports/exports/{job.pk}/download").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_an_export_in_full_stays_in_full_on_the_job_runner(client, tmp_path, users, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    _households, members = _imported(tmp_path, users["county"], 2)
    monkeypatch.setattr(export_jobs, "IN_REQUEST_COLUMNAR", 5)
    client.force_login(
        users["county"]
    )  # may reveal: asks for the ID numbers in full, to correct and re-import
    response = client.get("/households/export.csv", {"full": "1"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.full_personal_data and job.region_code == COUNTY
    run_worker(settings.MEDIA_ROOT)
    path = tmp_path / "full.csv"
    path.write_bytes(b"".join(client.get(f"/imports/exports/{job.pk}/download").streaming_content))
    given = national.MEMBER_HEADERS.index("证件号码")
    assert sorted(_ids(path, "csv")) == sorted(m[given] for m in members)  # in full, as the request would

    # another operator of the county, who may reveal too, did not ask for this file
    client.force_login(make_user("other_operator", Role.OPERATOR, users["county"].region))
    assert client.get(f"/imports/exports/{job.pk}/download").status_code == 403
    # the requester who has lost the right to reveal no longer gets what it gave
    User.objects.filter(pk=users["county"].pk).update(role=Role.VIEWER)
    client.force_login(users["county"])
    assert client.get(f"/imports/exports/{job.pk}/download").status_code == 403


@pytest.mark.django_db
def test_each_format_has_its_own_limit_for_the_request(client, tmp_path, users, monkeypatch):
    _imported(tmp_path, users["county"], 3)
    monkeypatch.setattr(
        export_jobs, "IN_REQUEST", 5
    )  # 9 persons: too many for a workbook or the national files
    monkeypatch.setattr(export_jobs, "IN_REQUEST_COLUMNAR", 9)  # just enough for our CSV and Parquet
    client.force_login(users["county_viewer"])
    assert client.get("/households/export.csv").status_code == 200
    assert client.get("/households/export.parquet").status_code == 200
    assert client.get("/households/export.xlsx").status_code == 302
    assert client.get("/households/export.csv", {"layout": "national"}).status_code == 302
    assert list(ExportJob.objects.order_by("pk").values_list("layout", "format")) == [
        ("ours", "xlsx"),
        ("national", "csv"),
    ]
    monkeypatch.setattr(export_jobs, "IN_REQUEST_COLUMNAR", 8)  # one person more than the limit
    assert client.get("/households/export.csv").status_code == 302


@pytest.mark.django_db
def test_the_export_list_leads_back_to_ones_own_background_exports(client, users, regions):
    client.force_login(users["county_viewer"])
    page = client.get("/imports/exports/").content.decode()
    assert "还没有在后台生成的导出" in page  # the empty state says what will appear here
    mine = export_jobs.export_queue(
        user=users["county_viewer"], filters={}, layout="ours", fmt="parquet", full_personal_data=False
    )
    theirs = export_jobs.export_queue(
        user=users["county"], filters={}, layout="national", fmt="csv", full_personal_data=True
    )
    page = client.get("/imports/exports/").content.decode()
    assert f"/imports/exports/{mine.pk}/" in page and "Parquet（每人一行）" in page
    assert (
        f"/imports/exports/{theirs.pk}/" not in page
    )  # another user's file, in full: not listed for a viewer
    assert "导出记录" in client.get("/households/").content.decode()  # found from the household list

    client.force_login(make_user("admin", Role.ADMIN, regions[COUNTY]))  # sees personal data in full: all
    page = client.get("/imports/exports/").content.decode()
    assert f"/imports/exports/{mine.pk}/" in page and f"/imports/exports/{theirs.pk}/" in page
    client.force_login(
        make_user("town_admin", Role.ADMIN, regions[TOWN_A])
    )  # the county's jobs: out of scope
    page = client.get("/imports/exports/").content.decode()
    assert "还没有在后台生成的导出" in page and f"/imports/exports/{mine.pk}/" not in page


@pytest.mark.django_db
def test_export_files_are_deleted_after_the_retention_period_and_the_job_says_so(
    client, tmp_path, users, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_RETENTION_DAYS = 7
    made = {
        name: _made(users["county_viewer"], name, days_ago) for name, days_ago in (("old", 8), ("recent", 1))
    }
    running = _made(users["county_viewer"], "running", None)  # started long ago, not finished: kept
    ExportJob.objects.filter(pk=running.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    old_path = made["old"].file.path

    out = io.StringIO()
    call_command("exports-purge", stdout=out)
    assert "已删除 1 个超过 7 天的导出文件" in out.getvalue()
    old, recent = (ExportJob.objects.get(pk=made[n].pk) for n in ("old", "recent"))
    assert not os.path.exists(old_path) and old.file.name == "" and os.path.exists(recent.file.path)
    client.force_login(users["county_viewer"])
    page = client.get(f"/imports/exports/{old.pk}/").content.decode()
    assert "文件已超过保存期限" in page and "/download" not in page
    assert client.get(f"/imports/exports/{old.pk}/download").status_code == 404
    assert "文件已过保存期限" in client.get("/imports/exports/").content.decode()
    assert client.get(f"/imports/exports/{recent.pk}/download").status_code == 200
    assert os.path.exists(ExportJob.objects.get(pk=running.pk).file.path)
    with pytest.raises(CommandError, match="天数不能为负数"):
        call_command("exports-purge", "--days", "-1")

    # no cron needed: each export job deletes the expired files before it writes its own
    stale = _made(users["county_viewer"], "stale", 9)
    job = export_jobs.export_queue(
        user=users["county_viewer"], filters={}, layout="ours", fmt="csv", full_personal_data=False
    )
    export_jobs.export_run(job, lambda done, total: None)
    assert ExportJob.objects.get(pk=stale.pk).file.name == "" and not os.path.exists(stale.file.path)
    assert ExportJob.objects.get(pk=job.pk).file.name  # its own file written


def _made(user, name, days_ago):
    """A background export of ``user``'s whose file was made ``days_ago`` (None: still running)."""
    job = export_jobs.export_queue(user=user, filters={}, layout="ours", fmt="csv", full_personal_data=False)
    job.file.save(f"{name}.csv", ContentFile(b"\xef\xbb\xbf..."), save=False)
    done = {"status": "running"} if days_ago is None else {
        "status": "done", "finished_at": timezone.now() - dt.timedelta(days=days_ago)
    }  # fmt: skip
    ExportJob.objects.filter(pk=job.pk).update(file=job.file.name, **done)
    return ExportJob.objects.get(pk=job.pk)


def test_a_retention_of_no_days_is_refused_at_start():
    env = {**os.environ, "JINGZHUN_EXPORT_RETENTION_DAYS": "0"}  # would delete each file at the next export
    done = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "JINGZHUN_EXPORT_RETENTION_DAYS 应为不小于 1 的天数" in done.stderr
