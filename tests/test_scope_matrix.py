"""Region scope, for every model and every way in: a user cannot read, change or export another region's rows
through the models, the UI, the API or an export. 404, not 403.

The matrix is generated: every model that declares a scope (``core.scoping.scoped_models()``) gets one row in
region A and one in region B from ``FACTORIES`` — a scoped model without a factory fails here the day it lands —
and every URL that names an object (found by walking the URL resolver and the API router) is asked for B's row
by a user of A. A new page or API route that names an object must say which model it reads (``UI_ROUTES``)."""

import dataclasses
import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jingzhun.accounts.choices import Role
from jingzhun.analytics.models import RegionFigures, RuralPopulation
from jingzhun.api_urls import router
from jingzhun.assessment import models as asm
from jingzhun.assistance import models as am
from jingzhun.assistance import plans
from jingzhun.assistance import services as assistance
from jingzhun.core.models import AuditLog
from jingzhun.core.scoping import scoped_models
from jingzhun.funds import models as fm
from jingzhun.identification import campaigns, services
from jingzhun.identification import models as im
from jingzhun.identification.choices import Round
from jingzhun.imports.models import ExportJob, ImportJob
from jingzhun.monitoring import models as mm
from jingzhun.projects import models as pm
from jingzhun.quality import models as qm
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import FormerName, Region, RegionOffice
from jingzhun.registry.models import (
    AdjustmentYear,
    Household,
    HouseholdYear,
    Member,
    MemberChange,
    Monitoring,
    PolicyPeriod,
    ReductionTarget,
    SplitReview,
    StatusChange,
    Transfer,
    VillageTally,
)
from jingzhun.reports.models import ReportJob
from tests.conftest import COUNTY, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, make_user

PROVINCE, OTHER_PROVINCE, OTHER_COUNTY = "520000000000", "530000000000", "522635000000"
TODAY = dt.date(2026, 3, 2)


@dataclasses.dataclass
class Side:
    """One side of the matrix: its region at each level (B shares no subtree with A at the model's level)."""

    key: str
    village: Region
    town: Region
    county: Region
    province: Region

    def at(self, level: int) -> Region:
        return {1: self.province, 3: self.county, 4: self.town, 5: self.village}[level]


class World:
    """The rows of the matrix, made on demand (a child's factory asks for its parent's row of the same side)."""

    def __init__(self, register, a: Side, b: Side):
        self.register, self.sides, self.rows = register, {"a": a, "b": b}, {}
        self.serial = itertools.count(1)

    def row(self, model, side: Side):
        if (model, side.key) not in self.rows:
            _, factory = FACTORIES[model]
            self.rows[model, side.key] = factory(self, side)
        return self.rows[model, side.key]

    def pair(self, model):
        return self.row(model, self.sides["a"]), self.row(model, self.sides["b"])


V, T, C, P = RegionLevel.VILLAGE, RegionLevel.TOWNSHIP, RegionLevel.COUNTY, RegionLevel.PROVINCE


def _household(w, s):
    return w.register(region=s.village.code)


def _application(w, s):
    return im.Application.objects.create(household=w.row(Household, s), region=s.village, year=2026)


def _publicity(w, s):
    return im.Publicity.objects.create(region=s.village, round=Round.FIRST, year=2026, starts_on=TODAY,
                                       last_day=TODAY + dt.timedelta(days=7))  # fmt: skip


def _entry(w, s):
    return im.PublicityEntry.objects.create(
        publicity=w.row(im.Publicity, s), application=w.row(im.Application, s), head_name="杨文明",
        member_count=2, attribute="general", main_cause="illness",
    )  # fmt: skip


def _campaign(w, s):
    return im.Campaign.objects.create(county=s.county, year=2026, title="回头看", mode="all")


def _unit(w, s):
    return am.HelpingUnit.objects.create(name=f"卫健局{s.key}", unit_type="health", level=3, region=s.county)


def _cadre(w, s):
    return am.Cadre.objects.create(name="帮扶人", unit=w.row(am.HelpingUnit, s), region=s.village)


def _team(w, s):
    return am.WorkTeam.objects.create(village=s.village, unit=w.row(am.HelpingUnit, s))


def _plan(w, s):
    return am.Plan.objects.create(household=w.row(Household, s), region=s.village, year=2026,
                                  cadre=w.row(am.Cadre, s))  # fmt: skip


def _transfer(w, s):
    """A move of side ``s``'s household to side B's county: read by the sending side (the matrix's rows) and
    by the receiving county (tests/registry/test_members.py)."""
    household = w.row(Household, s)
    transfer = Transfer.objects.create(
        from_household=household, to_county=w.sides["b"].county, reason="务工落户", names="杨文明"
    )
    transfer.members.set([household.members.first()])
    return transfer


def _case(w, s):
    app = im.Application.objects.create(
        household=w.row(Household, s), region=s.village, year=2026, kind="monitor", stage="confirmed"
    )
    return mm.Case.objects.create(
        household=w.row(Household, s), region=s.village, kind="marginal", first_clue_on=TODAY, application=app
    )


def _fund(w, s):
    return fm.Fund.objects.create(source="county", year=2026, document_number=f"县财{s.key}", title="县级衔接资金",
                                  region=s.county, amount=100000, balance=100000)  # fmt: skip


def _allocation(w, s):
    return fm.Allocation.objects.create(fund=w.row(fm.Fund, s), region=s.county, amount=1000, balance=1000,
                                        document_number=f"县财{s.key}", arrived_on=TODAY)  # fmt: skip


