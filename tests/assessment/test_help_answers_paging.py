"""The answers behind a county's 精准帮扶满意度 are paged fifty at a time, in the order of the village and then the
answer: every answer is reachable page by page, each once; a tampered cursor shows the first page with a message,
never an error; another county's answers are a 404."""

import re

from django.urls import reverse

from jingzhun.assessment.models import Sample, SampleHousehold, SampleVillage, SurveyResponse
from jingzhun.core.pagination import encode_cursor
from jingzhun.registry.models import Household
from tests.conftest import COUNTY, COUNTY_B, VILLAGE_A, VILLAGE_B

YEAR = 2026
URL = reverse("assessment:help_answers", kwargs={"code": COUNTY, "year": YEAR})


def _answers(per_village: dict[str, int]) -> list[str]:
    """Answers of a satisfaction sample, ``per_village`` village → how many (the page's data, not what is tested:
    made in a few inserts), the villages' answers made in the order given; their field codes (V<village>-H<n>)."""
    sample = Sample.objects.create(
        county_id=COUNTY, year=YEAR, purpose="satisfaction", seed=1, villages=len(per_village),
        households_per_village=max(per_village.values()),
    )  # fmt: skip
    keys = []
    for v, (village, n) in enumerate(per_village.items(), start=1):
        sampled = SampleVillage.objects.create(
            sample=sample, village_id=village, stratum="c", frame_villages=2, drawn_villages=2, weight=1
        )
        homes = Household.objects.bulk_create(
            Household(number=f"T{v}{i:03d}", region_id=village, attribute="general", main_cause="illness")
            for i in range(n)
        )
        drawn = SampleHousehold.objects.bulk_create(
            SampleHousehold(sample=sample, sampled_village=sampled, region_id=village, household=h,
                            key=f"V{v}-H{i:03d}", group="labour", status="registered", persons=2, frame_size=n,
                            drawn=n, weight=1)
            for i, h in enumerate(homes)
        )  # fmt: skip
        SurveyResponse.objects.bulk_create(
            SurveyResponse(sample=sample, sample_household=sh, region_id=village, instance_id=f"uuid:{sh.key}",
                           source="web", form_version="v1", persons=2, income_ok=True, food_clothing=True,
                           education=True, medical=True, housing=True, water=True, satisfied=True,
                           team_satisfied=True, cadre_satisfied=i % 3 != 0)
            for i, sh in enumerate(drawn)
        )  # fmt: skip
        keys += [sh.key for sh in drawn]
    return keys


def _keys(body: str) -> list[str]:
    return re.findall(r"<td>(V\d-H\d{3})</td>", body)


def test_every_answer_is_reachable_page_by_page_each_once(client, assessor):
    # 长乌村 (village B) answered first, so the answers' own order is not the village's
    keys = _answers({VILLAGE_B: 40, VILLAGE_A: 35})
    client.force_login(assessor)
    body = client.get(URL).content.decode()
    first = _keys(body)
    # the first fifty: village A's 35 (its code sorts first), then village B's first 15
    assert first == keys[40:] + keys[:15]
    assert (
        'href="?before=' not in body and "满意 124 项 / 评价 150 项" in body
    )  # the figure counts every answer
    after = re.search(r'href="\?after=([\w-]+)"', body).group(1)
    body = client.get(URL, {"after": after}).content.decode()
    second = _keys(body)
    assert second == keys[15:40] and 'href="?after=' not in body  # the rest, and no further page
    assert sorted(first + second) == sorted(keys)  # none lost, none twice
    before = re.search(r'href="\?before=([\w-]+)"', body).group(1)
    assert _keys(client.get(URL, {"before": before}).content.decode()) == first  # the way back


def test_a_tampered_cursor_shows_the_first_page(client, assessor):
    keys = _answers({VILLAGE_A: 30, VILLAGE_B: 30})
    client.force_login(assessor)
    tampered = [
        "not-a-cursor",  # not base64 JSON
        encode_cursor((VILLAGE_A,)),  # one value for two keys
        encode_cursor((VILLAGE_A, "12")),  # the id not a number
        encode_cursor((VILLAGE_A, 2**70)),  # the id beyond any integer column
        encode_cursor((VILLAGE_A + "\x00", 1)),  # a NUL, which PostgreSQL text cannot hold
        encode_cursor((VILLAGE_A + "\ud800", 1)),  # a lone surrogate, which no driver can send
    ]
    for cursor in tampered:
        for side in ("after", "before"):
            response = client.get(URL, {side: cursor})
            assert response.status_code == 200, (side, cursor)
            body = response.content.decode()
            assert _keys(body) == keys[:50] and "分页参数无效，请从第一页重新浏览。" in body, (side, cursor)


def test_a_cursor_cannot_reach_past_the_scope(client, assessor, users, county_b):
    keys = _answers({VILLAGE_A: 30, VILLAGE_B: 30})
    # a well-formed cursor naming another county's village pages within this county's answers only
    client.force_login(assessor)
    body = client.get(URL, {"before": encode_cursor(("522635999999", 1))}).content.decode()
    assert _keys(body) == keys[10:]  # the last fifty before that place, all of 雷山县
    # the county's own staff read the figure but not the third party's answers, whatever the cursor
    client.force_login(users["county_viewer"])
    body = client.get(URL, {"after": encode_cursor((VILLAGE_A, 0))}).content.decode()
    assert not _keys(body) and "仅第三方评估人员可见" in body
    # another county's answers page is a 404 to 麻江县's staff
    client.force_login(county_b)
    assert client.get(URL).status_code == 404
    assert (
        client.get(reverse("assessment:help_answers", kwargs={"code": COUNTY_B, "year": YEAR})).status_code
        == 200
    )
