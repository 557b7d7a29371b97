"""Command-line paths: demo data and JSON registration validate like the forms and API and save nothing bad."""

import datetime as dt
import io
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Avg
from django.utils import timezone

from jingzhun.core.ids import parse_id_number
from jingzhun.core.models import AuditLog
from jingzhun.regions.models import Region
from jingzhun.registry.demo import LINE, DemoGenerator, demo_households
from jingzhun.registry.models import (
    Household,
    HouseholdYear,
    Member,
    MemberChange,
    Monitoring,
    SplitReview,
    StatusChange,
)
from jingzhun.registry.status import with_status_at_end_of
from tests.conftest import VILLAGE_A, member


def test_demo_data_is_realistic_and_audited_as_a_command(regions):
    call_command("demo-data", region="522634", households=300, seed=7, years="2016", verbosity=0)
    assert Household.objects.count() == 300
    assert set(Household.objects.values_list("region__kind", flat=True)) == {"village"}
    members = list(Member.objects.all())
    assert 2.0 < len(members) / 300 < 4.5
    for m in members[:200]:
        facts = parse_id_number(m.id_number)
        assert facts.address_code == "522634" and facts.birth_date == m.birth_date and facts.sex == m.sex
    entry = AuditLog.objects.filter(action="create", model="registry.household").first()
    assert entry.source == "command:demo-data" and entry.actor is None
    # One data year: identified that year, a few already out in it (exits begin in 2016), one record each.
    statuses = Counter(Household.objects.values_list("status", flat=True))
    assert 0.6 < statuses["registered"] / 300 < 0.9 and 0.1 < statuses["exited"] / 300 < 0.35
    assert set(Household.objects.exclude(identified_year=None).values_list("identified_year", flat=True)) == {
        2016
    }
    assert set(HouseholdYear.objects.values_list("year", flat=True)) == {2016}


@pytest.fixture
def demo_story(db, regions):
    """The demo county as ``make demo`` seeds it (fewer households): 2014 to this year."""
    call_command("demo-data", region="522634", households=300, seed=2026, verbosity=0)
    return Household.objects.all()


def test_demo_years_follow_the_policy_periods_and_the_trend_falls(demo_story):
    households = demo_story
    n = households.count()
    # Identified 2014 (most) to 2016 (回头看); by the data year nearly all have exited, as in reality, with a
    # few returned, a few still registered, a handful cancelled in the 回头看 and a few never registered.
    identified = Counter(households.exclude(identified_year=None).values_list("identified_year", flat=True))
    assert set(identified) == {2014, 2015, 2016} and identified[2014] > 0.65 * n
    statuses = Counter(households.values_list("status", flat=True))
    assert statuses["exited"] > 0.9 * n
    assert 0 < statuses["returned"] < 0.04 * n and 0 < statuses["registered"] < 0.03 * n
    assert 0 < statuses["cancelled"] < 0.04 * n and 0 < statuses["unidentified"] < 0.05 * n
    exits = Counter(households.exclude(exit_year=None).values_list("exit_year", flat=True))
    assert set(exits) == set(range(2016, 2021)) and all(exits[y] > 0.05 * n for y in range(2016, 2020))

    # The dashboards' trend: households in the registry (在册 or 返贫) at the end of each year of the 攻坚期, from
    # the status history by business year, fall every year from 2015 to almost none in 2020.
    in_registry = {
        year: with_status_at_end_of(demo_story, year)
        .filter(year_end_status__in=["registered", "returned"])
        .count()
        for year in range(2014, 2021)
    }
    assert in_registry[2014] < in_registry[2015]  # identified in the 2015 回头看
    falling = [in_registry[y] for y in range(2015, 2021)]
    assert falling == sorted(falling, reverse=True) and len(set(falling)) == len(falling), in_registry
    assert in_registry[2020] < 0.05 * in_registry[2015]
    exited = {
        y: with_status_at_end_of(demo_story, y).filter(year_end_status="exited").count() for y in (2015, 2020)
    }
    assert exited[2015] == 0 and exited[2020] > 0.9 * demo_story.count()
    # Every year of the periods has yearly records, 2014 to this year.
    this_year = timezone.localdate().year
    years = Counter(HouseholdYear.objects.values_list("year", flat=True))
    assert set(years) == set(range(2014, this_year + 1)) and min(years.values()) > 100
    # History rows dated in their business years (the historical load: the last day of the year).
    assert all(d.year == y for d, y in StatusChange.objects.values_list("effective_on", "business_year"))


