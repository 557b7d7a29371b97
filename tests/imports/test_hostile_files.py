"""Hostile files never take the service down: declared ranges and bombs are refused before parsing, an import
runs in a memory-limited child so the worker survives it, and a job whose process died is failed and retried."""

import os
import subprocess
import sys
import time
import zipfile

import pytest
from django.core.files.base import ContentFile

from jingzhun.core import jobs
from jingzhun.core.jobs import JobStatus
from jingzhun.imports.models import ImportJob
from jingzhun.imports.reader import FileRejected
from jingzhun.imports.services import import_file
from jingzhun.imports.template import write_template
from jingzhun.registry.models import Household
from jingzhun.reports.models import ReportJob
from jingzhun.reports.tasks import build_report
from tests.conftest import TOWN_A, run_worker

SHEET = "xl/worksheets/sheet3.xml"  # the template's 登记表 (one row per person)


def hostile(tmp_path, sheet_xml: bytes, name="hostile.xlsx") -> "os.PathLike":
    """A real workbook of ours whose data sheet is replaced by ``sheet_xml``."""
    template = tmp_path / "template.xlsx"
    write_template(template, flat=True)
    path = tmp_path / name
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        names = [n for n in src.namelist() if n.startswith("xl/worksheets/sheet")]
        target = max(names)
        for item in src.infolist():
            out.writestr(item, sheet_xml if item.filename == target else src.read(item.filename))
    return path


def sheet(body: bytes, dimension: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dimension
        + b"<sheetData>"
        + body
        + b"</sheetData></worksheet>"
    )


def test_a_declared_range_to_xfd1048576_is_refused_before_parsing(tmp_path, users):
    path = hostile(
        tmp_path,
        sheet(
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>',
            b'<dimension ref="A1:XFD1048576"/>',
        ),
    )
    assert path.stat().st_size < 20_000
    started = time.perf_counter()
    with pytest.raises(FileRejected, match="16,384 列"):
        import_file(user=users["county"], path=path)
    assert time.perf_counter() - started < 5 and Household.objects.count() == 0
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED and "16,384 列" in job.message


def test_one_cell_at_the_far_corner_is_refused_without_a_dimension(tmp_path, users):
    path = hostile(
        tmp_path, sheet(b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')
    )
    with pytest.raises(FileRejected, match="使用的单元格"):
        import_file(user=users["county"], path=path)


def test_a_compression_bomb_is_refused_by_what_it_would_unpack_to(tmp_path, users, settings):
    row = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></is></c></row>'
    path = hostile(tmp_path, sheet(row * 200_000))  # ~19 MB of XML in a few hundred KB
    assert path.stat().st_size < 1_000_000
    with pytest.raises(FileRejected, match="压缩比异常"):
        import_file(user=users["county"], path=path)
    settings.IMPORT_MAX_UNPACKED_BYTES = 5 * 2**20
    with pytest.raises(FileRejected, match="解压后"):
        import_file(user=users["county"], path=path)


def test_not_a_zip_with_an_xlsx_name_is_refused(tmp_path, users):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook" * 10)
    with pytest.raises(FileRejected, match="不是有效的电子表格"):
        import_file(user=users["county"], path=path)


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_a_job_whose_process_died_is_failed_when_noticed_and_can_be_retried(
    client, users, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = ImportJob(user=users["county"], region_code="522634000000", original_name="a.csv", mode="all")
    job.file.save("a.csv", ContentFile(b"x"), save=False)
    job.status = JobStatus.RUNNING
    job.worker = f"{jobs.this_worker().rpartition(':')[0]}:{_dead_pid()}"  # this host, a gone pid
    job.save()
    alive = ImportJob.objects.create(  # this very process: alive, left alone
        user=users["county"], region_code="522634000000", original_name="b.csv", status=JobStatus.RUNNING,
        worker=jobs.this_worker(),
    )  # fmt: skip
    client.force_login(users["county"])
    page = client.get(f"/imports/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "意外中止" in page and "重试" in page
    alive.refresh_from_db()
    assert alive.status == JobStatus.RUNNING
    client.force_login(users["county_viewer"])  # not the importer
    assert client.post(f"/imports/{job.pk}/retry/").status_code == 403
    client.force_login(users["county"])
    assert client.post(f"/imports/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.message == ""


def test_another_hosts_job_is_failed_when_its_heartbeat_stops(users, settings):
    from django.utils import timezone

    report = ReportJob.objects.create(
        user=users["county"], region_id=TOWN_A, kind="township_book", year=2015, status=JobStatus.RUNNING,
        worker="elsewhere:123", heartbeat_at=timezone.now(),
    )  # fmt: skip
    assert jobs.reap(ReportJob) == 0
    ReportJob.objects.filter(pk=report.pk).update(
        heartbeat_at=timezone.now() - timezone.timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    )
    assert jobs.reap(ReportJob) == 1
    report.refresh_from_db()
    assert report.status == JobStatus.FAILED and "意外中止" in report.message


@pytest.mark.django_db(transaction=True)
def test_a_file_that_overwhelms_its_process_never_stops_the_queue(tmp_path, users, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "small.csv"
    path.write_text("户编号\n1\n", encoding="utf-8")
    job = ImportJob(user=users["county"], region_code="522634000000", original_name="small.csv", mode="all")
    job.file.save("small.csv", ContentFile(path.read_bytes()), save=True)
    from jingzhun.imports.tasks import run_import

    run_import.enqueue(job.pk)
    report = ReportJob.objects.create(user=users["county"], region_id=TOWN_A, kind="township_book", year=2015)
    build_report.enqueue(report.pk)
    monkeypatch.setenv("JINGZHUN_JOB_MEMORY_LIMIT_MB", "64")  # no import can live in that: the child dies
    run_worker(settings.MEDIA_ROOT)
    job.refresh_from_db()
    report.refresh_from_db()
    assert job.status == JobStatus.FAILED and "处理进程" in job.message and "重试" in job.message
    assert report.status == JobStatus.DONE  # the worker lived on and ran the next job


def test_a_prefixed_sheet_outside_the_usual_folder_is_judged_too(tmp_path, users):
    template = tmp_path / "template.xlsx"
    write_template(template, flat=True)
    path = tmp_path / "moved.xlsx"
    body = b'<x:row r="1"><x:c r="KA1" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></x:row>'
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item.filename))
        out.writestr(
            "xl/elsewhere/sheet9.xml",
            b'<x:worksheet xmlns:x="urn:x"><x:sheetData>' + body + b"</x:sheetData></x:worksheet>",
        )
    with pytest.raises(FileRejected, match="第 287 列"):
        import_file(user=users["county"], path=path)
