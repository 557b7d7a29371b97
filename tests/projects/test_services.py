"""The project library's services: the lifecycle by the right level and role, each refusal in Chinese with
nothing changed, the public facts counted, and the distribution of an asset's income to the households."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.accounts.choices import Role
from jingzhun.core.models import AuditLog
from jingzhun.projects import selectors, services
from jingzhun.projects.choices import NoticeKind, Stage
from jingzhun.projects.models import Asset, Project, ProjectStep
from jingzhun.regions.models import Region
from jingzhun.registry.models import HouseholdYear
from tests.conftest import VILLAGE_B, make_user

from .conftest import aged, draft_of, listed, today

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def test_a_project_without_a_target_cannot_be_published_or_declared(staff, households):
    project = draft_of(staff["village_a"], targets=False)
    with pytest.raises(ValidationError, match="没有绩效目标"):
        services.notice_open(user=staff["village_a"], project=project)
    with pytest.raises(ValidationError, match="没有绩效目标"):
        services.declare(user=staff["village_a"], project=project)
    project.refresh_from_db()
    assert project.stage == Stage.DRAFT and not project.notices.exists() and not project.steps.exists()


def test_sources_must_add_up_to_the_budget(staff, draft):
    services.fundings_set(user=staff["village_a"], project=draft, fundings={"central": "300000"})
    with pytest.raises(ValidationError, match=r"资金来源合计 300000\.00 元与概算投资 500000\.00 元不一致"):
        services.notice_open(user=staff["village_a"], project=draft)


def test_amounts_are_exact_and_never_negative(staff, households):
    with pytest.raises(ValidationError, match="最多保留两位小数"):
        draft_of(staff["village_a"], budget="100.005")
    with pytest.raises(ValidationError, match="不能为负数"):
        draft_of(staff["village_a"], budget="-1")
    assert not Project.objects.exists()


def test_beneficiaries_only_from_the_projects_villages(staff, draft, register):
    outside = register(region=VILLAGE_B)
    with pytest.raises(ValidationError, match="1 户不在项目覆盖村"):
        services.beneficiaries_set(user=staff["village_a"], project=draft, household_ids=[outside.pk])
    assert draft.beneficiaries.count() == 2


def test_declaring_waits_for_the_village_notice_to_run_its_days(staff, draft):
    with pytest.raises(ValidationError, match="请先发布项目申报公示"):
        services.declare(user=staff["village_a"], project=draft)
    notice = services.notice_open(user=staff["village_a"], project=draft)
    assert notice.kind == NoticeKind.VILLAGE and notice.region_id == draft.region_id
    assert (notice.last_day - notice.starts_on).days == 9  # 10 days by default (policy data)
    with pytest.raises(ValidationError, match="公示期满后才能办理"):
        services.declare(user=staff["village_a"], project=draft)
    aged(notice)
    step = services.declare(user=staff["village_a"], project=draft)
    assert step.stage_before == Stage.DRAFT and step.stage_after == Stage.DECLARED


def test_publicity_days_are_policy_by_year_and_province(staff, draft):
    services.policy_set(
        user=staff["national"], year=today().year - 1, province="520000000000", publicity_days=7
    )
    notice = services.notice_open(user=staff["village_a"], project=draft)
    assert (notice.last_day - notice.starts_on).days == 6


def test_the_public_facts_count_and_never_name(staff, draft, households):
    notice = services.notice_open(user=staff["village_a"], project=draft)
    facts = notice.facts
    assert facts["budget"] == "500000.00" and facts["beneficiaries"] == {
        "households": 2, "persons": 4, "poor_persons": 4}  # fmt: skip
    assert ["中央财政专项扶贫资金", "300000.00"] in facts["sources"]
    text = str(facts)
    for h in households:
        assert h.head_name not in text and h.number not in text


def test_an_open_objection_holds_the_project(staff, draft):
    notice = services.notice_open(user=staff["village_a"], project=draft)
    objection = services.objection_file(user=None, notice=notice, text="项目选址占用了基本农田")
    aged(notice)
    with pytest.raises(ValidationError, match="尚未处理的异议"):
        services.declare(user=staff["village_a"], project=draft)
    with pytest.raises(ValidationError, match="请写明理由"):
        services.objection_resolve(user=staff["village_a"], objection=objection, upheld=False, reason=" ")
    services.objection_resolve(
        user=staff["village_a"], objection=objection, upheld=False, reason="已核实，选址为荒地"
    )
    services.declare(user=staff["village_a"], project=draft)


def test_an_upheld_objection_returns_the_project(staff, draft):
    notice = services.notice_open(user=staff["village_a"], project=draft)
    objection = services.objection_file(user=None, notice=notice, text="受益户名单有干部亲属")
    services.objection_resolve(user=staff["village_a"], objection=objection, upheld=True, reason="属实")
    draft.refresh_from_db()
    assert draft.stage == Stage.REJECTED


def test_each_step_by_its_level_and_role(staff, draft):
    aged(services.notice_open(user=staff["village_a"], project=draft))
    with pytest.raises(PermissionDenied, match="须由村级用户办理"):
        services.declare(user=staff["town_a"], project=draft)
    services.declare(user=staff["village_a"], project=draft)
    with pytest.raises(PermissionDenied, match="须由乡镇级用户办理"):
        services.review(user=staff["village_a"], project=draft, passed=True)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围"):
        services.review(user=staff["town_b"], project=draft, passed=True)
    with pytest.raises(ValidationError, match="请写明理由"):
        services.review(user=staff["town_a"], project=draft, passed=False)
    services.review(user=staff["town_a"], project=draft, passed=True)
    with pytest.raises(ValidationError, match="请先发布乡镇审核公示"):
        services.appraise(user=staff["department"], project=draft, passed=True)
    aged(services.notice_open(user=staff["town_a"], project=draft))
    with pytest.raises(PermissionDenied, match="角色不能办理"):
        services.appraise(user=staff["county"], project=draft, passed=True)
    services.appraise(user=staff["department"], project=draft, passed=True)
    with pytest.raises(PermissionDenied, match="须由县级用户办理"):
        services.approve(user=staff["town_a"], project=draft, passed=True)
    with pytest.raises(PermissionDenied, match="角色不能办理"):
        services.approve(user=staff["department"], project=draft, passed=True)
    services.approve(user=staff["county"], project=draft, passed=True)
    draft.refresh_from_db()
    assert draft.stage == Stage.LISTED
    county_notice = draft.notices.get(kind=NoticeKind.COUNTY)
    assert county_notice.region_id == "522634000000" and not county_notice.accepts_objections(today())
    kinds = list(draft.steps.values_list("kind", flat=True))
    assert kinds == ["village_notice", "declare", "review", "township_notice", "appraise", "approve"]
    assert AuditLog.objects.filter(root=f"projects.project:{draft.pk}").count() >= 8


def test_steps_are_immutable(staff, draft):
    step = services.notice_open(user=staff["village_a"], project=draft) and draft.steps.get()
    step.note = "改"
    with pytest.raises(ValidationError, match="不可修改"):
        step.save()
    with pytest.raises(ValidationError, match="不可删除"):
        step.delete()


def test_wrong_stage_is_refused_and_nothing_changes(staff, draft):
    with pytest.raises(ValidationError, match="当前处于「草拟」阶段，不能办理「列入年度计划」"):
        services.plan(user=staff["county"], project=draft)
    assert not ProjectStep.objects.exists()


def test_implementation_acceptance_settlement_and_transfer(staff, draft, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    project = listed(draft, staff)
    services.plan(user=staff["county"], project=project)
    with pytest.raises(ValidationError, match="尚未验收"):
        services.record_settlement(
            user=staff["finance"], project=project, amount="1", receipts_note="票据", final=True
        )
    services.record_settlement(
        user=staff["finance"], project=project, amount="150000", receipts_note="开工预付款发票"
    )
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    services.progress_report(
        user=staff["village_a"], project=project, percent=60, note="主体完工", photo=photo
    )
    with pytest.raises(ValidationError, match="不能低于上次报送的 60%"):
        services.progress_report(user=staff["village_a"], project=project, percent=50)
    bad = SimpleUploadedFile("现场.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="PDF、JPG 或 PNG"):
        services.progress_report(user=staff["village_a"], project=project, percent=70, photo=bad)
    with pytest.raises(ValidationError, match="完工（100%）后才能验收"):
        services.accept(
            user=staff["county"], project=project, passed=True, team="张三、李四", findings="合格"
        )
    services.progress_report(user=staff["town_a"], project=project, percent=100)
    with pytest.raises(ValidationError) as exc:
        services.accept(user=staff["county"], project=project, passed=True, team="", findings="")
    assert "请填写验收组成员。" in exc.value.messages
    on = today() - dt.timedelta(days=1)
    services.accept(
        user=staff["county"],
        project=project,
        passed=True,
        team="县农业农村局、财政局",
        findings="质量合格",
        on=on,
    )
    project.refresh_from_db()
    assert project.accepted_on == on and project.stage == Stage.ACCEPTED
    assert project.notices.filter(kind=NoticeKind.RESULT).exists()
    with pytest.raises(ValidationError, match="将超过概算投资"):
        services.record_settlement(
            user=staff["finance"], project=project, amount="350000.01", receipts_note="尾款", final=True
        )
    with pytest.raises(PermissionDenied, match="角色不能办理"):
        services.record_settlement(user=staff["county"], project=project, amount="1", receipts_note="尾款")
    services.record_settlement(
        user=staff["finance"], project=project, amount="350000", receipts_note="竣工结算发票", final=True
    )
    project.refresh_from_db()
    assert project.stage == Stage.SETTLED and project.settled == Decimal("500000.00")
    with pytest.raises(ValidationError, match="第 1 项资产"):
        services.transfer(
            user=staff["county"],
            project=project,
            assets=[{"name": "厂房", "kind": "operating", "value": "1"}],
        )
    assets = services.transfer(user=staff["county"], project=project, assets=[
        {"name": "茶叶加工厂房", "kind": "operating", "owner": "村集体经济合作社", "value": "500000", "maintainer": "村委会"}])  # fmt: skip
    project.refresh_from_db()
    assert project.stage == Stage.TRANSFERRED and assets[0].beneficiaries.count() == 2


def test_yearly_revision_carries_or_withdraws(staff, draft):
    project = listed(draft, staff)
    with pytest.raises(ValidationError, match="请写明理由"):
        services.carry(user=staff["county"], project=project, reason="")
    new = services.carry(user=staff["county"], project=project, reason="资金未到位，结转下年度")
    project.refresh_from_db()
    assert project.stage == Stage.WITHDRAWN and new.year == project.year + 1 and new.stage == Stage.LISTED
    assert new.targets.count() == 1 and new.beneficiaries.count() == 2 and new.fundings.count() == 2
    services.withdraw(user=staff["county"], project=new, reason="规划调整")
    new.refresh_from_db()
    assert new.stage == Stage.WITHDRAWN
    with pytest.raises(ValidationError, match="不能办理「调出项目库」"):
        services.withdraw(user=staff["county"], project=new, reason="再调")


def _asset(staff, draft, kind="operating"):
    project = listed(draft, staff)
    Project.objects.filter(pk=project.pk).update(stage=Stage.SETTLED)
    project.refresh_from_db()
    return services.transfer(user=staff["county"], project=project, assets=[
        {"name": "光伏电站", "kind": kind, "owner": "村集体", "value": "500000", "maintainer": "村委会"}])[0]  # fmt: skip


def test_income_of_an_operating_asset_goes_to_the_households_dividend(staff, draft, households):
    asset = _asset(staff, draft)
    before = {y.household_id: y.property_dividend for y in HouseholdYear.objects.filter(year=2015)}
    with pytest.raises(ValidationError, match="没有 2016 年度信息"):
        services.income_distribute(user=staff["county"], asset=asset, year=2016, amount="100")
    income = services.income_distribute(user=staff["county"], asset=asset, year=2015, amount="1000.01")
    assert income.households == 2
    after = {y.household_id: y for y in HouseholdYear.objects.filter(year=2015)}
    gains = sorted(after[h].property_dividend - before[h] for h in before)
    assert gains == [Decimal("500.00"), Decimal("500.01")]
    assert all(y.property_dividend <= y.property_income for y in after.values())
    logged = AuditLog.objects.filter(model="registry.householdyear", changes__has_key="asset_income")
    assert logged.count() == 2


def test_income_refused_for_other_kinds_and_closed_years(staff, draft, households):
    asset = _asset(staff, draft, kind="public")
    with pytest.raises(ValidationError, match="只有经营性资产"):
        services.income_distribute(user=staff["county"], asset=asset, year=2015, amount="100")
    Asset.objects.filter(pk=asset.pk).update(kind="operating")
    from jingzhun.registry.models import AdjustmentYear

    AdjustmentYear.objects.create(county_id="522634000000", year=2015, state="closed")
    with pytest.raises(ValidationError):
        services.income_distribute(user=staff["county"], asset=asset, year=2015, amount="100")
    assert not asset.incomes.exists()


def test_workbench_waiting_counts(staff, draft):
    aged(services.notice_open(user=staff["village_a"], project=draft))
    assert selectors.waiting(user=staff["village_a"])["declare"].count() == 1
    services.declare(user=staff["village_a"], project=draft)
    assert selectors.waiting(user=staff["town_a"])["review"].count() == 1
    assert "appraise" not in selectors.waiting(user=staff["town_a"])


def test_settlement_refusals_change_nothing(staff, draft, county_b):
    project = listed(draft, staff)
    services.plan(user=staff["county"], project=project)
    with pytest.raises(ValidationError, match="报账金额须大于 0"):
        services.record_settlement(user=staff["finance"], project=project, amount="0", receipts_note="票据")
    with pytest.raises(ValidationError, match="请写明报账所附的票据凭证"):
        services.record_settlement(user=staff["finance"], project=project, amount="10", receipts_note=" ")
    with pytest.raises(PermissionDenied, match="不在您的管辖范围"):
        services.record_settlement(
            user=make_user("cz_b", Role.FINANCE, Region.objects.get(code="522635000000")),
            project=project, amount="10", receipts_note="票据",
        )  # fmt: skip
    project.refresh_from_db()
    assert project.settled == 0 and not project.steps.filter(kind="settle").exists()


def test_projects_still_in_procedure_hold_the_year(staff, draft):
    from jingzhun.projects.panels import open_in_year

    [items] = open_in_year(county="522634000000", year=today().year)
    assert items.total == 1 and "未完成申报审核" in items.label
    assert open_in_year(county="522634000000", year=today().year - 1)[0].total == 0