def _payment(w, s):
    return fm.Payment.objects.create(
        allocation=w.row(fm.Allocation, s), region=s.village, year=2026, kind="household", category="household",
        household=w.row(Household, s), payee_name="杨文明", amount=100, purpose="产业奖补", status="failed",
        batch=w.row(fm.PaymentBatch, s),
    )  # fmt: skip


def _proposal(w, s):
    return am.MatchingProposal.objects.create(county=s.county)


# Every scoped model: the level of its rows, and how to make one row on a side. Rows of a village or township
# are also checked the township way (a township user sees its own township only; the county sees both).
FACTORIES = {
    AuditLog: (V, lambda w, s: AuditLog.objects.create(
        actor_label="系统", source="test", action="create", model="registry.household", object_id="1",
        object_repr="户", root="registry.household:1", region_code=s.village.code)),
    Region: (V, lambda w, s: s.village),
    RegionOffice: (T, lambda w, s: RegionOffice.objects.create(region=s.town, name="扶贫工作站", phone="1")),
    FormerName: (V, lambda w, s: FormerName.objects.create(region=s.village, name="老村", until_year=2018)),
    Household: (V, _household),
    Member: (V, lambda w, s: w.row(Household, s).members.first()),
    HouseholdYear: (V, lambda w, s: w.row(Household, s).years.first()),
    PolicyPeriod: (P, lambda w, s: PolicyPeriod.objects.create(year=2030, province=s.province, kind="normal")),
    ReductionTarget: (T, lambda w, s: ReductionTarget.objects.create(region=s.town, year=2030, persons=10)),
    AdjustmentYear: (C, lambda w, s: AdjustmentYear.objects.create(county=s.county, year=2026)),
    Monitoring: (V, lambda w, s: Monitoring.objects.create(
        household=w.row(Household, s), kind="unstable", started_on="2022-03-01")),
    StatusChange: (V, lambda w, s: StatusChange.objects.create(
        household=w.row(Household, s), to_status="registered", effective_on="2020-01-01", business_year=2020,
        source="procedure")),
    VillageTally: (V, lambda w, s: w.row(Household, s) and VillageTally.objects.get(region=s.village)),
    MemberChange: (V, lambda w, s: MemberChange.objects.create(
        household=w.row(Household, s), kind="birth", member=w.row(Member, s), name="杨文明",
        effective_on="2026-03-01", business_year=2026)),
    Transfer: (V, _transfer),
    SplitReview: (V, lambda w, s: SplitReview.objects.create(
        household=w.row(Household, s), source=w.row(Household, s), source_status="registered")),
    im.PovertyLine: (P, lambda w, s: im.PovertyLine.objects.create(year=2030, province=s.province, amount=5000)),
    im.ProcedurePolicy: (P, lambda w, s: im.ProcedurePolicy.objects.create(year=2030, province=s.province)),
    im.Application: (V, _application),
    im.Step: (V, lambda w, s: im.Step.objects.create(
        application=w.row(im.Application, s), kind="verify", stage_after="verified", actor_label="村干部",
        attachment=f"identification/2026/03/{s.key}.pdf")),
    im.Publicity: (V, _publicity),
    im.PublicityEntry: (V, _entry),
    im.Objection: (V, lambda w, s: im.Objection.objects.create(
        entry=w.row(im.PublicityEntry, s), region=s.village, reference=f"YY{s.key}{next(w.serial)}",
        source="staff", text="异议")),
    im.DeptList: (C, lambda w, s: im.DeptList.objects.create(county=s.county, kind="vehicle", file_name="车辆.xlsx")),
    im.DeptListEntry: (C, lambda w, s: im.DeptListEntry.objects.create(
        dept_list=w.row(im.DeptList, s), id_number="522634197005170011")),
    im.CrossCheckFlag: (V, lambda w, s: im.CrossCheckFlag.objects.create(
        application=w.row(im.Application, s), region=s.village, member=w.row(Member, s), kind="vehicle")),
    im.Quota: (V, lambda w, s: im.Quota.objects.create(region=s.village, year=2026, persons=10)),
    im.Campaign: (C, _campaign),
    im.CampaignCheck: (V, lambda w, s: im.CampaignCheck.objects.create(
        campaign=w.row(im.Campaign, w.sides["a"]), household=w.row(Household, s), region=s.village,
        status_then="registered")),  # one county's 回头看 over both villages
    im.VillagePolicy: (P, lambda w, s: im.VillagePolicy.objects.create(year=2030, province=s.province)),
    im.VillageYear: (V, lambda w, s: im.VillageYear.objects.create(region=s.village, year=2026)),
    im.VillageStep: (V, lambda w, s: im.VillageStep.objects.create(
        village_year=w.row(im.VillageYear, s), kind="designate", actor_label="县级")),
    am.AssistancePolicy: (P, lambda w, s: am.AssistancePolicy.objects.create(province=s.province)),
    am.HelpingUnit: (C, _unit),
    am.Cadre: (V, _cadre),
    am.SocialHelper: (V, lambda w, s: am.SocialHelper.objects.create(kind="enterprise", name="企业", region=s.village)),
    am.VillagePairing: (V, lambda w, s: am.VillagePairing.objects.create(village=s.village, unit=w.row(am.HelpingUnit, s))),
    am.WorkTeam: (V, _team),
    am.TeamMember: (V, lambda w, s: am.TeamMember.objects.create(team=w.row(am.WorkTeam, s), cadre=w.row(am.Cadre, s))),
    am.HouseholdPairing: (V, lambda w, s: am.HouseholdPairing.objects.create(
        household=w.row(Household, s), region=s.village, cadre=w.row(am.Cadre, s))),
    am.MatchingProposal: (C, _proposal),
    am.ProposalRow: (V, lambda w, s: am.ProposalRow.objects.create(
        proposal=w.row(am.MatchingProposal, w.sides["a"]), household=w.row(Household, s), region=s.village,
        cadre=w.row(am.Cadre, s))),
    am.Plan: (V, _plan),
    am.Measure: (V, lambda w, s: am.Measure.objects.create(
        plan=w.row(am.Plan, s), region=s.village, year=2026, category="health", content="参保", responsible="医保局")),
    am.Visit: (V, lambda w, s: am.Visit.objects.create(
        household=w.row(Household, s), region=s.village, cadre=w.row(am.Cadre, s), visited_on=TODAY,
        content="入户走访", photo=f"visits/2026/03/{s.key}.jpg")),
    am.VillageSupport: (V, lambda w, s: am.VillageSupport.objects.create(
        village=s.village, year=2026, amount=100, description="修路")),
    mm.MonitoringLine: (P, lambda w, s: mm.MonitoringLine.objects.create(year=2030, province=s.province, amount=9000)),
    mm.MonitoringPolicy: (P, lambda w, s: mm.MonitoringPolicy.objects.create(year=2030, province=s.province)),
    mm.ScreeningList: (C, lambda w, s: mm.ScreeningList.objects.create(
        county=s.county, department="medical", file_name="医保.xlsx")),
    mm.Clue: (V, lambda w, s: mm.Clue.objects.create(
        region=s.village, household=w.row(Household, s), source="self", reference=f"JC{s.key}{next(w.serial)}",
        name="杨文明", text="家中有人生病")),
    mm.Case: (V, _case),
    pm.Project: (V, lambda w, s: pm.Project.objects.create(
        region=s.village, year=2026, name="产业路", category="infrastructure", budget=100000)),
    qm.QualityRun: (C, lambda w, s: qm.QualityRun.objects.create(region=s.county, year=2026, status="done")),
    qm.QualityCount: (V, lambda w, s: qm.QualityCount.objects.create(
        run=w.row(qm.QualityRun, s), region=s.village, rule="Q01", count=1)),
    pm.ProjectFunding: (V, lambda w, s: pm.ProjectFunding.objects.create(
        project=w.row(pm.Project, s), kind="central", amount=100000)),
    pm.PerformanceTarget: (V, lambda w, s: pm.PerformanceTarget.objects.create(
        project=w.row(pm.Project, s), kind="output", indicator="道路长度", value="3 公里")),
    pm.ProjectBeneficiary: (V, lambda w, s: pm.ProjectBeneficiary.objects.create(
        project=w.row(pm.Project, s), household=w.row(Household, s))),
    pm.ProjectPolicy: (P, lambda w, s: pm.ProjectPolicy.objects.create(year=2030, province=s.province)),
    pm.ProjectStep: (V, lambda w, s: pm.ProjectStep.objects.create(
        project=w.row(pm.Project, s), kind="progress", stage_before="planned", stage_after="implementing",
        actor_label="村级", attachment=f"identification/2026/03/{s.key}.pdf")),
    pm.ProjectNotice: (V, lambda w, s: pm.ProjectNotice.objects.create(
        project=w.row(pm.Project, s), region=s.village, kind="village", starts_on=TODAY,
        last_day=TODAY + dt.timedelta(days=9), facts={"name": "产业路"})),
    pm.ProjectObjection: (V, lambda w, s: pm.ProjectObjection.objects.create(
        notice=w.row(pm.ProjectNotice, s), region=s.village, reference=f"XM{s.key}{next(w.serial)}",
        source="public", text="选址不合理")),
    pm.LibraryRevision: (C, lambda w, s: pm.LibraryRevision.objects.create(county=s.county, year=2026)),
    pm.LibraryRevisionItem: (C, lambda w, s: pm.LibraryRevisionItem.objects.create(
        revision=w.row(pm.LibraryRevision, s), project=w.row(pm.Project, s), proposed="carry", decision="carry")),
    pm.LibraryRevisionStep: (C, lambda w, s: pm.LibraryRevisionStep.objects.create(
        revision=w.row(pm.LibraryRevision, s), kind="open", actor_label="县级")),
    pm.Asset: (V, lambda w, s: pm.Asset.objects.create(
        project=w.row(pm.Project, s), region=s.village, name="光伏电站", kind="operating", owner="村集体",
        value=100000, maintainer="村委会")),
    pm.AssetIncome: (V, lambda w, s: pm.AssetIncome.objects.create(
        asset=w.row(pm.Asset, s), year=2026, amount=1000, households=1)),
    fm.FundPolicy: (P, lambda w, s: fm.FundPolicy.objects.create(year=2030, province=s.province)),
    fm.FundRule: (P, lambda w, s: fm.FundRule.objects.create(year=2030, province=s.province, fund_source="donation")),
    fm.Fund: (C, _fund),
    fm.Allocation: (C, _allocation),
    fm.PaymentBatch: (C, lambda w, s: fm.PaymentBatch.objects.create(county=s.county)),
    fm.Payment: (V, _payment),
    fm.PaymentReceipt: (V, lambda w, s: fm.PaymentReceipt.objects.create(
        payment=w.row(fm.Payment, s), file=f"identification/2026/03/{s.key}.pdf", name="发票.pdf")),
    fm.VillageCadre: (V, lambda w, s: fm.VillageCadre.objects.create(
        region=s.village, name="村支书", id_number="522634197005170011", post="支书")),
    fm.Alert: (V, lambda w, s: fm.Alert.objects.create(
        kind="idle", key=f"matrix-{s.key}", region=s.village, year=2026, summary="资金滞留")),
    fm.Notice: (V, lambda w, s: fm.Notice.objects.create(
        region=s.village, year=2026, title="公告", starts_on=TODAY, last_day=TODAY)),
    fm.AlertStep: (V, lambda w, s: fm.AlertStep.objects.create(
        alert=w.row(fm.Alert, s), region=s.village, action="close", reason="已核实")),
    fm.FundObjection: (V, lambda w, s: fm.FundObjection.objects.create(
        notice=w.row(fm.Notice, s), region=s.village, reference=f"ZJ{s.key}{next(w.serial)}", source="public",
        text="金额不对")),
    ImportJob: (T, lambda w, s: ImportJob.objects.create(
        region_code=s.town.code, original_name="户.xlsx", file=f"imports/2026/03/{s.key}.xlsx")),
    ExportJob: (T, lambda w, s: ExportJob.objects.create(
        region_code=s.town.code, format="csv", status="done", file=f"exports/2026/03/{s.key}.zip")),
    RegionFigures: (V, lambda w, s: RegionFigures.objects.create(
        year=2026, code=s.village.code, level=5, parent=s.town.code, figures={"poor_persons": 2}, engine="duckdb",
        computed_at=timezone.now())),
    RuralPopulation: (V, lambda w, s: RuralPopulation.objects.create(region=s.village, year=2026, persons=500)),
    ReportJob: (T, lambda w, s: ReportJob.objects.create(
        user=w.users["county"], region=s.town, kind="township_book", year=2026)),
    asm.SamplingPolicy: (P, lambda w, s: asm.SamplingPolicy.objects.create(year=2030, province=s.province)),
    asm.Sample: (C, lambda w, s: asm.Sample.objects.create(
        county=s.county, year=2026, purpose="accuracy", seed=1, villages=2, households_per_village=10)),
    asm.SampleVillage: (V, lambda w, s: asm.SampleVillage.objects.create(
        sample=w.row(asm.Sample, s), village=s.village, stratum=s.county.code, frame_villages=2, drawn_villages=2,
        weight=1)),
    asm.SampleHousehold: (V, lambda w, s: asm.SampleHousehold.objects.create(
        sample=w.row(asm.Sample, s), sampled_village=w.row(asm.SampleVillage, s), region=s.village,
        household=w.row(Household, s), key=f"V01-H{s.key}", group="labour", status="registered", persons=2,
        frame_size=1, drawn=1, weight=1)),
    asm.SurveyResponse: (V, lambda w, s: asm.SurveyResponse.objects.create(
        sample=w.row(asm.Sample, s), sample_household=w.row(asm.SampleHousehold, s), region=s.village,
        instance_id=f"uuid:{s.key}", source="odk", form_version="2026.1.1", persons=2, income_ok=True,
        food_clothing=True, education=True, medical=True, housing=True, water=True, satisfied=True)),
    asm.SurveyImportJob: (C, lambda w, s: asm.SurveyImportJob.objects.create(
        sample=w.row(asm.Sample, s), file=f"assessment/surveys/{s.key}.csv", original_name="提交.csv")),
    asm.Estimate: (C, lambda w, s: asm.Estimate.objects.create(
        sample=w.row(asm.Sample, s), kind="missed", point=0, se=0, low=0, high=0.1, units=40, n_eff=30, psus=2,
        strata=1, numerator=0, denominator=40, method="test")),
    asm.AssessmentPolicy: (P, lambda w, s: asm.AssessmentPolicy.objects.create(year=2030, province=s.province)),
    asm.Indicator: (P, lambda w, s: asm.Indicator.objects.create(
        year=2030, province=s.province, key="funds", name="资金成效", weight=10, source="funds", origin="daily", best=100,
        worst=0)),
    asm.Finding: (V, lambda w, s: asm.Finding.objects.create(
        region=s.village, source="audit", title="问题", responsible_unit="县乡村振兴局", deadline=TODAY, raised_level=3)),
    asm.CountyExitStep: (C, lambda w, s: asm.CountyExitStep.objects.create(
        county=s.county, year=2026, kind="propose", level=3)),
    asm.Score: (C, lambda w, s: asm.Score.objects.create(county=s.county, year=2026, total=90, grade="good")),
    asm.LocalFigure: (C, lambda w, s: asm.LocalFigure.objects.create(
        county=s.county, year=2026, key="local", name="地方特色产业", value=1, note="县统计局年报")),
    asm.PoorCounty: (C, lambda w, s: asm.PoorCounty.objects.create(county=s.county, year=2026, kind="national")),
    asm.ExitChecklist: (P, lambda w, s: asm.ExitChecklist.objects.create(
        year=2030, province=s.province, items=["贫困村全部退出"])),
    asm.ExitNotice: (C, lambda w, s: asm.ExitNotice.objects.create(
        region=s.county, year=2026, step=w.row(asm.CountyExitStep, s), starts_on=TODAY, last_day=TODAY)),
    asm.ExitObjection: (C, lambda w, s: asm.ExitObjection.objects.create(
        notice=w.row(asm.ExitNotice, s), region=s.county, reference=f"TC{s.key}{next(w.serial)}", source="public",
        text="异议内容")),
    asm.NationalCheck: (C, lambda w, s: asm.NationalCheck.objects.create(
        county=s.county, year=2026, seed=1, stratum=s.province.code, frame=1, drawn=1, weight=1)),
}  # fmt: skip

