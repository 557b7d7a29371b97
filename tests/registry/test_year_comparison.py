"""年度对比 on the household card: what changed between two of its years, and its status at the end of each."""

from jingzhun.registry.choices import HouseholdStatus
from tests.conftest import member, year


def test_the_card_compares_two_years_in_words(client, register, users):
    household = register(
        status=HouseholdStatus.EXITED, identified_year=2016, exit_year=2020,
        years=[year(year=2019, wage="3000"), year(year=2020, wage="5200"), year(year=2018, wage="3000")],
    )  # fmt: skip
    client.force_login(users["village_a"])
    page = client.get(f"/households/{household.pk}/").content.decode()
    section = page[page.index('id="year-comparison"') :]
    assert "年末状态：2019 年 在册，2020 年 已脱贫" in section
    assert "工资性收入" in section and "5200" in section
    assert "wage" not in section  # fields in words, never their codes
    same = client.get(f"/households/{household.pk}/?before=2018&after=2019").content.decode()
    assert "两个年度的信息相同" in same and "年末状态：2018 年 在册，2019 年 在册" in same
    # a household with one year has nothing to compare
    single = register(years=[year(year=2020)])
    assert 'id="year-comparison"' not in client.get(f"/households/{single.pk}/").content.decode()


def test_the_list_filters_by_the_status_held_at_the_end_of_a_year(client, register, users):
    exited = register(status=HouseholdStatus.EXITED, identified_year=2015, exit_year=2018,
                      members=[member(name="张已脱")])  # fmt: skip
    register(identified_year=2017, members=[member(name="李在册")])
    client.force_login(users["county"])
    then = client.get("/households/?status=registered&status_year=2017").content.decode()
    now = client.get("/households/?status=registered").content.decode()
    assert "张已脱" in then and "李在册" in then  # at the end of 2017 both were 在册
    assert "张已脱" not in now and "李在册" in now
    assert "张已脱" in client.get("/households/?status=exited&status_year=2018").content.decode()
    assert "张已脱" not in client.get("/households/?status=exited&status_year=2017").content.decode()
    assert exited.status == HouseholdStatus.EXITED
