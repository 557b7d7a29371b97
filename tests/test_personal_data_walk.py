"""No side door for personal data: every page, download and API operation, read by a viewer and by an operator
who has revealed nothing, holds no ID number, 残疾证号, bank card or mobile phone in full.

The routes come from the URL resolver and the operations from the OpenAPI schema, so a route added tomorrow
fails here until the walk knows how to fill its parameters. Bodies are decoded (HTML, JSON, CSV, PDF, XLSX, ZIP,
Parquet) and searched for checksum-valid ID numbers, 20-digit 残疾证号 whose first 18 digits are one, 16/19-digit
Luhn-valid card numbers and 11-digit mobile numbers."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from python_calamine import CalamineWorkbook
from rest_framework.test import APIClient

from jingzhun.assistance import matching, plans
from jingzhun.assistance import services as assistance
from jingzhun.core.ids import check_char
from jingzhun.core.models import AuditLog
from jingzhun.core.uploads import tiny_pdf
from jingzhun.identification import campaigns, crosscheck
from jingzhun.identification import services as identification
from jingzhun.identification.choices import Round
from jingzhun.identification.models import CampaignCheck, CrossCheckFlag, Step
from jingzhun.imports.export_jobs import export_run
from jingzhun.imports.models import ExportJob, ImportJob
from jingzhun.monitoring import services as monitoring
from jingzhun.projects import services as projects
from jingzhun.projects.models import Asset, LibraryRevision, LibraryRevisionItem, ProjectStep
from jingzhun.regions.models import Region
from jingzhun.registry import members
from jingzhun.registry import services as registry
from jingzhun.registry.models import SplitReview
from jingzhun.reports.models import ReportJob
from jingzhun.reports.tasks import build
from tests.conftest import COUNTY, TOWN_A, VILLAGE_A, id_born_on, member, new_id
from tests.imports.test_columnar import COL, _households, _write, flat_rows

ID_18 = re.compile(r"(?<![0-9])([0-9]{17}[0-9X])(?![0-9])")
CERTIFICATE_20 = re.compile(r"(?<![0-9])([0-9]{17}[0-9X])[0-9]{2}(?![0-9])")
CARD = re.compile(r"(?<![0-9])([0-9]{16}|[0-9]{19})(?![0-9])")
MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")


def _valid_id(number: str) -> bool:
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return check_char(number[:17]) == number[17]


def _luhn(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    return sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)) % 10 == 0


def leaks(text: str) -> list[str]:
    """Personal data in full found in ``text``."""
    found = [f"ID {m}" for m in ID_18.findall(text) if _valid_id(m)]
    found += [f"残疾证号 {m}" for m in CERTIFICATE_20.findall(text) if _valid_id(m)]
    found += [f"card {m}" for m in CARD.findall(text) if _luhn(m)]
    found += [f"phone {m}" for m in MOBILE.findall(text)]
    return found


def body_text(data: bytes) -> str:
    """What a reader gets out of a body: text of PDFs, cells of spreadsheets, members of ZIPs, rows of Parquet."""
    if data[:4] == b"%PDF":
        from pypdf import PdfReader

        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        return re.sub(r"(?<=[0-9])\s+(?=[0-9X])", "", text)  # a number wrapped in a narrow column
    if data[:2] == b"PK":
        archive = zipfile.ZipFile(io.BytesIO(data))
        if "xl/workbook.xml" in archive.namelist():
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return repr([book.get_sheet_by_name(n).to_python() for n in book.sheet_names])
        return "\n".join(body_text(archive.read(n)) for n in archive.namelist())
    if data[:4] == b"PAR1":
        import pyarrow.parquet as pq

        return repr(pq.read_table(io.BytesIO(data)).to_pylist())
    return data.decode("utf-8-sig", "replace")


def named_routes(resolver=None, namespace="", prefix=""):
    """(name, parameter names, path prefix) of every named URL, namespaced as ``reverse`` takes it."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_routes(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            params = set(pattern.pattern.regex.groupindex) - {"format"}
            yield f"{namespace}{pattern.name}", params, prefix + str(pattern.pattern)