ALL_MODELS = scoped_models()
TOWNSHIP_MODELS = [m for m in ALL_MODELS if m in FACTORIES and FACTORIES[m][0] >= T]


def _name(model) -> str:
    return model.__name__


@pytest.fixture
def world(register, users, regions, settings, tmp_path):
    settings.MEDIA_ROOT = (
        tmp_path  # the rows' files (attachments, photos, uploads) exist, in this test's folder
    )
    for name in ("identification/2026/03/a.pdf", "visits/2026/03/a.jpg", "imports/2026/03/a.xlsx"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"%PDF-1.4 matrix")

    def region(code, name, level, parent):
        return Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )[0]

    province = Region.objects.get(code=PROVINCE)
    other_province = region(OTHER_PROVINCE, "云南省", P, None)
    other_county = region(OTHER_COUNTY, "麻江县", C, Region.objects.get(code="522600000000"))
    a = Side("a", regions[VILLAGE_A], regions[TOWN_A], regions[COUNTY], province)
    b = Side("b", regions[VILLAGE_B], regions[TOWN_B], other_county, other_province)
    w = World(register, a, b)
    w.users = users
    for model in FACTORIES:
        w.pair(model)
    return w


def user_of(world, model, role=Role.OPERATOR):
    """A user whose region is side A's region at the level of ``model``'s rows."""
    region = world.sides["a"].at(FACTORIES[model][0])
    return make_user(f"{role}-{region.code}-{next(world.serial)}", role, region)