def test_demo_income_monitoring_and_member_changes_agree_with_the_story(demo_story):
    mean = {
        y: float(HouseholdYear.objects.filter(year=y).aggregate(m=Avg("per_capita_net"))["m"])
        for y in range(2015, 2021)
    }
    assert list(mean.values()) == sorted(mean.values()) and 2500 < mean[2015] < 3600 and mean[2020] > 8000
    # An exited household is above the year's line from its exit year on (with a safe house: 三保障).
    for h in demo_story.filter(status="exited").prefetch_related("years")[:100]:
        for record in h.years.all():
            if h.exit_year <= record.year <= 2020:
                assert record.per_capita_net > LINE[record.year] and record.house_grade in ("A", "B")
    # 过渡期: a few monitored households (a dated attribute, not a status) and member changes in their years.
    periods = list(Monitoring.objects.select_related("household"))
    assert periods and len(periods) < 0.1 * demo_story.count()
    assert all(p.started_on.year >= 2021 and p.started_on <= timezone.localdate() for p in periods)
    assert {p.kind for p in periods} <= {"unstable", "marginal", "sudden"}
    assert all(p.household.status in ("exited", "unidentified") for p in periods)  # monitored, not a status
    changes = list(MemberChange.objects.all())
    kinds = Counter(c.kind for c in changes)
    assert kinds["birth"] >= 2 and kinds["death"] >= 1 and kinds["marry_in"] == 1 and kinds["move_in"] == 1
    assert (
        kinds["split_in"] == 2 and SplitReview.objects.filter(status="open").count() == 1
    )  # the county's work
    assert all(c.effective_on.year == c.business_year for c in changes)
    born = next(c for c in changes if c.kind == "birth")
    record = born.household.years.get(year=born.business_year)  # the yearly records follow the change
    assert record.household_size == born.household.years.get(year=born.business_year - 1).household_size + 1


def test_demo_data_can_skip_a_region_that_has_households(regions):
    call_command("demo-data", region="522634", households=5, seed=1, verbosity=0)
    out = io.StringIO()
    call_command("demo-data", region="522634", households=5, seed=1, skip_if_present=True, stdout=out)
    assert Household.objects.count() == 5 and "跳过" in out.getvalue()


