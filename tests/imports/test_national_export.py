"""The national layouts' export (issue 23): column-wise, the bank columns by the reader's permission, large
lists on the job runner with progress and an audited download."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from jingzhun.accounts.choices import Role
from jingzhun.core.models import AuditLog
from jingzhun.imports import export_jobs, national
from jingzhun.imports.models import ExportJob, ImportJob
from jingzhun.imports.services import BANK_NOT_STORED, import_file
from jingzhun.registry.models import Household, Member
from tests.conftest import COUNTY, make_user, run_worker
from tests.imports.test_national import _cells_of, _export_pair, _pair, _village

ACCOUNT = national.HOUSEHOLD_HEADERS.index("银行卡号")
BANK = national.HOUSEHOLD_HEADERS.index("开户银行名称")


def _households(cells, fmt):
    return cells[f"{national.HOUSEHOLD_SHEET}.csv" if fmt == "csv" else national.HOUSEHOLD_SHEET]


def _imported(tmp_path, user, count, encoding="gbk"):
    """(household rows, member rows) of a village of ``count`` households in the national files, imported by
    ``user``."""
    households, members = _village(count)
    h_path, m_path = _pair(tmp_path, households, members, encoding=encoding)
    assert import_file(user=user, path=h_path, member_path=m_path).ok
    return households, members


def _import_again(path, tmp_path, user):
    """Import an export in the national layouts as it is: the .zip's two CSVs, or the workbook."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp_path / path.stem)
        h_path, m_path = (
            tmp_path / path.stem / f"{s}.csv" for s in (national.HOUSEHOLD_SHEET, national.MEMBER_SHEET)
        )
        assert import_file(user=user, path=h_path, member_path=m_path).ok
    else:
        assert import_file(user=user, path=path).ok


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_bank_accounts_are_exported_in_full_for_finance_and_masked_for_others(
    client, tmp_path, users, regions, fmt
):
    households, _members = _imported(tmp_path, users["national"], 2, encoding="gb18030")  # may set accounts
    finance = make_user("finance", Role.FINANCE, regions[COUNTY])
    suffix = "zip" if fmt == "csv" else "xlsx"

    client.force_login(finance)  # pays to the accounts: sees them in full, but not ID numbers
    rows = _households(_cells_of(_export_pair(client, tmp_path, fmt, f"finance.{suffix}")), fmt)
    given = {r[national.HOUSEHOLD_HEADERS.index("户编号")]: r for r in households}
    for row in rows[1:]:
        source = given[row[national.HOUSEHOLD_HEADERS.index("户编号")]]
        assert (row[BANK], row[ACCOUNT]) == (source[BANK], source[ACCOUNT])
        assert "*" in row[national.HOUSEHOLD_HEADERS.index("户主证件号码")]
    entry = AuditLog.objects.filter(action="export").latest(
        "pk"
    )  # the trail says the accounts went out in full
    assert (entry.changes["masked"], entry.changes["bank_in_full"]) == (True, True)

    client.force_login(users["county_viewer"])  # neither: the last four digits only
    rows = _households(_cells_of(_export_pair(client, tmp_path, fmt, f"viewer.{suffix}")), fmt)
    assert [r[ACCOUNT] for r in rows[1:]] == ["**** 0000", "**** 0001"]
    assert AuditLog.objects.filter(action="export").latest("pk").changes["bank_in_full"] is False
    assert all(r[BANK] == "贵州省农村信用社" for r in rows[1:])

    # finance's file round-trips the accounts: imported again by finance, they are stored as they were
    client.force_login(users["national"])
    full = _export_pair(client, tmp_path, fmt, f"full.{suffix}")
    Household.objects.all().delete()
    _import_again(full, tmp_path, users["national"])
    stored = sorted(Household.objects.values_list("bank_account", flat=True))
    assert stored == ["6217000000000000000", "6217000000000000001"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_text_is_guarded_in_the_national_csv_and_imports_back_as_it_was(
    client, tmp_path, users, fmt
):
    _imported(tmp_path, users["national"], 1, encoding="gb18030")
    planted = {"name": '=HYPERLINK("http://evil","x")', "employer": "+1+1", "work_place": "@SUM(1,2)"}
    head = Member.objects.get(relationship="head")
    Member.objects.filter(pk=head.pk).update(**planted)
    Household.objects.update(bank_name="=cmd|' /C calc'!A0")
    suffix = "zip" if fmt == "csv" else "xlsx"

    client.force_login(users["national"])
    path = _export_pair(client, tmp_path, fmt, f"planted.{suffix}")
    cells = _cells_of(path)
    people = cells[f"{national.MEMBER_SHEET}.csv" if fmt == "csv" else national.MEMBER_SHEET]
    row = next(r for r in people[1:] if r[national.MEMBER_HEADERS.index("与户主关系")] == "户主")
    bank = _households(cells, fmt)[1][BANK]
    shown = (
        row[national.MEMBER_HEADERS.index("姓名")],
        row[national.MEMBER_HEADERS.index("务工所在地")],
        bank,
    )
    if fmt == "csv":  # an apostrophe before what a spreadsheet would run
        assert shown == ("'" + planted["name"], "'" + planted["work_place"], "'=cmd|' /C calc'!A0")
    else:  # text cells with Excel's quote prefix: the value as it is
        assert shown == (planted["name"], planted["work_place"], "=cmd|' /C calc'!A0")

    Household.objects.all().delete()  # the file imports back as it was: the apostrophes taken off
    _import_again(path, tmp_path, users["national"])
    head = Member.objects.get(relationship="head")
    assert (head.name, head.employer, head.work_place) == tuple(planted.values())
    assert Household.objects.get().bank_name == "=cmd|' /C calc'!A0"


def test_an_importer_who_may_not_set_accounts_is_told_they_were_not_stored(tmp_path, users):
    households, members = _village(1)
    h_path, m_path = _pair(tmp_path, households, members)
    result = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert result.ok and result.notices == [BANK_NOT_STORED]
    assert ImportJob.objects.get().message == BANK_NOT_STORED
    assert Household.objects.get().bank_account == ""


@pytest.mark.django_db(transaction=True)
def test_a_large_national_export_runs_on_the_job_runner_with_progress_and_an_audited_download(
    client, tmp_path, users, regions, settings, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    _imported(tmp_path, users["county"], 3)
    monkeypatch.setattr(export_jobs, "IN_REQUEST", 5)  # 9 persons: too many for the request
    client.force_login(users["county_viewer"])
    response = client.get("/households/export.csv", {"layout": "national"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/exports/{job.pk}/"
    assert "排队中" in client.get(response["Location"]).content.decode()
    run_worker(settings.MEDIA_ROOT)
    job.refresh_from_db()
    assert (job.status, job.households, job.persons, job.done, job.total) == ("done", 3, 9, 12, 12), (
        job.message
    )
    page = client.get(f"/imports/exports/{job.pk}/").content.decode()
    assert "下载（3 户，9 人）" in page
    download = client.get(f"/imports/exports/{job.pk}/download")
    path = tmp_path / "job.zip"
    path.write_bytes(b"".join(download.streaming_content))
    people = _cells_of(path)[f"{national.MEMBER_SHEET}.csv"]
    assert len(people) == 10 and all("*" in r[national.MEMBER_HEADERS.index("证件号码")] for r in people[1:])
    assert AuditLog.objects.filter(action="download", root=f"imports.exportjob:{job.pk}").count() == 1

    # another reader of the county may not have a file made for someone else; a township's does not see it
    client.force_login(make_user("other_viewer", Role.VIEWER, regions[COUNTY]))
    assert client.get(f"/imports/exports/{job.pk}/download").status_code == 403
    client.force_login(users["town_a_viewer"])  # the job is the county's: outside a township's scope
    assert client.get(f"/imports/exports/{job.pk}/").status_code == 404


def test_the_export_command_writes_the_national_layouts_as_the_user_sees_them(tmp_path, users):
    _imported(tmp_path, users["national"], 2)
    out = tmp_path / "out.zip"
    call_command("export", str(out), "--national", "--user", "county_viewer", stdout=io.StringIO())
    cells = _cells_of(out)
    rows = _households(cells, "csv")
    assert len(rows) == 3 and len(cells[f"{national.MEMBER_SHEET}.csv"]) == 7
    assert [r[ACCOUNT] for r in rows[1:]] == ["**** 0000", "**** 0001"]  # a viewer's masking
    with pytest.raises(CommandError, match=r"应为 \.zip"):
        call_command("export", str(tmp_path / "out.csv"), "--national")