def test_every_scoped_model_has_a_factory():
    missing = [m._meta.label for m in ALL_MODELS if m not in FACTORIES]
    assert not missing, f"add a factory to FACTORIES for {missing}: a scoped model must be in the matrix"
    assert len(ALL_MODELS) >= 38


@pytest.mark.parametrize("model", ALL_MODELS, ids=_name)
def test_for_user_sees_its_own_region_and_not_the_other(model, world):
    row_a, row_b = world.pair(model)
    assert row_a.scope_code() != row_b.scope_code()
    operator, viewer = user_of(world, model), user_of(world, model, Role.VIEWER)
    for action in ("view", "change", "export"):
        visible = set(model.objects.for_user(operator, action).values_list("pk", flat=True))
        assert row_a.pk in visible and row_b.pk not in visible, action
    assert model.objects.for_user(viewer, "view").filter(pk=row_a.pk).exists()
    assert not model.objects.for_user(viewer, "change").exists()
    assert not model.objects.for_user(AnonymousUser()).exists()
    assert model.objects.filter(pk=row_b.pk).for_user(operator).count() == 0


def _codes(model, qs):
    return set(qs.values_list(model.scope_lookup, flat=True))


@pytest.mark.parametrize("model", TOWNSHIP_MODELS, ids=_name)
@pytest.mark.parametrize("action", ["view", "change", "export"])
def test_for_user_never_reaches_another_township(model, action, users, world):
    visible = _codes(model, model.objects.for_user(users["town_a"], action))
    assert visible, "the user's own township must be visible"
    assert all(code.startswith("522634100") for code in visible if code), visible
    county_wide = _codes(model, model.objects.for_user(users["county"], action))
    assert any(code.startswith("522634101") for code in county_wide if code)


