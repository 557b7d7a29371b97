"""Needs-first matching on a real (small) county: the proposal fits causes to skills, never exceeds capacity,
is accepted all or in part with an audit trail, and is refused when the county changed since it was made."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.assistance import matching, services
from jingzhun.assistance.matching import CadreOffer, HouseholdNeed, solve
from jingzhun.assistance.models import HouseholdPairing
from jingzhun.core.models import AuditLog
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, TOWN_B


def _county():
    return Region.objects.get(code=COUNTY)


def _cadre_of(household):
    return HouseholdPairing.objects.get(household=household, ended_on__isnull=True).cadre.name


def test_the_proposal_fits_causes_to_skills_and_is_accepted_with_an_audit(poor, cadre, users):
    sick = [poor("illness") for _ in range(2)]
    pupil = poor("education")
    cadre("医生", unit="health", capacity=2)
    cadre("教师", unit="education", town=TOWN_B)  # another township: worth the travel for the right skill
    cadre("干部", unit="government")
    proposal = matching.proposal_make(user=users["county"], county=_county())
    assert proposal.summary["after"]["fit_share"] == 1.0 and proposal.summary["changes"] == 3
    assert proposal.summary["without_cadre_before"] == 3 and proposal.summary["unmatched"] == 0
    assert matching.proposal_accept(user=users["county"], proposal=proposal) == 3
    assert [_cadre_of(h) for h in sick] == ["医生", "医生"] and _cadre_of(pupil) == "教师"
    assert AuditLog.objects.filter(model="assistance.householdpairing").count() == 3
    with pytest.raises(ValidationError, match="没有可采纳的调整"):
        matching.proposal_accept(user=users["county"], proposal=proposal)


def test_capacities_hold_and_the_rest_is_reported_unmatched(poor, cadre, users):
    for _ in range(4):
        poor("illness")
    cadre("医生", unit="health", capacity=3)
    proposal = matching.proposal_make(user=users["county"], county=_county())
    assert (proposal.summary["changes"], proposal.summary["unmatched"]) == (3, 1)
    matching.proposal_accept(user=users["county"], proposal=proposal)
    assert HouseholdPairing.objects.filter(ended_on__isnull=True).count() == 3


def test_rebalancing_moves_misfits_and_part_of_a_proposal_can_be_accepted(poor, cadre, users):
    sick, pupil = poor("illness"), poor("education")
    official, doctor = cadre("干部", unit="government"), cadre("医生", unit="health")
    teacher = cadre("教师", unit="education")
    services.household_pair(user=None, household=sick, cadre=official)
    services.household_pair(user=None, household=pupil, cadre=official)
    kept = matching.proposal_make(user=users["county"], county=_county())
    assert kept.summary["changes"] == 0  # keeping existing pairings: nothing to do
    moved = matching.proposal_make(user=users["county"], county=_county(), keep_existing=False)
    rows = {r.household_id: r for r in moved.rows.all()}
    assert rows[sick.pk].previous == official and rows[sick.pk].cadre == doctor
    assert moved.summary["before"]["fit_share"] == 0.0 and moved.summary["after"]["fit_share"] == 1.0
    matching.proposal_accept(user=users["county"], proposal=moved, row_ids=[rows[sick.pk].pk])
    assert _cadre_of(sick) == "医生" and _cadre_of(pupil) == "干部"
    ended = HouseholdPairing.objects.get(household=sick, cadre=official)
    assert ended.end_reason == "需求匹配调整"
    assert teacher.pk == rows[pupil.pk].cadre_id


def test_a_stale_proposal_or_a_wrong_user_is_refused_and_changes_nothing(poor, cadre, users):
    household = poor("illness")
    doctor = cadre("医生", unit="health")
    proposal = matching.proposal_make(user=users["county"], county=_county())
    with pytest.raises(PermissionDenied, match="须由县级及以上用户办理"):
        matching.proposal_make(user=users["town_a"], county=_county())
    with pytest.raises(PermissionDenied):
        matching.proposal_accept(user=users["county_viewer"], proposal=proposal)
    services.household_pair(user=None, household=household, cadre=cadre("另一位", unit="government"))
    with pytest.raises(ValidationError, match="请重新生成方案"):
        matching.proposal_accept(user=users["county"], proposal=proposal)
    assert not HouseholdPairing.objects.filter(cadre=doctor).exists()


def test_the_class_graph_reaches_the_optimum_of_the_full_graph():
    towns = ["t1", "t2", "t3"]
    households = [
        HouseholdNeed(i, towns[i % 3], main, frozenset(others))
        for i, (main, others) in enumerate(
            [("health", ()), ("education", ("health",)), (None, ()), ("finance", ("agriculture",))] * 6
        )
    ]
    cadres = [
        CadreOffer(100 + j, towns[j % 3], frozenset(skills), 3)
        for j, skills in enumerate(
            [("health",), ("education",), ("agriculture",), (), ("health", "finance")] * 2
        )
    ]
    hubs, full = solve(households, cadres), solve(households, cadres, full=True)
    assert hubs.cost == full.cost and not hubs.unmatched
    loads = {}
    for cadre_id in hubs.assignment.values():
        loads[cadre_id] = loads.get(cadre_id, 0) + 1
    assert max(loads.values()) <= 3 and len(hubs.assignment) == len(households)


def test_re_matching_an_optimal_assignment_proposes_nothing(poor, cadre, users):
    """Ties do not churn pairings: a change must gain more than the re-match margin (policy data)."""
    for cause in ("illness", "illness", "education", "lack_capital", "lack_capital", "lack_skills"):
        poor(cause)
    for name in ("干部甲", "干部乙", "干部丙"):
        cadre(name, unit="government", capacity=3)
    cadre("医生", unit="health", capacity=2)
    first = matching.proposal_make(user=users["county"], county=_county(), keep_existing=False)
    matching.proposal_accept(user=users["county"], proposal=first)
    again = matching.proposal_make(user=users["county"], county=_county(), keep_existing=False)
    assert again.summary["changes"] == 0 and again.summary["margin"] == 30


def test_a_change_shows_what_it_gains_and_a_small_gain_is_not_worth_a_change(poor, cadre, users):
    pupil = poor("education")
    official = cadre("干部", unit="government")
    services.household_pair(user=None, household=pupil, cadre=official)
    cadre("教师", unit="education", town=TOWN_B)  # fits, in another township: gains 100 − 30 = 70
    row = matching.proposal_make(user=users["county"], county=_county(), keep_existing=False).rows.get()
    assert row.gain == 70
    services.policy_set(user=users["national"], cadre_capacity=10, visit_days=60, rematch_margin=80)
    assert (
        matching.proposal_make(user=users["county"], county=_county(), keep_existing=False).summary["changes"]
        == 0
    )


def test_continuity_keeps_the_class_graph_at_the_full_graphs_optimum():
    towns = ["t1", "t2"]
    cadres = [CadreOffer(100 + j, towns[j % 2], frozenset(s), 4) for j, s in
              enumerate([("health",), ("education",), (), ("health",)])]  # fmt: skip
    households = [
        HouseholdNeed(i, towns[i % 2], main, frozenset(), current=100 + (i * 7) % 4)
        for i, main in enumerate(["health", "education", None, "health", "finance", "education"] * 2)
    ]
    for margin in (0, 30, 200):
        hubs = solve(households, cadres, continuity=margin)
        assert hubs.cost == solve(households, cadres, full=True, continuity=margin).cost
    kept = solve(households, cadres, continuity=10_000).assignment
    assert all(kept[h.id] == h.current for h in households)  # nothing is worth that much


def test_tick_households_on_the_list_and_pair_them_with_one_cadre(client, poor, cadre, users):
    first, second = poor("illness"), poor("illness")
    doctor = cadre("医生", unit="health", capacity=1)
    client.force_login(users["town_a"])
    page = client.get("/households/").content.decode()
    assert 'formaction="/assistance/households/pair/"' in page and "医生" in page
    page = client.post(
        "/assistance/households/pair/", {"ids": [first.pk, second.pk], "cadre": doctor.pk}, follow=True
    ).content.decode()
    assert "已与 1 户结对" in page and "未结对" in page  # capacity 1: the second is named with why
    assert HouseholdPairing.objects.filter(cadre=doctor, ended_on__isnull=True).count() == 1
    elsewhere = cadre("教师", unit="education", town=TOWN_B)  # based in the other township of the county
    page = client.post(
        "/assistance/households/pair/", {"ids": [second.pk], "cadre": elsewhere.pk}, follow=True
    ).content.decode()
    assert "已与 1 户结对" in page  # offered on the list, accepted on submit
    page = client.post("/assistance/households/pair/", {"ids": [second.pk], "cadre": ""}, follow=True)
    assert "请选择本县在岗的帮扶责任人" in page.content.decode()
