"""Every import keeps its file, and the history of a household it registered points at the file's rows: an
auditor can go from the household to the job, and (with a role that sees full ID numbers) to the file."""

import pytest
from django.core.management import CommandError, call_command

from jingzhun.accounts.choices import Role
from jingzhun.core.jobs import JobStatus
from jingzhun.core.models import AuditLog
from jingzhun.imports.models import ImportJob
from jingzhun.registry.models import Household
from tests.conftest import COUNTY, TOWN_A, make_user
from tests.imports.test_columnar import COL, _households, _write, flat_rows


@pytest.fixture
def imported(tmp_path, users, settings):
    """Three households imported by the county operator from the command line (one row per person)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    items = _households(3)
    rows = [row for item in items for row in flat_rows(item)]
    path = _write(tmp_path / "雷山县-2016.csv", rows)
    call_command("import", str(path), user="county", verbosity=0)
    return path, items


def test_a_command_import_is_kept_as_a_job_with_its_file(imported):
    path, items = imported
    job = ImportJob.objects.get()
    assert (job.status, job.created, job.user.username) == (JobStatus.DONE, 3, "county")
    assert job.region_code == "522634000000" and job.original_name == path.name
    assert job.file.open("rb").read() == path.read_bytes()  # the file as it was imported, kept in storage
    assert job.persons == sum(len(i["members"]) for i in items)


def test_the_household_history_names_the_job_and_rows(client, users, imported):
    job = ImportJob.objects.get()
    first = Household.objects.get(members__id_number=imported[1][0]["members"][0]["id_number"])
    entry = AuditLog.objects.get(root=f"registry.household:{first.pk}", action="create")
    assert entry.actor == users["county"]
    size = len(imported[1][0]["members"])
    assert entry.changes["import"][1] == {"job": job.pk, "file": job.original_name, "rows": [2, 1 + size]}
    client.force_login(users["county_viewer"])
    page = client.get(f"/households/{first.pk}/").content.decode()
    assert f"导入任务 #{job.pk}《{job.original_name}》第 2–{1 + size} 行" in page


def test_the_file_is_for_its_importer_and_roles_that_see_full_id_numbers(client, users, imported, regions):
    job = ImportJob.objects.get()  # imported by the county operator
    colleague = make_user("county2", Role.OPERATOR, regions[COUNTY])  # may reveal one household at most
    for user in (users["county_viewer"], colleague):
        client.force_login(user)
        assert "下载导入的原文件" not in client.get(f"/imports/{job.pk}/").content.decode()
        assert client.get(f"/imports/{job.pk}/file").status_code == 403
    client.force_login(users["town_b"])  # another township: the county's job is outside their scope
    assert client.get(f"/imports/{job.pk}/file").status_code == 404
    for user in (users["county"], users["national"]):
        client.force_login(user)
        assert "下载导入的原文件" in client.get(f"/imports/{job.pk}/").content.decode()
        response = client.get(f"/imports/{job.pk}/file")
        assert b"".join(response.streaming_content) == imported[0].read_bytes()
        assert AuditLog.objects.filter(action="download", root=f"imports.job:{job.pk}", actor=user).exists()


def test_a_refused_file_is_recorded_on_its_job(tmp_path, users, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "wrong.csv"
    path.write_text("甲,乙\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import", str(path), user="county", verbosity=0)
    job = ImportJob.objects.get()
    assert job.status == JobStatus.FAILED and job.message and Household.objects.count() == 0


def test_a_command_import_with_errors_keeps_its_report_on_the_job(tmp_path, users, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [row for item in _households(2) for row in flat_rows(item)]
    rows[0][COL["所在村区划代码"]] = TOWN_A  # a township, not a village
    path = _write(tmp_path / "有错.csv", rows)
    with pytest.raises(CommandError, match="错误报告"):
        call_command("import", str(path), user="county", verbosity=0)
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE and job.failed == 1 and "错误报告" in job.message
    assert job.report and job.report.open("rb").read() == (tmp_path / "有错-错误报告.xlsx").read_bytes()
    assert Household.objects.count() == 0  # all-or-nothing
