"""The identification procedure through its services: the one path from application to 公告, and every way of
getting it wrong refused with a clear message and nothing changed."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jingzhun.core.models import AuditLog
from jingzhun.identification import services
from jingzhun.identification.choices import ObjectionStatus, Round, Stage
from jingzhun.identification.models import Application, Step
from jingzhun.regions.models import Region
from tests.conftest import VILLAGE_A, VILLAGE_B, make_user

from .conftest import deliberated, listed, period_passes

TODAY = timezone.localdate


def _to_first_publicity(app, users):
    deliberated(app, users)
    return listed(app, users)


def _stage(app) -> str:
    return Application.objects.get(pk=app.pk).stage


def test_one_household_from_application_to_announcement(application, users):
    village = Region.objects.get(code=VILLAGE_A)
    first = _to_first_publicity(application, users)
    assert _stage(application) == Stage.FIRST_PUBLICITY
    assert first.last_day == TODAY() + dt.timedelta(days=6)  # the default 7 days, the first day counting
    period_passes(first)
    assert services.publicity_close(user=users["village_a"], publicity=first) == [application]
    services.application_review(user=users["town_a"], application=application, passed=True, note="同意")
    second = services.publicity_open(
        user=users["town_a"], region=village, round=Round.SECOND, applications=[application]
    )
    public = services.objection_file(
        user=None, entry=second.entries.get(), text="该户儿子在县城有商品房", ip="10.0.0.8"
    )
    period_passes(second)
    assert services.publicity_close(user=users["town_a"], publicity=second) == []  # held by the objection
    assert _stage(application) == Stage.SECOND_PUBLICITY
    services.objection_resolve(
        user=users["town_a"], objection=public, upheld=False, reason="经核实房产属已分户的儿子"
    )
    assert _stage(application) == Stage.COUNTY_APPROVAL  # dismissed after the period: it goes on at once
    services.application_approve(user=users["county"], application=application, passed=True)
    services.publicity_open(
        user=users["county"], region=village, round=Round.ANNOUNCEMENT, applications=[application]
    )

    application.household.refresh_from_db()
    assert application.household.status == "registered" and application.household.identified_year == 2026
    kinds = list(Step.objects.filter(application=application).values_list("kind", flat=True))
    assert kinds == [
        "apply", "verify", "deliberate", "publicity_open", "publicity_close", "township_review",
        "publicity_open", "objection", "county_approval", "announce",
    ]  # fmt: skip
    levels = {s.kind: s.actor_region for s in Step.objects.filter(application=application)}
    assert levels["verify"] == VILLAGE_A and levels["township_review"] == "522634100000"
    assert levels["county_approval"] == "522634000000"
    verify = Step.objects.get(application=application, kind="verify")
    assert any("低于扶贫标准" in r for r in verify.details["reasons"])  # the rules' reasons, kept at the time
    history = AuditLog.objects.filter(root=f"registry.household:{application.household_id}")
    assert history.count() >= 11  # every move sits in the household's history


def test_steps_cannot_be_rewritten(application):
    step = Step.objects.get(application=application)
    step.note = "改过的"
    with pytest.raises(ValidationError, match="不可修改"):
        step.save()
    with pytest.raises(ValidationError, match="不可删除"):
        step.delete()


def _unchanged(app, steps_before):
    assert _stage(app) == Stage.APPLIED and Step.objects.filter(application=app).count() == steps_before


def test_skipping_a_step_is_refused(application, users):
    with pytest.raises(ValidationError, match="当前处于「待入户核实」环节，不能办理「乡镇审核」"):
        services.application_review(user=users["town_a"], application=application, passed=True)
    with pytest.raises(ValidationError, match="不能办理「第一次公示」"):
        services.publicity_open(
            user=users["village_a"], region=Region.objects.get(code=VILLAGE_A), round=Round.FIRST,
            applications=[application],
        )  # fmt: skip
    _unchanged(application, 1)


def test_acting_at_the_wrong_level_is_refused(application, users):
    with pytest.raises(PermissionDenied, match="「入户核实」须由村级用户办理，您是县级用户"):
        services.application_verify(user=users["county"], application=application, passed=True, findings="x")
    _unchanged(application, 1)


def test_acting_outside_ones_region_is_refused(applicant, users):
    other_village = make_user("village_b", "operator", Region.objects.get(code=VILLAGE_B))
    app = services.application_create(user=users["village_a"], household=applicant(), year=2026)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        services.application_verify(user=other_village, application=app, passed=True, findings="x")
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        services.application_create(user=other_village, household=applicant(), year=2026)
    viewer = make_user("village_viewer", "viewer", Region.objects.get(code=VILLAGE_A))
    with pytest.raises(PermissionDenied, match="角色不能办理"):
        services.application_verify(user=viewer, application=app, passed=True, findings="x")
    _unchanged(app, 1)


def test_a_list_cannot_move_on_before_its_period_ends(application, users):
    first = _to_first_publicity(application, users)
    with pytest.raises(ValidationError, match=f"公示期至 {first.last_day.isoformat()} 止（共 7 天）"):
        services.publicity_close(user=users["village_a"], publicity=first)
    first.refresh_from_db()
    assert first.is_open and _stage(application) == Stage.FIRST_PUBLICITY


def test_publicity_days_are_policy_data_per_province_and_year(applicant, users):
    services.procedure_policy_set(
        user=users["national"], year=2026, province="520000000000", publicity_days=5, step_days=10
    )
    app = services.application_create(user=users["village_a"], household=applicant(), year=2026)
    first = _to_first_publicity(app, users)
    assert first.last_day == TODAY() + dt.timedelta(days=4)
    with pytest.raises(PermissionDenied):
        services.procedure_policy_set(
            user=users["county"], year=2026, province="520000000000", publicity_days=3, step_days=10
        )
    with pytest.raises(ValidationError, match="公示至少 1 天"):
        services.procedure_policy_set(user=users["national"], year=2026, publicity_days=0, step_days=10)


def test_rejection_needs_a_reason_and_is_kept(application, users):
    with pytest.raises(ValidationError, match="请填写入户核实情况"):
        services.application_verify(
            user=users["village_a"], application=application, passed=False, findings=" "
        )
    services.application_verify(
        user=users["village_a"], application=application, passed=False, findings="家中有经营性货车，收入不实"
    )
    assert _stage(application) == Stage.REJECTED
    step = Step.objects.get(application=application, kind="verify")
    assert not step.passed and "货车" in step.note


def test_deliberation_result_follows_the_votes(application, users):
    services.application_verify(
        user=users["village_a"], application=application, passed=True, findings="属实"
    )
    with pytest.raises(ValidationError, match="不能超过到会人数"):
        services.application_deliberate(
            user=users["village_a"], application=application, meeting_on=TODAY(), attendance=20, votes_for=15,
            votes_against=8,
        )  # fmt: skip
    assert _stage(application) == Stage.VERIFIED
    services.application_deliberate(
        user=users["village_a"], application=application, meeting_on=TODAY(), attendance=20, votes_for=10,
        votes_against=9,
    )  # fmt: skip
    assert _stage(application) == Stage.REJECTED  # 10 of 20 is not more than half
    assert "未超过到会 20 人的半数" in Step.objects.get(application=application, kind="deliberate").note


def test_upheld_objection_sends_household_back_to_verification(application, users):
    first = _to_first_publicity(application, users)
    objection = services.objection_file(
        user=users["village_a"], entry=first.entries.get(), text="家有公职人员"
    )
    with pytest.raises(ValidationError, match="请先处理异议"):
        services.publicity_withdraw(user=users["village_a"], entry=first.entries.get(), reason="x")
    with pytest.raises(PermissionDenied, match="须由乡镇级用户办理"):
        services.objection_resolve(user=users["village_a"], objection=objection, upheld=True, reason="属实")
    with pytest.raises(ValidationError, match="必须填写理由"):
        services.objection_resolve(user=users["town_a"], objection=objection, upheld=True, reason="")
    services.objection_resolve(
        user=users["town_a"], objection=objection, upheld=True, reason="儿媳为乡镇教师"
    )
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert _stage(application) == Stage.APPLIED and first.entries.get().withdrawn
    with pytest.raises(ValidationError, match="已经处理"):
        services.objection_resolve(user=users["town_a"], objection=objection, upheld=False, reason="再议")


def test_withdrawn_household_waits_for_a_later_list(applicant, users):
    one = services.application_create(user=users["village_a"], household=applicant(head="甲"), year=2026)
    two = services.application_create(user=users["village_a"], household=applicant(head="乙"), year=2026)
    for app in (one, two):
        deliberated(app, users)
    first = services.publicity_open(
        user=users["village_a"],
        region=Region.objects.get(code=VILLAGE_A),
        round=Round.FIRST,
        applications=[one, two],
    )
    services.publicity_withdraw(
        user=users["village_a"], entry=first.entries.get(application=two), reason="材料待补"
    )
    assert _stage(two) == Stage.DELIBERATED
    period_passes(first)
    assert services.publicity_close(user=users["village_a"], publicity=first) == [one]
    with pytest.raises(ValidationError, match="不再受理异议"):
        services.objection_file(
            user=None, entry=first.entries.get(application=one), text="公示结束后才反映的意见"
        )


def test_one_open_application_per_household(applicant, users):
    household = applicant()
    services.application_create(user=users["village_a"], household=household, year=2026)
    with pytest.raises(ValidationError, match="已有正在办理"):
        services.application_create(user=users["village_a"], household=household, year=2026)
    registered = applicant(status="registered")
    with pytest.raises(ValidationError, match="只有「未识别」的农户可以申请"):
        services.application_create(user=users["village_a"], household=registered, year=2026)


def test_overdue_steps_are_listed_per_township(client, applicant, users):
    late = services.application_create(user=users["village_a"], household=applicant(head="迟办户"), year=2026)
    services.application_create(user=users["village_a"], household=applicant(head="新申请"), year=2026)
    Application.objects.filter(pk=late.pk).update(
        stage_since=TODAY() - dt.timedelta(days=16)
    )  # 15 days allowed
    from jingzhun.identification import selectors

    rows = selectors.overdue_by_township(user=users["county"])
    assert [(r.township, r.count, r.oldest_days) for r in rows] == [("522634100000", 1, 16)]
    assert selectors.overdue_by_township(user=users["town_b"]) == []
    services.procedure_policy_set(
        user=None, year=2026, province="520000000000", publicity_days=7, step_days=20
    )
    assert selectors.overdue_by_township(user=users["county"]) == []  # the province allows 20 days
    client.force_login(users["town_a"])
    assert "没有逾期事项" in client.get("/identification/overdue/").content.decode()