@pytest.mark.parametrize("model", TOWNSHIP_MODELS, ids=_name)
def test_viewer_cannot_change_anything(model, users, world):
    assert not model.objects.for_user(users["town_a_viewer"], "change").exists()
    assert model.objects.for_user(users["town_a_viewer"], "view").exists()


def test_anonymous_sees_nothing(world):
    for model in ALL_MODELS:
        assert not model.objects.for_user(AnonymousUser()).exists()


@pytest.mark.parametrize("model", ALL_MODELS, ids=_name)
def test_the_audit_scope_is_the_rows_region(model, world):
    row_a, _ = world.pair(model)
    code = row_a.scope_code()
    assert code == model.objects.filter(pk=row_a.pk).values_list(model.scope_lookup, flat=True).get()
    root, region_code = row_a.audit_scope()
    assert region_code == code and root


# ---- every URL that names an object -------------------------------------------------------------------------

# Page routes that name an object: the model each object kwarg reads. A route naming an object that is neither
# here nor in UNSCOPED_ROUTES fails the matrix (say what it reads).
UI_ROUTES = {
    "registry:household_detail": {"pk": Household},
    "registry:household_edit": {"pk": Household},
    "registry:household_cancel": {"pk": Household},
    "registry:household_reveal": {"pk": Household},
    "registry:member_change": {"pk": Household},
    "registry:transfer_detail": {"pk": Transfer},
    "registry:transfer_accept": {"pk": Transfer},
    "registry:transfer_refuse": {"pk": Transfer},
    "registry:transfer_cancel": {"pk": Transfer},
    "registry:split_review_clear": {"pk": SplitReview},
    "regions:browse": {"code": Region},
    "registry:year_page": {"code": AdjustmentYear},
    "registry:year_act": {"code": AdjustmentYear},
    "imports:job": {"pk": ImportJob},
    "imports:export_job": {"pk": ExportJob},
    "imports:export_download": {"pk": ExportJob},
    "imports:report": {"pk": ImportJob},
    "imports:file": {"pk": ImportJob},
    "imports:retry": {"pk": ImportJob},
    "identification:apply": {"household_pk": Household},
    "identification:exit_apply": {"household_pk": Household},
    "identification:return_apply": {"household_pk": Household},
    "identification:detail": {"pk": im.Application},
    "identification:step": {"pk": im.Application},
    "identification:attachment": {"pk": im.Step},
    "identification:publicity_detail": {"pk": im.Publicity},
    "identification:publicity_close": {"pk": im.Publicity},
    "identification:publicity_withdraw": {"pk": im.Publicity, "entry_pk": im.PublicityEntry},
    "identification:objection_create": {"pk": im.Publicity},
    "identification:objection_resolve": {"pk": im.Objection},
    "identification:flag_explain": {"pk": im.CrossCheckFlag},
    "identification:campaign": {"pk": im.Campaign},
    "identification:campaign_close": {"pk": im.Campaign},
    "identification:campaign_export": {"pk": im.Campaign},
    "identification:check": {"pk": im.CampaignCheck},
    "identification:villages": {"code": Region},
    "identification:village_act": {"code": Region},
    "identification:village": {"code": Region},
    "identification:village_data": {"code": Region},
    "identification:village_designate": {"code": Region},
    "assistance:household": {"pk": Household},
    "assistance:plan_create": {"pk": Household},
    "assistance:visit_add": {"pk": Household},
    "assistance:helpers": {"pk": Household},
    "assistance:handbook": {"pk": Household},
    "assistance:measure_add": {"pk": am.Plan},
    "assistance:measure_progress": {"pk": am.Measure},
    "assistance:visit_photo": {"pk": am.Visit},
    "assistance:village": {"code": Region},
    "assistance:village_pair": {"code": Region},
    "assistance:team_send": {"code": Region},
    "assistance:team_member": {"code": Region},
    "assistance:support_add": {"code": Region},
    "assistance:village_form": {"code": Region},
    "assistance:proposal": {"pk": am.MatchingProposal},
    "assistance:proposal_accept": {"pk": am.MatchingProposal},
    "monitoring:clue": {"pk": mm.Clue},
    "monitoring:household_clue": {"household_pk": Household},
    "monitoring:case": {"pk": mm.Case},
    "monitoring:authorisation": {"pk": mm.Case},
    "monitoring:case_step": {"pk": mm.Case},
    "quality:rows": {"pk": qm.QualityRun},
    "quality:workbook": {"pk": qm.QualityRun},
    "projects:detail": {"pk": pm.Project},
    "projects:edit": {"pk": pm.Project},
    "projects:act": {"pk": pm.Project},
    "projects:objection_resolve": {"pk": pm.ProjectObjection},
    "projects:attachment": {"pk": pm.ProjectStep},
    "projects:asset": {"pk": pm.Asset},
    "projects:revision": {"pk": pm.LibraryRevision},
    "projects:revision_act": {"pk": pm.LibraryRevision},
    "funds:fund": {"pk": fm.Fund},
    "funds:allocation": {"pk": fm.Allocation},
    "funds:reissue": {"pk": fm.Payment},
    "funds:batch": {"pk": fm.PaymentBatch},
    "funds:batch_file": {"pk": fm.PaymentBatch},
    "funds:batch_notices": {"pk": fm.PaymentBatch},
    "funds:alert": {"pk": fm.Alert},
    "funds:objection_resolve": {"pk": fm.FundObjection},
    "funds:bank_account": {"household_pk": Household},
    "funds:project_settle": {"pk": pm.Project},
    "funds:receipt": {"pk": fm.PaymentReceipt},
    "funds:household_pay": {"household_pk": Household},
    "reports:download": {"pk": ReportJob},
    "reports:retry": {"pk": ReportJob},
    "reports:household_card": {"pk": Household},
    "reports:village_register": {"code": Region},
    "assessment:sample": {"pk": asm.Sample},
    "assessment:field_list": {"pk": asm.Sample},
    "assessment:xlsform": {"pk": asm.Sample},
    "assessment:survey_import": {"pk": asm.Sample},
    "assessment:survey_job": {"pk": asm.SurveyImportJob},
    "assessment:survey_entry": {"pk": asm.SampleHousehold},
    "assessment:estimates_compute": {"pk": asm.Sample},
    "assessment:county": {"code": asm.Score},
    "assessment:score_years": {"code": asm.Score},
    "assessment:help_answers": {"code": asm.Score},
    "assessment:local_figure_file": {"pk": asm.LocalFigure},
    "assessment:finding": {"pk": asm.Finding},
    "assessment:cadre": {"pk": am.Cadre},
    "assessment:finding_evidence": {"pk": asm.Finding},
    "assessment:finding_from_alert": {"pk": fm.Alert},
    "assessment:national_check_result": {"pk": asm.NationalCheck},
    "assessment:exit_objection_resolve": {"pk": asm.ExitObjection},
}
# Routes read by a role other than the matrix's operator (the third party's samples: ``assess``).
ROUTE_ROLES = {
    "assessment:sample": Role.ASSESSOR,
    "assessment:field_list": Role.ASSESSOR,
    "assessment:xlsform": Role.ASSESSOR,
    "assessment:survey_import": Role.ASSESSOR,
    "assessment:survey_job": Role.ASSESSOR,
    "assessment:survey_entry": Role.ASSESSOR,
    "assessment:estimates_compute": Role.ASSESSOR,
}
OTHER_KWARGS = {
    "rule": "Q01",
    "kind": "verify",
    "fmt": "xlsx",
    "year": 2026,
    "action": "close",
    "change": "birth",
}
# Routes that name a row by something other than its primary key: how to read it from the row.
KWARG_OF_ROW = {AdjustmentYear: lambda row: row.county_id, asm.Score: lambda row: row.county_id}
OBJECT_KWARGS = {"pk", "code", "household_pk", "entry_pk", "ref"}
# Routes naming something that is not a region-scoped row, and why they are not in the matrix.
UNSCOPED_ROUTES = {
    "portal:": "the public portal: published lists, read without a user (public())",
    "admin:": "the Django admin: national administrators only",
    "accounts:user_": "users are scoped by accounts.services.managed_users (tests/accounts)",
}


