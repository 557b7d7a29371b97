"""工作台: each user finds the work waiting at their own step, with its deadline, each a link to its list."""

from jingzhun.identification import services
from tests.identification.conftest import period_passes, to_county_approval


def _home(client, user) -> str:
    client.force_login(user)
    return client.get("/").content.decode()


def test_each_level_finds_its_own_step_waiting(client, applicant, users):
    waiting = services.application_create(user=users["village_a"], household=applicant(), year=2026)
    at_county = services.application_create(user=users["village_a"], household=applicant(), year=2026)
    to_county_approval(at_county, users)
    village = _home(client, users["village_a"])
    assert "待入户核实" in village and "/identification/?stage=applied" in village and "最早一件自" in village
    assert "待县级审批" not in village
    county = _home(client, users["county"])
    assert "待县级审批" in county and "/identification/?stage=county_approval" in county
    assert "待入户核实" not in county
    assert waiting.stage == "applied"


def test_a_list_whose_days_have_run_waits_for_its_opener(client, application, users):
    from tests.identification.conftest import deliberated, listed

    deliberated(application, users)
    publicity = listed(application, users)
    assert "待结束的名单" not in _home(client, users["village_a"])
    period_passes(publicity)
    page = _home(client, users["village_a"])
    assert "公示（公告）期已满、待结束的名单" in page and "期满" in page


def test_nothing_waiting_says_so(client, users):
    assert "目前没有等待您办理的事项" in _home(client, users["county_viewer"])