@pytest.fixture
def world(tmp_path, settings, users, register, applicant, regions):
    """One of everything, with personal data in full everywhere it can be stored and a history of changes."""
    settings.MEDIA_ROOT = tmp_path / "media"
    head = new_id()
    h = register(
        phone="13812345678", status="registered", identified_year=2014,
        members=[member(id_number=head, disability_certificate=head + "11", health="disabled"),
                 member("spouse", name="吴秀英", id_number=new_id(male=False))],
    )  # fmt: skip
    spouse = h.members.get(relationship="spouse")
    registry.household_update(  # a history with old and new phones, numbers and a member added
        user=None, household=h, data={"phone": "13987654321"},
        members=[
            {**member(id_number=head, disability_certificate=head + "12"), "id": h.members.get(id_number=head).pk},
            {**member("spouse", name="吴秀英", id_number=spouse.id_number), "id": spouse.pk},
            member("son", name="杨小", id_number=new_id()),
        ],
    )  # fmt: skip
    # 人口变动: a birth, a transfer to another county waiting, a 分户 of a registered household under review
    members.member_birth(
        user=users["county"], household=h,
        member=member("grandchild", name="杨小小", id_number=id_born_on(dt.date.today() - dt.timedelta(days=40))),
    )  # fmt: skip
    county_b = Region.objects.create(
        code="522635000000", name="麻江县", level=3, parent=Region.objects.get(code="522600000000")
    )
    transfer = members.transfer_request(
        user=users["county"],
        household=h,
        members=[h.members.get(name="杨小")],
        to_county=county_b,
        reason="务工",
    )
    split_from = register(status="registered", identified_year=2015)
    wife = split_from.members.get(relationship="spouse")
    members.household_split(
        user=users["county"], household=split_from, members=[wife], relationships={wife.pk: "head"}
    )
    application = identification.application_create(
        user=None, household=applicant(phone="13500003333"), year=2026
    )
    identification.application_verify(user=None, application=application, passed=True, findings="属实")
    identification.application_deliberate(
        user=None, application=application, meeting_on=application.stage_since, attendance=5, votes_for=5,
        votes_against=0,
    )  # fmt: skip
    village = Region.objects.get(code=VILLAGE_A)
    publicity = identification.publicity_open(
        user=None, region=village, round=Round.FIRST, applications=[application]
    )
    objection = identification.objection_file(
        user=None, entry=publicity.entries.get(), text="对该户有异议", name="张三", contact="13600002222"
    )
    dept = tmp_path / "vehicles.csv"
    number = application.household.members.first().id_number
    dept.write_text(
        f"公民身份号码,车牌号,联系电话\n{number},黔A12345,13700009999\n", "utf-8"
    )  # remarks: a phone
    crosscheck.dept_list_upload(
        user=users["county"], county=regions[COUNTY], kind="vehicle", path=dept, file_name="vehicles.csv"
    )
    campaign = campaigns.campaign_open(
        user=None, county=regions[COUNTY], title="回头看", year=2026, mode="all"
    )
    unit = assistance.unit_create(
        user=None, name="县卫健局", unit_type="health", level=3, region=regions[COUNTY]
    )
    cadre = assistance.cadre_create(user=None, name="帮扶人", unit=unit, region=regions[TOWN_A])
    assistance.helper_create(
        user=None, kind="individual", name="王善人", region=regions[TOWN_A], contact="13400004444"
    )
    assistance.household_pair(user=None, household=h, cadre=cadre)
    plan = plans.plan_create(user=None, household=h, year=2026)
    measure = plans.measure_add(
        user=None, plan=plan, category="health", item="insurance", responsible="县医保局"
    )
    visit = plans.visit_record(
        user=None, household=h, cadre=cadre, visited_on=dt.date.today(), content="入户走访了解情况"
    )
    proposal = matching.proposal_make(user=None, county=regions[COUNTY])
    report = ReportJob.objects.create(  # an administrator's township book, with ID numbers in full
        user=users["national"],
        region=regions[TOWN_A],
        kind="township_book",
        year=2015,
        full_personal_data=True,
    )
    data, name = build(report)
    report.file.save(name, ContentFile(data), save=False)
    report.status = "done"
    report.save()
    # an administrator's export in the national layouts, made on the job runner: personal data and accounts in full
    export = ExportJob.objects.create(
        user=users["national"], format="csv", full_personal_data=True, bank_in_full=True
    )
    export_run(export, lambda done, total: None)
    ExportJob.objects.filter(pk=export.pk).update(status="done")
    rows = [row for item in _households(2) for row in flat_rows(item)]
    rows[0][COL["所在村区划代码"]] = TOWN_A  # a bad row: the import keeps an error report
    with pytest.raises(CommandError):
        call_command("import", str(_write(tmp_path / "bad.csv", rows)), user="county", verbosity=0)
    step = Step.objects.filter(application=application).first()
    # 防返贫监测: a self-reported clue (phone and ID number), its case with the household's scanned authorisation
    monitored = register(status="exited", identified_year=2014, phone="13300005555")
    monitoring.monitoring_line_set(user=None, year=2026, amount="6000")
    clue = monitoring.clue_report(
        user=None, village=village, name=monitored.head_name, phone="13900001111", text="家里有人重病住院",
        id_number=monitored.members.get(relationship="head").id_number,
    )  # fmt: skip
    case = monitoring.clue_accept(user=None, clue=clue, kind="unstable", risk_types=["illness"])
    scan = io.BytesIO()
    blank = pypdf.PdfWriter()
    blank.add_blank_page(width=72, height=72)
    blank.write(scan)
    monitoring.case_authorise(user=None, case=case, scan=ContentFile(scan.getvalue(), name="auth.pdf"))
    # 扶贫项目库: a project benefiting the household, its 公示 with an objection (a phone), a site photo, an asset
    project = projects.project_create(
        user=None, region=village, year=2026, name="茶叶加工厂", category="industry", budget="1000",
        fundings={"central": "1000"}, targets=[("output", "厂房", "1 座")], starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 9, 1), responsible_unit="镇政府", tasks="建厂房", benefit_mechanism="分红",
    )  # fmt: skip
    projects.beneficiaries_set(user=None, project=project, household_ids=[h.pk])
    project_notice = projects.notice_open(user=None, project=project)
    project_objection = projects.objection_file(
        user=None, notice=project_notice, text="受益户选择不公", contact="13700001111"
    )
    project_step = ProjectStep.objects.create(
        project=project, kind="progress", stage_before="planned", stage_after="implementing", actor_label="村",
        attachment=ContentFile(b"\x89PNG\r\n\x1a\n0000", name="site.png"),
    )  # fmt: skip
    asset = Asset.objects.create(
        project=project,
        region=village,
        name="厂房",
        kind="operating",
        owner="村集体",
        value=1000,
        maintainer="村委",
    )
    asset.beneficiaries.add(h)
    # 项目库年度调整: the county's revision of its library with the project in it
    revision = LibraryRevision.objects.create(county_id=COUNTY, year=2026)
    LibraryRevisionItem.objects.create(revision=revision, project=project, proposed="carry", decision="carry")
    # 扶贫资金: a household paid to its 一卡通 account (a Luhn-valid card), a bank batch, a cadre, an alert, a receipt
    funds_world = _funds(h, users)
    return {
        **funds_world,
        **_quality_and_assessment(h, users, village),
        "project": project, "project_notice": project_notice, "project_objection": project_objection,
        "project_step": project_step, "asset": asset, "revision": revision,
        "clue": clue, "case": case, "monitored": monitored,
        "household": h, "application": application, "publicity": publicity, "objection": objection,
        "campaign": campaign, "check": CampaignCheck.objects.first(), "flag": CrossCheckFlag.objects.first(),
        "plan": plan, "measure": measure, "visit": visit, "proposal": proposal, "report": report, "export": export,
        "import": ImportJob.objects.get(), "step": step, "village": village, "user": users["town_a"],
        "transfer": transfer, "review": SplitReview.objects.get(), "cadre": cadre,
    }  # fmt: skip