def test_demo_children_of_compulsory_age_are_mostly_at_school(regions):
    call_command("demo-data", region="522634", households=400, seed=3, years="2015,2016", verbosity=0)
    reference = dt.date(2016, 12, 31)
    children = [m for m in Member.objects.all() if 7 <= (reference - m.birth_date).days // 365 <= 14]
    at_school = [m for m in children if m.schooling != "none"]
    assert children and len(at_school) / len(children) > 0.95


def test_same_seed_gives_the_same_households(regions):
    county = Region.objects.get(code="522634000000")
    first = list(demo_households(region=county, count=20, seed=11, years=[2015]))
    second = list(demo_households(region=county, count=20, seed=11, years=[2015]))
    other = list(demo_households(region=county, count=20, seed=12, years=[2015]))
    assert first == second and first != other


def test_demo_income_is_near_the_registered_poor_level():
    gen = DemoGenerator(seed=5, years=[2015], address_code="522634")
    values = []
    for _ in range(800):
        payload = gen.household("522634100201")
        y = payload["years"][0]
        net = sum(
            float(y[k]) for k in y if k in {"wage", "business", "property_income"} or k.startswith("transfer")
        )
        values.append((net - float(y["business_expense"])) / y["household_size"])
    mean = sum(values) / len(values)
    assert 2400 < mean < 3600  # DOMAIN.md §11: 2,982 yuan per person in 2015


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"region": "999999", "households": 5}, "不存在"),
        ({"region": "522634", "households": 0}, "正整数"),
        ({"region": "522634", "households": 5, "years": "20x5"}, "年份"),
        ({"region": "522634", "households": 5, "years": "2016-2099"}, "不能晚于今年"),
    ],
)
def test_demo_data_bad_options_are_explained(regions, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("demo-data", verbosity=0, **args)
    assert Household.objects.count() == 0


def _write(tmp_path, data):
    path = tmp_path / "households.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_household_register_command_saves_a_valid_file(tmp_path, users):
    out = io.StringIO()
    path = _write(
        tmp_path,
        {"region": VILLAGE_A, "attribute": "general", "main_cause": "illness", "members": [member()]},
    )
    call_command("household-register", path, stdout=out)
    assert "已建档" in out.getvalue() and Household.objects.count() == 1


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"members": [member(id_number="110105194912310021")]}, "校验位"),
        ({"members": [member(id_number="52263419800230001X")]}, "19800230"),
        ({"region": "522634100299"}, "不存在"),
        ({"other_causes": ["lack_capital", "lack_skills", "disaster"]}, "最多"),
        ({"years": [{"year": 2015, "income": {"wage": "-1"}}]}, "0"),
    ],
)
def test_household_register_command_explains_bad_input_and_saves_nothing(tmp_path, users, record, message):
    data = {"region": VILLAGE_A, "attribute": "general", "main_cause": "illness", "members": [member()]}
    data.update(record)
    with pytest.raises(CommandError, match=message):
        call_command("household-register", _write(tmp_path, [data, {**data, "members": [member()]}]))
    assert Household.objects.count() == 0


def test_household_register_command_names_the_other_household(tmp_path, users, register):
    other = register()
    taken = other.members.first().id_number
    path = _write(tmp_path, {"region": VILLAGE_A, "attribute": "general", "main_cause": "illness",
                             "members": [member(id_number=taken)]})  # fmt: skip
    with pytest.raises(CommandError, match=other.number):
        call_command("household-register", path)


def test_household_register_command_rejects_broken_json(tmp_path, users):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON 格式错误"):
        call_command("household-register", str(path))
    with pytest.raises(CommandError, match="无法读取"):
        call_command("household-register", str(tmp_path / "missing.json"))


def test_household_register_command_applies_the_users_scope(tmp_path, users):
    path = _write(
        tmp_path,
        {"region": VILLAGE_A, "attribute": "general", "main_cause": "illness", "members": [member()]},
    )
    with pytest.raises(CommandError, match="管辖范围"):
        call_command("household-register", path, user="town_b")
    assert Household.objects.count() == 0


def test_demo_cycle_moves_persons_to_the_next_county_and_freezes_2016(demo_story, county_b):
    """The demo's 跨县迁移 and its closed year, so those pages have data: two persons asked for and accepted by
    the next county (each now heads a household there), one waiting there; 2016 closed and confirmed."""
    from io import StringIO

    from jingzhun.registry.models import AdjustmentYear, Transfer, YearState

    out = StringIO()
    call_command("demo-cycle", stdout=out)
    accepted = Transfer.objects.filter(status="accepted")
    assert accepted.count() == 2 and Transfer.objects.filter(status="pending").count() == 1
    for t in accepted:
        moved = t.to_household.members.get(is_active=True)
        assert t.to_household.region_id.startswith("522635") and moved.name in t.names
        assert not t.from_household.members.filter(pk=moved.pk, is_active=True).exists()
    closed = AdjustmentYear.objects.get(county_id="522634000000", year=2016)
    assert closed.state == YearState.CONFIRMED and "2016 年已由县级关账、省级确认" in out.getvalue()
    again = StringIO()
    call_command("demo-cycle", stdout=again)
    assert Transfer.objects.count() == 3 and "跳过" in again.getvalue()
