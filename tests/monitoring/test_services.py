"""The monitoring procedure through its services, with every refusal: each says why in Chinese and changes
nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jingzhun.core.models import AuditLog
from jingzhun.identification import services as procedure
from jingzhun.identification.choices import Stage
from jingzhun.monitoring import services
from jingzhun.monitoring.choices import CaseState, ClueSource, ClueStatus
from jingzhun.monitoring.models import Case, Clue, MonitoringLine
from jingzhun.regions.models import Region
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, Monitoring
from tests.conftest import VILLAGE_B2, new_id

from .conftest import (
    accepted,
    confirmed,
    deliberated,
    months_ago,
    scan,
    this_year,
    through_publicity,
    village,
    with_measure,
)  # fmt: skip

pytestmark = pytest.mark.django_db


def test_a_provincial_line_below_the_national_one_is_refused(monitoring_line, regions):
    with pytest.raises(ValidationError, match=r"不能低于当年全国监测标准 6000\.00 元"):
        services.monitoring_line_set(user=None, year=this_year(), amount="5999", province="520000000000")
    assert not MonitoringLine.objects.filter(province__isnull=False).exists()
    services.monitoring_line_set(user=None, year=this_year(), amount="6000", province="520000000000")


def test_a_self_reported_clue_finds_the_household_by_id_and_keeps_source_and_date(exited, users):
    clue = services.clue_report(
        user=None, village=village(), name="某某", id_number=exited.head_id.lower(), text="突发大病，花费很多",
        phone="13800000000", risk_types=["illness"],
    )  # fmt: skip
    assert (
        clue.household == exited
        and clue.source == ClueSource.SELF
        and clue.reported_on == timezone.localdate()
    )
    assert clue.reference.startswith("JC") and clue.status == ClueStatus.PENDING


def test_a_clue_for_a_person_of_another_county_is_refused(register, monitoring_line, users, county_b):
    other = register(region=VILLAGE_B2, status="exited", identified_year=2014)
    number = other.members.get(relationship="head").id_number
    with pytest.raises(ValidationError, match="不在本县"):
        services.clue_report(user=None, village=village(), name="某某", id_number=number, text="家里遭了水灾")
    assert not Clue.objects.exists()


def test_a_phone_that_is_neither_a_mobile_nor_a_landline_is_refused(exited):
    for wrong in ("abc-not-a-phone", "1380000000", "23800000000"):
        with pytest.raises(ValidationError) as exc:
            services.clue_report(
                user=None,
                village=village(),
                name="某某",
                id_number=exited.head_id,
                text="家里遭了水灾",
                phone=wrong,
            )
        assert "phone" in exc.value.message_dict
    assert not Clue.objects.exists()
    landline = services.clue_report(
        user=None, village=village(), name="某某", id_number=exited.head_id, text="家里遭了水灾",
        phone="0855-3221234",
    )  # fmt: skip
    assert landline.phone == "0855-3221234"


def test_a_malformed_id_is_refused(monitoring_line, regions):
    with pytest.raises(ValidationError) as exc:
        services.clue_report(
            user=None, village=village(), name="某某", id_number="5226341970051700", text="家里遭了水灾"
        )
    assert "id_number" in exc.value.message_dict
    assert not Clue.objects.exists()


def test_a_never_registered_person_gets_a_household_record_at_acceptance(monitoring_line, users, regions):
    number = new_id()
    clue = services.clue_report(
        user=None, village=village(), name="赵边缘", id_number=number, text="务工受伤失去收入"
    )
    assert clue.household is None
    case = services.clue_accept(user=users["town_a"], clue=clue, kind="sudden", risk_types=["accident"])
    h = case.household
    assert (
        h.status == HouseholdStatus.UNIDENTIFIED and h.head_name == "赵边缘" and h.region_id == village().code
    )
    assert h.members.get().id_number == number
    clue.refresh_from_db()
    assert clue.status == ClueStatus.ACCEPTED and clue.case == case and clue.household == h


def test_only_the_township_accepts_and_an_unstable_household_must_have_exited(
    monitoring_line, users, regions
):
    clue = services.clue_report(
        user=None, village=village(), name="赵边缘", id_number=new_id(), text="务工受伤失去收入"
    )
    with pytest.raises(Exception, match="乡镇级"):
        services.clue_accept(user=users["village_a"], clue=clue, kind="sudden", risk_types=["accident"])
    with pytest.raises(ValidationError, match="脱贫不稳定户须为已脱贫户"):
        services.clue_accept(user=users["town_a"], clue=clue, kind="unstable", risk_types=["accident"])
    assert not Household.objects.exists()


def test_the_whole_procedure_opens_a_monitoring_period(exited, users):
    case = confirmed(exited, users)
    assert case.state == CaseState.MONITORED and case.application.stage == Stage.CONFIRMED
    period = Monitoring.objects.get(household=exited, ended_on__isnull=True)
    assert case.period == period and period.kind == "unstable" and period.risk_types == ["illness"]
    exited.refresh_from_db()
    assert exited.status == HouseholdStatus.EXITED  # monitoring is an attribute, not a status
    kinds = list(case.application.steps.values_list("kind", flat=True))
    assert kinds == [
        "apply",
        "verify",
        "deliberate",
        "publicity_open",
        "publicity_close",
        "township_review",
        "confirm",
    ]
    verify = case.application.steps.get(kind="verify")
    assert verify.details["income"] == "5000.00" and "低于监测标准 6000.00 元" in verify.details["facts"][0]
    assert AuditLog.objects.filter(root=f"registry.household:{exited.pk}", model="monitoring.case").exists()


def test_a_confirmation_without_the_households_authorisation_is_refused(exited, users):
    case = deliberated(accepted(exited, users), users, authorise=False)
    through_publicity(case, users)
    with pytest.raises(ValidationError, match="授权承诺书"):
        services.case_confirm(user=users["county"], case=case, passed=True)
    case.refresh_from_db()
    assert case.state == CaseState.IDENTIFYING and case.application.stage == Stage.COUNTY_APPROVAL
    assert not Monitoring.objects.exists()


def test_a_publicity_shorter_than_the_policy_is_refused(exited, users):
    case = deliberated(accepted(exited, users), users)
    with pytest.raises(ValidationError, match="不得少于 5 天"):
        services.publicity_open(user=users["village_a"], village=village(), cases=[case], days=4)
    case.application.refresh_from_db()
    assert case.application.stage == Stage.DELIBERATED


def test_a_second_publicity_of_the_same_case_is_refused(exited, users):
    case = deliberated(accepted(exited, users), users)
    publicity = services.publicity_open(user=users["village_a"], village=village(), cases=[case], days=5)
    assert (
        publicity.title == "监测对象公示"
        and publicity.last_day - publicity.starts_on == timezone.timedelta(4)
    )
    entry = publicity.entries.get()
    assert entry.main_cause == ""  # never the health status
    procedure.publicity_withdraw(user=users["village_a"], entry=entry, reason="补充材料")
    with pytest.raises(ValidationError, match="只进行一次"):
        services.publicity_open(user=users["village_a"], village=village(), cases=[case], days=5)


def test_elimination_names_every_failed_condition_and_changes_nothing(exited, users):
    case = confirmed(exited, users)
    with pytest.raises(ValidationError) as exc:
        services.clearance_propose(
            user=users["village_a"], case=case, natural=False, income="5000", rigid_expenses="100"
        )
    text = " ".join(exc.value.messages)
    assert "不满 6 个月" in text and "尚未落实任何帮扶措施" in text and "低于监测标准" in text
    case.refresh_from_db()
    assert case.state == CaseState.MONITORED and case.clearance is None


def test_five_months_refused_six_months_eliminated_through_the_same_procedure(exited, users):
    case = confirmed(exited, users)
    with_measure(exited, users)
    exited.years.update(water_safe=True)
    months_ago(case, 5)
    with pytest.raises(ValidationError, match="仅 5 个月"):
        services.clearance_propose(
            user=users["village_a"], case=case, natural=False, income="6000", rigid_expenses="0"
        )
    months_ago(case, 6)
    services.clearance_propose(
        user=users["village_a"], case=case, natural=False, income="6000", rigid_expenses="0"
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLEARING and case.clearance.kind == "clear"
    deliberated(case, users, authorise=False, income="6000", expenses="0")
    publicity = through_publicity(case, users)
    assert publicity.title == "风险消除公示"
    services.case_confirm(user=users["county"], case=case, passed=True)
    case.refresh_from_db()
    assert case.state == CaseState.CLEARED and case.period.ended_on == timezone.localdate()
    assert not Monitoring.objects.filter(household=exited, ended_on__isnull=True).exists()
    assert (
        case.application.stage == Stage.CONFIRMED and case.clearance.stage == Stage.CONFIRMED
    )  # history kept


def test_a_household_without_labour_is_tracked_under_social_protection_not_eliminated(exited, users):
    case = confirmed(exited, users)
    exited.members.update(labour="none")
    with pytest.raises(ValidationError, match="请先落实社会保障兜底"):
        services.clearance_propose(
            user=users["village_a"], case=case, natural=True, income="9000", rigid_expenses="0"
        )
    exited.members.update(dibao=True)
    services.clearance_propose(
        user=users["village_a"], case=case, natural=True, income="9000", rigid_expenses="0"
    )
    case.refresh_from_db()
    assert case.state == CaseState.TRACKING and case.tracking_since == timezone.localdate()
    assert Monitoring.objects.filter(household=exited, ended_on__isnull=True).exists()


def test_a_registered_poor_household_is_not_a_monitoring_clue(register, monitoring_line, users):
    h = register()
    with pytest.raises(ValidationError, match="在册、返贫户按贫困户帮扶"):
        services.clue_report(
            user=None,
            village=village(),
            name="某",
            id_number=h.members.first().id_number,
            text="家里有人生病",
        )


def test_late_cases_and_clues_by_the_policy_days(exited, users):
    from jingzhun.monitoring import selectors

    case = accepted(exited, users)
    Case.objects.filter(pk=case.pk).update(first_clue_on=timezone.localdate() - timezone.timedelta(days=15))
    assert not selectors.late_cases(user=users["county"]).exists()
    Case.objects.filter(pk=case.pk).update(first_clue_on=timezone.localdate() - timezone.timedelta(days=16))
    assert list(selectors.late_cases(user=users["county"])) == [case]
    [row] = selectors.late_by(user=users["county"], digits=9)
    assert row.count == 1 and row.oldest_days == 16
    clue = services.clue_report(
        user=None, village=village(), name="钱", id_number=new_id(), text="家里遭了水灾"
    )
    Clue.objects.filter(pk=clue.pk).update(reported_on=timezone.localdate() - timezone.timedelta(days=3))
    assert list(selectors.late_clues(user=users["town_a"])) == [clue]
    assert selectors.counts(user=users["county"])["late_cases"] == 1


def test_no_quota_refuses_a_case(exited, users, register):
    """Nothing counts a share: the tenth case of a village is taken like the first."""
    cases = [accepted(register(status="exited", identified_year=2014), users) for _ in range(3)]
    assert all(c.state == CaseState.IDENTIFYING for c in cases)


def test_authorisation_scan_is_kept(exited, users):
    case = accepted(exited, users)
    services.case_authorise(user=users["village_a"], case=case, scan=scan())
    case.refresh_from_db()
    assert case.authorisation.name.endswith(".pdf") and case.authorised_on == timezone.localdate()


def test_a_visit_raises_a_clue(exited, users):
    from jingzhun.assistance import plans

    confirmed(exited, users)
    measure = with_measure(exited, users)
    visit = plans.visit_record(
        user=users["village_a"], household=exited, cadre=measure.plan.cadre, visited_on=timezone.localdate(),
        content="走访发现家中有人生病",
    )  # fmt: skip
    clue = services.clue_report(user=users["village_a"], visit=visit, text="走访发现户主重病，收入骤降")
    assert clue.source == ClueSource.VISIT and clue.household == exited and clue.visit == visit


def test_region_b_is_not_reached(exited, users):
    case = accepted(exited, users)
    assert not Case.objects.for_user(users["town_b"]).filter(pk=case.pk).exists()
    assert Decimal(services.monitoring_line_set.__name__ and "1") == 1
    assert Region.objects.get(code=village().code)


def test_an_upheld_objection_ends_the_procedure_and_a_new_clue_opens_a_new_case(exited, users):
    case = deliberated(accepted(exited, users), users)
    publicity = services.publicity_open(user=users["village_a"], village=village(), cases=[case])
    objection = procedure.objection_file(
        user=None, entry=publicity.entries.get(), text="该户收入不低，有门面出租"
    )
    procedure.objection_resolve(user=users["town_a"], objection=objection, upheld=True, reason="核实属实")
    case.application.refresh_from_db()
    assert case.application.stage == Stage.REJECTED
    again = accepted(exited, users)  # the old case is settled as 未纳入, a new one opens
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED and again.pk != case.pk and again.state == CaseState.IDENTIFYING


def test_open_cases_and_clues_hold_the_countys_year(exited, users):
    from jingzhun.registry import yearcycle

    accepted(exited, users)
    services.clue_report(user=None, village=village(), name="钱", id_number=new_id(), text="家里遭了水灾")
    items = {str(i.label): i for i in yearcycle.open_items(county="522634000000", year=this_year())}
    assert sum(items["未办结的监测对象认定和风险消除"].per_village.values()) == 1
    assert sum(items["未受理的风险线索"].per_village.values()) == 1
    assert not items.get("未办结的识别申请") or not items["未办结的识别申请"].total, (
        items.keys()
    )  # not identification's