def _quality_and_assessment(h, users, village) -> dict:
    """A data-quality run of the county (the household's findings behind a rule), and an assessment sample holding
    the household, with a survey import, an answer, and a finding."""
    from jingzhun.assessment import models as asm
    from jingzhun.quality.services import quality_check

    county = Region.objects.get(code=COUNTY)
    run = quality_check(user=users["county"], region=county, year=2026)
    sample = asm.Sample.objects.create(
        county=county, year=2026, purpose="accuracy", seed=1, villages=1, households_per_village=1
    )
    sampled = asm.SampleVillage.objects.create(
        sample=sample, village=village, stratum=COUNTY, frame_villages=1, drawn_villages=1, weight=1
    )
    sample_household = asm.SampleHousehold.objects.create(
        sample=sample, sampled_village=sampled, region=village, household=h, key="V01-H01", group="labour",
        status="registered", persons=2, frame_size=1, drawn=1, weight=1,
    )  # fmt: skip
    job = asm.SurveyImportJob.objects.create(
        sample=sample, file="assessment/surveys/walk.csv", original_name="提交.csv"
    )
    finding = asm.Finding.objects.create(
        region=village, source="audit", title="问题", responsible_unit="县乡村振兴局", deadline=dt.date(2026, 12, 1),
        raised_level=3,
    )  # fmt: skip
    local_figure = asm.LocalFigure.objects.create(
        county=county, year=2026, key="local", name="地方特色产业", value=1, note="县统计局年报"
    )
    return {
        "quality_run": run, "sample": sample, "sample_household": sample_household, "survey_job": job,
        "finding": finding, "local_figure": local_figure,
    }  # fmt: skip