def _walk(patterns, namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            pattern = p.pattern
            kwargs = set(getattr(pattern, "converters", {}) or pattern.regex.groupindex)
            yield f"{namespace}{p.name}", p.callback, kwargs - {"format"}


def _routes():
    """(name, kind) of every page and API route that names an object; kind: 'ui' or 'api'."""
    api_names = {name for name, _, _ in _walk(router.urls)}
    found = {}
    for name, _callback, kwargs in _walk(get_resolver().url_patterns):
        if kwargs & OBJECT_KWARGS and not any(name.startswith(p) for p in UNSCOPED_ROUTES):
            found[name] = "api" if name in api_names else "ui"
            API_KWARG[name] = next(iter(kwargs & OBJECT_KWARGS))
            ROUTE_KWARGS[name] = kwargs
    return sorted(found.items())


API_KWARG, ROUTE_KWARGS = {}, {}
ROUTES = _routes()
API_MODELS = {}
for _prefix, _viewset, _basename in router.registry:
    API_MODELS[_basename] = (
        getattr(_viewset, "model", None)
        or getattr(_viewset.queryset, "model", None)
        or _viewset.serializer_class.Meta.model
    )


def test_every_api_viewset_reads_a_scoped_model():
    assert set(API_MODELS.values()) <= set(ALL_MODELS)
    for basename in (
        "application",
        "publicity",
        "objection",
        "campaign",
        "campaign-check",
        "plan",
        "measure",
        "visit",
    ):
        assert any(name.startswith(f"{basename}-") for name, kind in ROUTES if kind == "api"), basename


def test_every_page_route_naming_an_object_says_what_it_reads():
    unknown = [name for name, kind in ROUTES if kind == "ui" and name not in UI_ROUTES]
    assert not unknown, f"add these routes to UI_ROUTES (kwarg → model): {unknown}"
    assert not set(UI_ROUTES) - {name for name, _ in ROUTES}, "UI_ROUTES names a route that is gone"


def _kwargs(world, route, side: str):
    models = UI_ROUTES.get(route) or {API_KWARG[route]: API_MODELS[_basename_of(route)]}
    values = {}
    for kwarg, model in models.items():
        row = world.row(model, world.sides[side])
        values[kwarg] = KWARG_OF_ROW.get(model, lambda r: r.pk)(row)
    for kwarg, value in OTHER_KWARGS.items():
        values.setdefault(kwarg, value)
    return models[next(iter(models))], values


def _basename_of(route):
    return max((b for b in API_MODELS if route.startswith(f"{b}-")), key=len)


def _reverse(route, values):
    return reverse(route, kwargs={k: v for k, v in values.items() if k in ROUTE_KWARGS[route]})


def _api_route_methods(route):
    for name, callback, _ in _walk(router.urls):
        if name == route:
            return sorted(callback.actions)
    return []


@pytest.mark.parametrize(("route", "kind"), ROUTES, ids=[r for r, _ in ROUTES])
def test_every_route_naming_an_object_answers_404_outside_scope(route, kind, world, client):
    if kind == "ui" and route not in UI_ROUTES:
        pytest.fail(f"{route} names an object: add it to UI_ROUTES")
    model, theirs = _kwargs(world, route, "b")
    _, own = _kwargs(world, route, "a")
    user = user_of(world, model, ROUTE_ROLES.get(route, Role.OPERATOR))
    if kind == "ui":
        client.force_login(user)
        answers = {m: getattr(client, m)(_reverse(route, theirs)).status_code for m in ("get", "post")}
        assert set(answers.values()) <= {404, 405} and 404 in answers.values(), answers
        if answers["get"] == 404:  # and the same page of A's own row is there: the 404 is the scope's
            assert (client.get(_reverse(route, own)).status_code == 404) == (route in EMPTY_IN_SCOPE), route
    else:
        api = APIClient()
        api.force_authenticate(user)
        for method in _api_route_methods(route):
            assert getattr(api, method)(_reverse(route, theirs), {}, format="json").status_code == 404, method
        if "get" in _api_route_methods(route):
            assert (api.get(_reverse(route, own)).status_code == 404) == (route in EMPTY_IN_SCOPE), route


# Routes whose own (in-scope) row also answers 404 in this matrix, and why (the matrix makes no files).
EMPTY_IN_SCOPE = {
    "imports:report": "the job has no error report",
    "reports:download": "the job has no file yet",
    "assessment:finding_evidence": "the finding has no evidence file",
    "assessment:local_figure_file": "the figure has no evidence file",
}


# ---- the township matrix over the service-built records (pages, API and exports by query parameter) ----------


def _on_a_list_with_an_objection(applicant, village):
    """An application of ``village`` on its first 公示, with an objection (the system acting: no user)."""
    app = services.application_create(user=None, household=applicant(region=village), year=2026)
    services.application_verify(user=None, application=app, passed=True, findings="属实")
    services.application_deliberate(
        user=None, application=app, meeting_on=app.stage_since, attendance=5, votes_for=5, votes_against=0
    )
    publicity = services.publicity_open(
        user=None, region=Region.objects.get(code=village), round=Round.FIRST, applications=[app]
    )
    services.objection_file(user=None, entry=publicity.entries.get(), text="对该户有异议，请核实")
    return app, publicity


@pytest.fixture
def two_households(register, applicant, users):
    for village in (VILLAGE_A, VILLAGE_B):
        _on_a_list_with_an_objection(applicant, village)
    pair = register(region=VILLAGE_A), register(region=VILLAGE_B)
    campaigns.campaign_open(
        user=None, county=Region.objects.get(code=COUNTY), title="回头看", year=2026, mode="all"
    )  # a 回头看 over the whole county draws households of both townships
    unit = assistance.unit_create(user=None, name="县卫健局", unit_type="health", level=3, region=None)
    for household, town in zip(pair, ("522634100000", TOWN_B), strict=True):
        cadre = assistance.cadre_create(
            user=None, name="帮扶人", unit=unit, region=Region.objects.get(code=town)
        )
        assistance.household_pair(user=None, household=household, cadre=cadre)
        plan = plans.plan_create(user=None, household=household, year=2026)
        plans.measure_add(user=None, plan=plan, category="health", item="insurance", responsible="县医保局")
        plans.visit_record(user=None, household=household, cadre=cadre, visited_on=timezone.localdate(plan.created_at),
                           content="入户走访")  # fmt: skip
        plans.support_add(user=None, village=household.region, year=2026, amount=100, description="修路",
                          kind="funds", unit=unit)  # fmt: skip
        RuralPopulation.objects.create(region=household.region, year=2026, persons=500)
        RegionFigures.objects.create(
            year=2026, code=household.region_id, level=5, parent=household.region_id[:9] + "000",
            figures={"poor_persons": 2}, engine="duckdb", computed_at=timezone.now(),
        )  # fmt: skip
        ReportJob.objects.create(
            user=users["county"], region=Region.objects.get(code=town), kind="township_book", year=2026
        )
        RegionOffice.objects.create(
            region=Region.objects.get(code=town), name="乡镇扶贫工作站", phone="0855-1"
        )
    return pair


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/households/{pk}/"),
        ("get", "/households/{pk}/edit/"),
        ("post", "/households/{pk}/edit/"),
        ("post", "/households/{pk}/cancel/"),
        ("post", "/households/{pk}/reveal/"),
        ("get", "/regions/{village}/"),
        ("get", "/assistance/households/{pk}/"),
        ("get", "/assistance/households/{pk}/handbook.pdf"),
        ("post", "/assistance/households/{pk}/plan/"),
        ("post", "/assistance/households/{pk}/visits/"),
        ("get", "/assistance/villages/{village}/"),
        ("get", "/assistance/villages/{village}/form.pdf"),
        ("post", "/assistance/villages/{village}/supports/"),
        ("get", "/analytics/?region={village}"),
        ("get", "/reports/households/{pk}/card.pdf"),
        ("get", "/reports/villages/{village}/register.xlsx"),
        ("get", "/reports/villages/{village}/register.pdf"),
        ("get", "/analytics/?region={village}&download=all"),
    ],
)
def test_ui_answers_404_outside_scope(client, users, two_households, method, url):
    _, other = two_households
    client.force_login(users["town_a"])
    response = getattr(client, method)(url.format(pk=other.pk, village=VILLAGE_B))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "registered"


