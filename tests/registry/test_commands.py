"""Command-line paths: demo data and JSON registration validate like the forms and API and save nothing bad."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.core.ids import parse_id_number
from jingzhun.core.models import AuditLog
from jingzhun.regions.models import Region
from jingzhun.registry.demo import DemoGenerator, demo_households
from jingzhun.registry.models import Household, Member
from tests.conftest import VILLAGE_A, member


def test_demo_data_is_realistic_and_audited_as_a_command(regions):
    call_command("demo-data", region="522634", households=300, seed=7, verbosity=0)
    assert Household.objects.count() == 300
    assert set(Household.objects.values_list("region__kind", flat=True)) == {"village"}
    members = list(Member.objects.all())
    assert 2.0 < len(members) / 300 < 4.5
    for m in members[:200]:
        facts = parse_id_number(m.id_number)
        assert facts.address_code == "522634" and facts.birth_date == m.birth_date and facts.sex == m.sex
    entry = AuditLog.objects.filter(action="create", model="registry.household").first()
    assert entry.source == "command:demo-data" and entry.actor is None


def test_demo_data_can_skip_a_region_that_has_households(regions):
    call_command("demo-data", region="522634", households=5, seed=1, verbosity=0)
    out = io.StringIO()
    call_command("demo-data", region="522634", households=5, seed=1, skip_if_present=True, stdout=out)
    assert Household.objects.count() == 5 and "跳过" in out.getvalue()


def test_demo_children_of_compulsory_age_are_mostly_at_school(regions):
    call_command("demo-data", region="522634", households=400, seed=3, verbosity=0)
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
