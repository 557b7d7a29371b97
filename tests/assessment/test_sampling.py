"""The sampling designer: two stages by samplics from a stored seed, the groups' shares, the policy's minimums,
the field list (masked, audited) and the pages by role."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jingzhun.accounts.choices import Role
from jingzhun.assessment import sampling, services
from jingzhun.assessment.choices import Group, Purpose
from jingzhun.assessment.models import SampleHousehold
from jingzhun.core.models import AuditLog
from tests.conftest import make_user

from .conftest import YEAR


def test_a_sample_has_villages_then_households_half_inside_the_registry(assessor, county, frame):
    sample = services.sample_draw(user=assessor, county=county, year=YEAR, seed=7)
    assert sample.sampled_villages.count() == 2  # the policy's minimum
    rows = list(sample.households.all())
    assert len(rows) == 8
    for village in sample.sampled_villages.all():
        groups = [h.group for h in rows if h.sampled_village_id == village.pk]
        assert groups.count(Group.OUTSIDE) == 2 and len(groups) == 4
        assert village.weight == 1.0  # both villages of the county drawn
    outside = next(h for h in rows if h.group == Group.OUTSIDE)
    assert outside.weight == pytest.approx(3 / 2)  # 2 of the village's 3 non-registered households
    assert {h.status for h in rows if h.group != Group.OUTSIDE} <= {"registered", "exited"}


def test_the_same_seed_draws_the_same_households(assessor, county, frame):
    first = services.sample_draw(user=assessor, county=county, year=YEAR, seed=12345)
    again = services.sample_draw(user=assessor, county=county, year=YEAR, seed=12345)
    keys = lambda s: list(s.households.order_by("key").values_list("key", "household_id"))  # noqa: E731
    assert keys(first) == keys(again)
    assert services.sample_redraw(first) == keys(first)
    others = {
        tuple(keys(services.sample_draw(user=assessor, county=county, year=YEAR, seed=s))) for s in range(6)
    }
    assert len(others) > 1  # the seed decides


def test_the_satisfaction_sample_follows_the_policy_mix(assessor, county, frame):
    sample = services.sample_draw(
        user=assessor,
        county=county,
        year=YEAR,
        purpose=Purpose.SATISFACTION,
        households_per_village=5,
        seed=3,
    )
    village = sample.sampled_villages.first()
    groups = [h.group for h in village.households.all()]
    # 5 : 3 : 2 of 5 households → 2.5 : 1.5 : 1 → 3 labour-capable (the tie of remainders to the first), 1, 1
    assert (groups.count(Group.LABOUR), groups.count(Group.OUTSIDE), groups.count(Group.NO_LABOUR)) == (
        3,
        1,
        1,
    )


def test_below_the_policy_minimum_is_refused_and_nothing_saved(assessor, county, frame):
    with pytest.raises(ValidationError, match="不能少于政策规定的每县 2 个村"):
        services.sample_draw(user=assessor, county=county, year=YEAR, villages=1)
    with pytest.raises(ValidationError, match="不能少于政策规定的 4 户"):
        services.sample_draw(user=assessor, county=county, year=YEAR, households_per_village=3)
    with pytest.raises(ValidationError, match="不够抽取 3 个村"):
        services.sample_draw(user=assessor, county=county, year=YEAR, villages=3)
    assert not SampleHousehold.objects.exists()


def test_the_assessed_county_may_not_draw_its_own_sample(users, county, frame):
    with pytest.raises(PermissionDenied, match="您的角色不能办理「抽取考核样本」"):
        services.sample_draw(user=users["county"], county=county, year=YEAR)
    own_assessor = make_user("county_assessor", Role.ASSESSOR, county)
    with pytest.raises(PermissionDenied, match="须由市级及以上用户办理"):
        services.sample_draw(user=own_assessor, county=county, year=YEAR)


def test_largest_remainder_respects_caps():
    assert sampling.largest_remainder(10, {"a": 0.5, "b": 0.5}, {"a": 2, "b": 20}) == {"a": 2, "b": 8}
    assert sampling.largest_remainder(5, {"a": 0.5, "b": 0.3, "c": 0.2}, {"a": 9, "b": 9, "c": 9}) == {
        "a": 3, "b": 1, "c": 1,
    }  # fmt: skip


def test_the_field_list_is_masked_for_the_assessor_and_audited(client, assessor, county, frame):
    sample = services.sample_draw(user=assessor, county=county, year=YEAR, seed=1)
    client.force_login(assessor)
    response = client.get(reverse("assessment:field_list", args=[sample.pk]))
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    )
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][:4] == ["样本编号", "乡镇", "村", "户主姓名"]
    assert len(rows) == 9
    assert not any(
        "在册" in str(c) or "已脱贫" in str(c) for r in rows for c in r
    )  # the registry stays hidden
    assert AuditLog.objects.filter(action="download", actor=assessor).count() == 8


def test_pages_by_role(client, assessor, users, county, frame):
    client.force_login(assessor)
    page = client.post(reverse("assessment:home"), {"county": county.pk, "year": YEAR, "purpose": "accuracy"})
    assert page.status_code == 302
    sample_url = page["Location"]
    shown = client.get(sample_url + "?check=1").content.decode()
    assert "完全相同" in shown and "V01-H01" in shown
    client.force_login(users["county"])  # the assessed county reads results, never the sample
    assert client.get(sample_url).status_code == 404
    assert "抽取样本" not in client.get(reverse("assessment:home")).content.decode()