def _luhn_card(prefix: str) -> str:
    for d in "0123456789":
        if _luhn(prefix + d):
            return prefix + d
    raise AssertionError


def _funds(h, users) -> dict:
    from jingzhun.funds import alerts
    from jingzhun.funds import services as funds
    from jingzhun.funds.models import Alert, Notice, PaymentReceipt, VillageCadre

    registry.household_bank_account_set(
        user=None, household=h, bank_name="信用社", bank_account=_luhn_card("621700287001234567")
    )
    fund = funds.fund_register(user=None, source="central", year=2026, document_number="财农1号", title="衔接资金",
                               amount="100000")  # fmt: skip
    (province,) = funds.allocations_fix(
        user=None, holder=fund, amounts={"520000000000": "100000"}, document_number="1"
    )
    (city,) = funds.allocations_fix(
        user=None, holder=province, amounts={"522600000000": "100000"}, document_number="2"
    )
    (county,) = funds.allocations_fix(user=None, holder=city, amounts={COUNTY: "100000"}, document_number="3")
    funds.allocation_arrive(user=None, allocation=county, arrived_on=dt.date(2026, 1, 1))
    head = h.members.get(relationship="head")
    payment = funds.household_payment_create(
        user=None, allocation=county, id_number=head.id_number, amount="500", purpose="奖补"
    )
    funds.payments_approve(user=None, payments=[payment])
    batch = funds.batch_create(user=None, county=Region.objects.get(code=COUNTY))
    VillageCadre.objects.create(region_id=VILLAGE_A, name=head.name, id_number=head.id_number, post="村主任",
                                household=h)  # fmt: skip
    alerts.alerts_run(region=COUNTY, year=2026)
    today = dt.date.today()
    notice = Notice.objects.create(
        region_id=VILLAGE_A, year=2026, title="资金公告", starts_on=today, last_day=today
    )
    fund_objection = funds.objection_file(user=None, notice=notice, text="补助金额与实际不符", name=head.name)
    receipt = PaymentReceipt.objects.create(
        payment=payment, file=ContentFile(tiny_pdf("receipt"), name="receipt.pdf"), name="发票.pdf"
    )
    return {
        "receipt": receipt,
        "fund_objection": fund_objection,
        "fund": fund,
        "allocation": county,
        "payment": payment,
        "batch": batch,
        "alert": Alert.objects.first(),
    }


