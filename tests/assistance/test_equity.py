"""Equity of resources: resources per registered person in each village, the Gini across villages and the top
10 % share checked by hand, over-concentrated and under-supplied villages with the units behind them; the page
keeps to scope and exports; the village page and the poor-village form."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from jingzhun.assistance import equity, plans, selectors, services
from jingzhun.assistance.models import AssistancePolicy, VillagePairing, WorkTeam
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, VILLAGE_A, VILLAGE_B


@pytest.fixture
def county_villages(regions):
    """Four villages of 雷山县: A and B of the shared fixtures, and two more."""
    others = (
        Region.objects.filter(code__startswith="522634", level=5)
        .exclude(code__in=[VILLAGE_A, VILLAGE_B])
        .order_by("code")[:3]
    )
    c, d, e = (r.code for r in others)
    return {"A": VILLAGE_A, "B": VILLAGE_B, "C": c, "D": d, "E": e}


@pytest.fixture
def spread(county_villages, poor, cadre, units):
    """2026: A gets 2,000 from the health bureau's measures, B 200 from a county fund, C 20,000 from the
    education bureau, D nothing, E (no registered household) 500. Every village with households has 2 persons."""
    v = county_villages
    responsible = cadre()

    def plan_in(code):
        household = poor(region=code)
        services.household_pair(user=None, household=household, cadre=responsible)
        return plans.plan_create(user=None, household=household, year=2026)

    for code, amount, unit in ((v["A"], 2000, units["health"]), (v["C"], 20000, units["education"])):
        plans.measure_add(user=None, plan=plan_in(code), category="production", item="industry",
                          responsible="县农业农村局", planned_amount=amount, actual_amount=amount, unit=unit,
                          status="done")  # fmt: skip
    plans.measure_add(user=None, plan=plan_in(v["B"]), category="health", item="insurance", responsible="县医保局",
                      planned_amount=900)  # planned only: not yet received  # fmt: skip
    plans.support_add(user=None, village=Region.objects.get(code=v["B"]), year=2026, amount=200,
                      description="村道维修", kind="funds", source="县级财政衔接资金")  # fmt: skip
    plan_in(v["D"])
    plans.support_add(user=None, village=Region.objects.get(code=v["E"]), year=2026, amount=500,
                      description="文化广场", kind="project", unit=units["government"])  # fmt: skip
    services.village_pair(
        user=None, village=Region.objects.get(code=v["D"]), unit=units["government"], form="fixed"
    )
    return v


def test_the_county_distribution_matches_hand_computed_figures(spread):
    result = equity.county_equity(Region.objects.get(code=COUNTY), 2026, AssistancePolicy())
    rows = {r.code: r for r in result.villages}
    v = spread
    assert [rows[v[k]].per_person for k in "ABCD"] == [
        Decimal("1000.00"),
        Decimal("100.00"),
        Decimal("10000.00"),
        0,
    ]
    assert rows[v["B"]].planned == Decimal("900.00") and rows[v["B"]].measures == 0
    # per person 1000, 100, 10000, 0 with equal weights: median 550;
    # Gini = Σ|xi − xj| / (2 n² μ) = 61,800 / (2 × 16 × 2,775)
    assert result.median == Decimal("550.00")
    assert result.gini == pytest.approx(61800 / (2 * 16 * 2775))
    # top 10 % of 4 villages is one village (C): 20,000 of 22,200
    assert result.top10_share == pytest.approx(20000 / 22200)
    assert result.total == Decimal("22700.00") and result.persons == 8
    # above 3 × 550 = 1,650 is over-concentrated; below 0.3 × 550 = 165 under-supplied
    assert [r.code for r in result.over] == [v["C"]]
    assert sorted(r.code for r in result.under) == sorted([v["B"], v["D"]])
    assert [r.code for r in result.orphaned] == [v["E"]]
    # the units behind them: who gave what, and the paired unit that gave nothing
    assert rows[v["C"]].units == [("县教育局", Decimal("20000.00"))]
    assert rows[v["B"]].units == [("县级财政衔接资金", Decimal("200.00"))]
    assert rows[v["D"]].units == [("县委办", 0)]


def test_thresholds_are_policy_data(spread, users):
    services.policy_set(user=users["national"], cadre_capacity=5, visit_days=30, concentration_multiple=Decimal("20"),
                        floor_ratio=Decimal("0.1"))  # fmt: skip
    result = equity.county_equity(Region.objects.get(code=COUNTY), 2026, selectors.policy_for(COUNTY))
    assert result.over == [] and [r.code for r in result.under] == [spread["D"]]


def test_the_equity_page_exports_and_keeps_townships_to_their_villages(client, spread, users):
    client.force_login(users["county"])
    page = client.get("/assistance/equity/?year=2026").content.decode()
    assert "过度集中" in page and "投入不足" in page and "县教育局" in page
    assert 'id="gini">0.696<' in page
    csv = b"".join(client.get("/assistance/equity/?year=2026&export=csv").streaming_content).decode(
        "utf-8-sig"
    )
    lines = csv.splitlines()
    assert lines[0].startswith("村代码,村,乡镇,建档立卡户数") and len(lines) == 6
    assert any(
        line.startswith(spread["C"]) and "过度集中" in line and "县教育局 20000" in line for line in lines
    )
    empty = client.get("/assistance/equity/?year=2019").content.decode()
    assert "2019 年度还没有帮扶措施或投入记录" in empty
    client.force_login(users["town_b"])  # 西江镇 holds village B only
    page = client.get("/assistance/equity/?year=2026").content.decode()
    assert 'id="gini">0.696<' in page  # the county's figure …
    table = page.split('id="villages"')[1]
    names = Region.objects.in_bulk([spread[k] for k in "ABCD"])
    assert names[spread["B"]].name in table and names[spread["C"]].name not in table  # … its own rows only
    client.force_login(users["national"])
    assert "请选择一个县" in client.get("/assistance/equity/").content.decode()
    assert 'id="gini">0.696<' in client.get(f"/assistance/equity/?county={COUNTY}&year=2026").content.decode()


def test_the_county_pairs_units_and_sends_a_team_from_the_village_page(client, units, cadre, users, regions):
    first = cadre("李书记", unit="government")
    client.force_login(users["county"])
    url = f"/assistance/villages/{VILLAGE_B}/"
    client.post(f"{url}units/", {"unit": units["health"].pk, "form": "fixed"})
    again = client.post(
        f"{url}units/", {"unit": units["health"].pk, "form": "fixed"}, follow=True
    ).content.decode()
    assert "已在帮扶" in again and VillagePairing.objects.count() == 1
    client.post(f"{url}team/", {"unit": units["government"].pk, "first_secretary": first.pk})
    team = WorkTeam.objects.get(village_id=VILLAGE_B)
    second = cadre("周队员", unit="health")
    refused = client.post(f"{url}team/members/", {"cadre": second.pk, "role": "first_secretary"}, follow=True)
    assert "已有在任第一书记" in refused.content.decode()
    client.post(f"{url}team/members/", {"cadre": second.pk, "role": "member"})
    page = client.get(url).content.decode()
    assert "县卫健局" in page and "李书记" in page and "第一书记" in page and "周队员" in page
    assert team.members.count() == 2
    client.force_login(users["town_b"])  # a township records resources but does not pair units
    assert "单位结对帮村" not in client.get(url).content.decode()
    client.post(f"{url}supports/", {"year": 2026, "unit": units["health"].pk, "kind": "goods", "amount": "3000",
                                    "description": "村卫生室设备"})  # fmt: skip
    response = client.get(f"{url}form.pdf?year=2026")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "贫困村登记表" in text and "李书记" in text and "村卫生室设备" in text
    client.force_login(users["town_a"])
    assert client.get(url).status_code == 404
    assert client.get(f"{url}form.pdf").status_code == 404
