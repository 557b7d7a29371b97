"""户有卡、村有册、乡有簿、县有档: contents, masking, scope, and the background jobs run by the real worker."""

import io
import zipfile

import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from jingzhun.core.models import AuditLog
from jingzhun.regions.models import Region
from jingzhun.reports.models import ReportJob
from jingzhun.reports.tasks import build
from tests.conftest import COUNTY, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, member, new_id, run_worker, year


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:  # every font embedded: the file prints the same anywhere
        for font in page.get("/Resources", {}).get("/Font", {}).values():
            descendant = font.get_object().get("/DescendantFonts", [font])[0].get_object()
            assert (
                "/FontFile2" in descendant["/FontDescriptor"] or "/FontFile3" in descendant["/FontDescriptor"]
            )
    return "".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def village_households(register):
    head_id = new_id()
    a = register(VILLAGE_A, members=[member(name="杨文明", id_number=head_id),
                                     member("spouse", name="吴秀英", id_number=new_id(male=False))])  # fmt: skip
    b = register(VILLAGE_A, members=[member(name="王老实")], years=[year(year=2015, wage="1200")])
    other = register(VILLAGE_B, members=[member(name="李远方")])
    return {"a": a, "b": b, "other": other, "head_id": head_id}


def test_household_card_pdf_masks_ids_for_a_viewer(client, users, village_households):
    a = village_households["a"]
    client.force_login(users["county_viewer"])
    response = client.get(f"/reports/households/{a.pk}/card.pdf?year=2015")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "贫困户档案卡" in text and a.number in text and "杨文明" in text and "吴秀英" in text
    assert village_households["head_id"] not in text and village_households["head_id"][-4:] in text
    assert AuditLog.objects.filter(action="download", actor=users["county_viewer"],
                                   root=f"registry.household:{a.pk}").exists()  # fmt: skip
    client.force_login(users["town_b"])
    assert client.get(f"/reports/households/{a.pk}/card.pdf").status_code == 404


def test_village_register_xlsx_lists_households_members_and_totals(client, users, village_households):
    client.force_login(users["county_viewer"])
    response = client.get(f"/reports/villages/{VILLAGE_A}/register.xlsx?year=2015")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["贫困户", "家庭成员", "合计"]
    households = book.get_sheet_by_name("贫困户").to_python()
    assert [r[0] for r in households[1:]] == sorted(
        [village_households["a"].number, village_households["b"].number]
    )
    members = book.get_sheet_by_name("家庭成员").to_python()
    assert len(members) == 1 + 3 and all("*" in r[3] for r in members[1:])  # masked, and text
    totals = book.get_sheet_by_name("合计").to_python()
    assert totals[1][1:] == [2, 3]
    assert "李远方" not in str(members)


def test_village_register_pdf_and_refusals(client, users, village_households):
    client.force_login(users["town_a"])
    text = pdf_text(client.get(f"/reports/villages/{VILLAGE_A}/register.pdf?year=2015").content)
    assert "贫困户花名册" in text and village_households["a"].number in text and "王老实" in text
    assert client.get(f"/reports/villages/{VILLAGE_B}/register.pdf").status_code == 404  # another township
    assert client.get(f"/reports/villages/{TOWN_A}/register.pdf").status_code == 404  # not a village
    assert client.get(f"/reports/villages/{VILLAGE_A}/register.doc").status_code == 404


def test_a_request_for_the_wrong_level_is_explained(client, users):
    client.force_login(users["county"])
    page = client.post(
        "/reports/", {"kind": "township_book", "region": COUNTY, "year": 2015}
    ).content.decode()
    assert "需要选择一个乡镇" in page and not ReportJob.objects.exists()
    page = client.post(
        "/reports/", {"kind": "county_archive", "region": "520000000000", "year": 2015}
    ).content
    assert "不在您的管辖范围内" in page.decode() and not ReportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_township_book_is_built_by_the_worker_with_progress(
    client, users, village_households, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(users["county"])
    response = client.post("/reports/", {"kind": "township_book", "region": TOWN_A, "year": 2015})
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert "排队中" in client.get("/reports/").content.decode()
    run_worker(settings.MEDIA_ROOT)
    job.refresh_from_db()
    villages = Region.objects.filter(code__startswith=TOWN_A[:9], level=5).count()
    assert job.status == "done" and job.done == job.total == villages
    page = client.get("/reports/").content.decode()
    assert "已完成" in page and f"/reports/jobs/{job.pk}/download/" in page
    download = client.get(f"/reports/jobs/{job.pk}/download/")
    text = pdf_text(b"".join(download.streaming_content))
    assert "乡（镇）扶贫工作簿" in text and "杨文明" in text and "李远方" not in text
    client.force_login(users["town_b"])
    assert client.get(f"/reports/jobs/{job.pk}/download/").status_code == 404


def test_county_archive_holds_every_township_book_statistics_and_list(users, village_households):
    job = ReportJob.objects.create(user=users["county"], region=Region.objects.get(code=COUNTY),
                                   kind="county_archive", year=2015)  # fmt: skip
    data, name = build(job)
    assert name == "县有档-雷山县-2015.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    townships = Region.objects.filter(parent_id=COUNTY).count()
    assert len([n for n in names if n.startswith("乡有簿/")]) == townships
    stats = CalamineWorkbook.from_filelike(
        io.BytesIO(archive.read("统计表-雷山县-2015.xlsx"))
    ).get_sheet_by_index(0)
    rows = {r[1]: r for r in stats.to_python()[1:]}
    assert rows[VILLAGE_A][3:5] == [2, 3] and rows[VILLAGE_B][3:5] == [1, 1]
    listing = archive.read("贫困户名单-雷山县-2015.xlsx")
    assert village_households["other"].number in str(
        CalamineWorkbook.from_filelike(io.BytesIO(listing)).get_sheet_by_index(0).to_python()
    )
    book = pdf_text(archive.read(next(n for n in names if n.startswith(f"乡有簿/{TOWN_B[:9]}"))))
    assert "李远方" in book
    job.refresh_from_db()
    assert job.done == job.total > 0
