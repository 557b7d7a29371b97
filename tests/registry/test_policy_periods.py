"""Policy periods as data (issue 18): 攻坚期, 过渡期 and 常态化帮扶 by year and province decide whether an exited
household still enjoys the policies — 已脱贫（享受政策） or （不再享受政策）, as the national system says — and so
whether it keeps its cadre and plan."""

from jingzhun.assistance import selectors as assistance
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, PolicyPeriod
from jingzhun.registry.status import policy_period, status_labels
from tests.conftest import VILLAGE_A


def test_the_national_periods_are_seeded_and_a_province_may_differ(register, regions):
    assert policy_period(year=2018, region_code=VILLAGE_A).kind == "tackling"
    assert policy_period(year=2023, region_code=VILLAGE_A).kind == "transition"
    assert not policy_period(year=2026, region_code=VILLAGE_A).keeps_policy_after_exit
    exited = register(status=HouseholdStatus.EXITED, identified_year=2015)
    registered = register(status=HouseholdStatus.REGISTERED, identified_year=2019)
    rows = list(Household.objects.filter(pk__in=[exited.pk, registered.pk]).order_by("pk"))
    status_labels(rows, year=2023)
    assert [h.status_label for h in rows] == ["已脱贫（享受政策）", "在册"]
    status_labels(rows, year=2026)
    assert rows[0].status_label == "已脱贫（不再享受政策）"
    assert assistance.is_helped(exited, year=2023) and not assistance.is_helped(exited, year=2026)
    PolicyPeriod.objects.create(
        year=2026, province_id="520000000000", kind="normal", keeps_policy_after_exit=True
    )
    status_labels(rows, year=2026)
    assert rows[0].status_label == "已脱贫（享受政策）"  # this province keeps them
    assert assistance.is_helped(exited, year=2026)
    helped_2026 = set(Household.objects.filter(assistance.helped(year=2026)).values_list("pk", flat=True))
    assert helped_2026 == {exited.pk, registered.pk}


def test_the_card_tells_the_two_exits_apart(client, register, users):
    exited = register(status=HouseholdStatus.EXITED, identified_year=2015)
    client.force_login(users["village_a"])
    page = client.get(f"/households/{exited.pk}/").content.decode()
    assert "已脱贫（不再享受政策）" in page  # this year is 常态化帮扶 nationally