def page_kwargs(w) -> dict[str, list[dict]]:
    """How to fill each page route's parameters (several fillings: each is walked)."""
    h, code = w["household"].pk, VILLAGE_A
    return {
        "regions:browse": [{"code": code}], "portal:region": [{"code": code}],
        "registry:year_page": [{"code": COUNTY, "year": 2026}],
        "registry:year_act": [{"code": COUNTY, "year": 2026, "action": "open"}],
        "registry:household_detail": [{"pk": h}], "registry:household_edit": [{"pk": h}],
        "registry:household_cancel": [{"pk": h}], "registry:household_reveal": [{"pk": h}],
        "registry:member_change": [{"pk": h, "change": c} for c in ("birth", "death", "move", "merge", "transfer")],
        "registry:transfer_detail": [{"pk": w["transfer"].pk}], "registry:transfer_accept": [{"pk": w["transfer"].pk}],
        "registry:transfer_refuse": [{"pk": w["transfer"].pk}], "registry:transfer_cancel": [{"pk": w["transfer"].pk}],
        "registry:split_review_clear": [{"pk": w["review"].pk}],
        "household_export": [{"fmt": f} for f in ("csv", "xlsx", "parquet")],
        "imports:export": [{"fmt": f} for f in ("csv", "xlsx", "parquet")],
        "imports:job": [{"pk": w["import"].pk}], "imports:report": [{"pk": w["import"].pk}],
        "imports:file": [{"pk": w["import"].pk}], "imports:retry": [{"pk": w["import"].pk}],
        "imports:export_job": [{"pk": w["export"].pk}], "imports:export_download": [{"pk": w["export"].pk}],
        "identification:apply": [{"household_pk": h}], "identification:exit_apply": [{"household_pk": h}],
        "identification:return_apply": [{"household_pk": h}], "identification:detail": [{"pk": w["application"].pk}],
        "identification:step": [{"pk": w["application"].pk, "kind": "verify"}],
        "identification:attachment": [{"pk": w["step"].pk}],
        "identification:publicity_detail": [{"pk": w["publicity"].pk}],
        "identification:publicity_close": [{"pk": w["publicity"].pk}],
        "identification:objection_create": [{"pk": w["publicity"].pk}],
        "identification:publicity_withdraw": [{"pk": w["publicity"].pk, "entry_pk": w["publicity"].entries.get().pk}],
        "identification:objection_resolve": [{"pk": w["objection"].pk}],
        "identification:flag_explain": [{"pk": w["flag"].pk}],
        "identification:campaign": [{"pk": w["campaign"].pk}], "identification:campaign_export": [{"pk": w["campaign"].pk}],
        "identification:campaign_close": [{"pk": w["campaign"].pk}], "identification:check": [{"pk": w["check"].pk}],
        "identification:villages": [{"code": COUNTY}, {"code": TOWN_A}],
        "identification:village_act": [{"code": TOWN_A, "action": "propose"}, {"code": COUNTY, "action": "announce"}],
        "identification:village": [{"code": code}], "identification:village_data": [{"code": code}],
        "identification:village_designate": [{"code": code}],
        "assistance:household": [{"pk": h}], "assistance:handbook": [{"pk": h}],
        "assistance:plan_create": [{"pk": h}], "assistance:visit_add": [{"pk": h}], "assistance:helpers": [{"pk": h}],
        "assistance:measure_add": [{"pk": w["plan"].pk}], "assistance:measure_progress": [{"pk": w["measure"].pk}],
        "assistance:visit_photo": [{"pk": w["visit"].pk}],
        "assistance:village": [{"code": code}], "assistance:village_form": [{"code": code}],
        "assistance:village_pair": [{"code": code}], "assistance:team_send": [{"code": code}],
        "assistance:team_member": [{"code": code}], "assistance:support_add": [{"code": code}],
        "assistance:proposal": [{"pk": w["proposal"].pk}], "assistance:proposal_accept": [{"pk": w["proposal"].pk}],
        "reports:download": [{"pk": w["report"].pk}], "reports:retry": [{"pk": w["report"].pk}],
        "reports:household_card": [{"pk": h}],
        "reports:village_register": [{"code": code, "fmt": f} for f in ("xlsx", "pdf")],
        "portal:publicity": [{"pk": w["publicity"].pk}], "portal:print": [{"pk": w["publicity"].pk}], "portal:objection": [{"ref": w["objection"].reference}],
        "accounts:user_edit": [{"pk": w["user"].pk}], "accounts:user_active": [{"pk": w["user"].pk}],
        "accounts:user_reset": [{"pk": w["user"].pk}],
        "monitoring:clue": [{"pk": w["clue"].pk}], "monitoring:household_clue": [{"household_pk": w["monitored"].pk}],
        "monitoring:case": [{"pk": w["case"].pk}], "monitoring:authorisation": [{"pk": w["case"].pk}],
        "monitoring:case_step": [{"pk": w["case"].pk, "action": "verify"}],
        "portal:monitoring_status": [{"ref": w["clue"].reference}],
        "projects:detail": [{"pk": w["project"].pk}], "projects:edit": [{"pk": w["project"].pk}],
        "projects:act": [{"pk": w["project"].pk, "action": "declare"}],
        "projects:objection_resolve": [{"pk": w["project_objection"].pk}],
        "projects:attachment": [{"pk": w["project_step"].pk}], "projects:asset": [{"pk": w["asset"].pk}],
        "portal:project_notice": [{"pk": w["project_notice"].pk}],
        "funds:fund": [{"pk": w["fund"].pk}], "funds:allocation": [{"pk": w["allocation"].pk}],
        "funds:reissue": [{"pk": w["payment"].pk}], "funds:batch": [{"pk": w["batch"].pk}],
        "funds:batch_file": [{"pk": w["batch"].pk}], "funds:alert": [{"pk": w["alert"].pk}],
        "funds:batch_notices": [{"pk": w["batch"].pk}],
        "funds:objection_resolve": [{"pk": w["fund_objection"].pk}],
        "quality:rows": [{"pk": w["quality_run"].pk, "rule": r} for r in ("Q01", "Q13", "Q16")],
        "quality:workbook": [{"pk": w["quality_run"].pk}],
        **{f"assessment:{n}": [{"pk": w["sample"].pk}]
           for n in ("sample", "field_list", "xlsform", "survey_import", "estimates_compute")},
        "assessment:survey_job": [{"pk": w["survey_job"].pk}],
        "assessment:survey_entry": [{"pk": w["sample_household"].pk}],
        "assessment:county": [{"code": COUNTY, "year": 2026}],
        "assessment:score_years": [{"code": COUNTY}],
        "assessment:help_answers": [{"code": COUNTY, "year": 2026}],
        "assessment:local_figure_file": [{"pk": w["local_figure"].pk}],
        "assessment:cadre": [{"pk": w["cadre"].pk}],
        "assessment:finding": [{"pk": w["finding"].pk}], "assessment:finding_evidence": [{"pk": w["finding"].pk}],
        "funds:bank_account": [{"household_pk": h}], "portal:fund_notice": [{"pk": 0}],
        "funds:project_settle": [{"pk": w["project"].pk}], "funds:household_pay": [{"household_pk": h}],
        "funds:receipt": [{"pk": w["receipt"].pk}],
        "projects:revision": [{"pk": w["revision"].pk}],
        "projects:revision_act": [{"pk": w["revision"].pk, "action": "decide"}],
        "assessment:finding_from_alert": [{"pk": w["alert"].pk}],
        "assessment:national_check_result": [{"pk": 0}], "assessment:exit_objection_resolve": [{"pk": 0}],
        "portal:exit_notice": [{"pk": 0}],
    }  # fmt: skip