def test_ui_list_and_export_show_only_own_township(client, users, two_households):
    mine, other = two_households
    client.force_login(users["town_a"])
    page = client.get("/households/").content.decode()
    assert mine.number in page and other.number not in page
    page = client.get(f"/households/?region={TOWN_B}").content.decode()
    assert other.number not in page and "不在您的管辖范围内" in page
    export = b"".join(client.get("/households/export.csv").streaming_content).decode("utf-8-sig")
    assert mine.number in export and other.number not in export


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/households/{pk}/", None),
        ("patch", "/api/v1/households/{pk}/", {"main_cause": "disaster"}),
        (
            "put",
            "/api/v1/households/{pk}/",
            {"region": VILLAGE_A, "attribute": "general", "main_cause": "other"},
        ),
        ("get", "/api/v1/regions/{village}/", None),
        ("get", "/api/v1/regions/{village}/counts/", None),
        ("get", "/api/v1/analytics/figures/?region={village}", None),
    ],
)
def test_api_answers_404_outside_scope(users, two_households, method, url, body):
    _, other = two_households
    client = APIClient()
    client.force_authenticate(users["town_a"])
    response = getattr(client, method)(url.format(pk=other.pk, village=VILLAGE_B), body, format="json")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.main_cause == "illness"


def test_api_list_and_filters_cannot_widen_scope(users, two_households):
    mine, other = two_households
    client = APIClient()
    client.force_authenticate(users["town_a"])
    numbers = [r["number"] for r in client.get("/api/v1/households/").json()["results"]]
    assert mine.number in numbers and other.number not in numbers
    assert all(n.startswith(VILLAGE_A) for n in numbers)
    assert client.get(f"/api/v1/households/?region={TOWN_B}").status_code == 400
    assert client.get("/api/v1/households/?region=520000000000").status_code == 400
    codes = {r["code"] for r in client.get("/api/v1/regions/?page_size=500").json()["results"]}
    assert VILLAGE_A in codes and VILLAGE_B not in codes


def test_creating_in_another_township_is_refused(users, two_households):
    from tests.registry.test_api import api_payload

    client = APIClient()
    client.force_authenticate(users["town_a"])
    before = Household.objects.filter(region_id=VILLAGE_B).count()
    response = client.post("/api/v1/households/", api_payload(region=VILLAGE_B), format="json")
    assert response.status_code == 400 and "region" in response.json()["error"]["fields"]
    assert Household.objects.filter(region_id=VILLAGE_B).count() == before


def test_export_of_another_township_is_404(client, users, two_households):
    client.force_login(users["town_a"])
    assert client.get(f"/households/export.csv?region={TOWN_B}").status_code == 404