# Query strings that make a page show its data (the year the world has records for; a CSV variant).
QUERY = {
    "reports:household_card": "?year=2015", "reports:village_register": "?year=2015",
    "assistance:handbook": "?year=2026", "assistance:visits": "?export=csv", "assistance:equity": "?export=csv",
    "analytics:dashboard": "?download=all", "assessment:cadres": "?format=xlsx",
}  # fmt: skip


def api_paths(w) -> list[str]:
    """Every GET operation of the OpenAPI schema, its path parameters filled."""
    ids = {
        "/api/v1/households/": w["household"].pk, "/api/v1/assistance/plans/": w["plan"].pk,
        "/api/v1/assistance/measures/": w["measure"].pk, "/api/v1/assistance/visits/": w["visit"].pk,
        "/api/v1/identification/applications/": w["application"].pk,
        "/api/v1/identification/publicities/": w["publicity"].pk,
        "/api/v1/identification/objections/": w["objection"].pk,
        "/api/v1/identification/campaigns/": w["campaign"].pk,
        "/api/v1/identification/campaign-checks/": w["check"].pk, "/api/v1/regions/": VILLAGE_A,
        "/api/v1/monitoring/cases/": w["case"].pk, "/api/v1/monitoring/clues/": w["clue"].pk,
    }  # fmt: skip
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        if "{" in path:
            prefix = path[: path.index("{")]
            assert prefix in ids, f"new API operation {path}: tell the walk which record fills it"
            path = re.sub(r"\{[^}]+\}", str(ids[prefix]), path)
        paths.append(path)
    return paths


def walk(client: Client, w) -> dict[str, list[str]]:
    """Every page route read by ``client``: {route name: leaks} for the bodies that leak."""
    filled = page_kwargs(w)
    found, unknown = {}, []
    for name, params, path in named_routes():
        if path.lstrip("^").startswith("api/"):
            continue  # the API is walked operation by operation from its schema
        if name.startswith("admin:"):
            continue  # Django's admin site: staff (superusers) only, behind its own login
        if params and name not in filled:
            unknown.append(name)
            continue
        for kwargs in filled.get(name, [{}]):
            url = reverse(name, kwargs=kwargs) + QUERY.get(name, "")
            response = client.get(url)
            if response.status_code == 200:
                data = b"".join(response.streaming_content) if response.streaming else response.content
                if found_here := leaks(body_text(data)):
                    found[name] = found_here
    assert not unknown, f"new routes: tell the walk how to fill {unknown}"
    return found


# Where a reader gets personal data in full by rule: the operator's own import (file and error report: its own
# upload) and the edit form (a reveal, logged). Nothing else, and nothing at all for a viewer.
IN_FULL_BY_RULE = {
    "county_viewer": set(),
    "county": {"imports:file", "imports:report", "registry:household_edit"},
}


@pytest.mark.parametrize("reader", ["county_viewer", "county"])
def test_no_page_download_or_api_operation_shows_personal_data_in_full(world, users, reader):
    client = Client()
    client.force_login(users[reader])
    assert set(walk(client, world)) == IN_FULL_BY_RULE[reader]
    if reader == "county":  # the edit form is a reveal: logged
        assert AuditLog.objects.filter(action="reveal", actor=users["county"]).exists()
    api = APIClient()
    api.force_authenticate(users[reader])
    found = {}
    for path in api_paths(world):
        response = api.get(path)
        if response.status_code == 200 and (found_here := leaks(response.content.decode())):
            found[path] = found_here
    assert found == {}


def test_the_walk_finds_what_an_administrator_may_see(world, users):
    """The detectors and the walk are live: an administrator sees the same routes in full."""
    client = Client()
    client.force_login(users["national"])
    found = walk(client, world)
    assert any(w.startswith("ID ") for leaks_ in found.values() for w in leaks_)
    assert any(w.startswith("残疾证号 ") for leaks_ in found.values() for w in leaks_)
    assert any(w.startswith("phone ") for leaks_ in found.values() for w in leaks_)
    assert "reports:download" in found
    assert (
        "imports:export_download" in found
    )  # the national-layout export's job file: IDs and accounts in full
    assert AuditLog.objects.filter(
        action="download", actor=users["national"], root=f"reports.reportjob:{world['report'].pk}"
    ).exists()  # every download of a job's file is audited


def test_the_card_detector_knows_a_bank_card():
    assert leaks("卡号 6222021234567890128") == ["card 6222021234567890128"]
    assert leaks("卡号 6222 0212 3456 7890 128") == []  # grouped digits are not one number
    assert leaks("6222**********0128") == []
