"""Monitoring's work on the 工作台: a clue waits for the township that accepts it, not for the village."""

from jingzhun.monitoring import services
from tests.monitoring.conftest import village


def test_a_pending_clue_waits_on_the_township_workbench(client, exited, users):
    client.force_login(users["town_a"])
    assert "待受理的风险线索" not in client.get("/").content.decode()
    services.clue_report(user=None, village=village(), name="某某", id_number=exited.head_id, text="突发大病住院，花费很多",
                         risk_types=["illness"])  # fmt: skip
    page = client.get("/").content.decode()
    assert "待受理的风险线索" in page and "/monitoring/clues/?status=pending" in page
    client.force_login(users["village_a"])
    assert "待受理的风险线索" not in client.get("/").content.decode()


def test_a_case_waiting_at_the_village_step_is_on_the_village_workbench(client, exited, users):
    from tests.monitoring.conftest import accepted

    accepted(exited, users)  # accepted by the township: now waits for the village's 入户核实
    client.force_login(users["village_a"])
    page = client.get("/").content.decode()
    assert "监测对象：待入户核实" in page and "/monitoring/cases/?stage=applied" in page
    listed = client.get("/monitoring/cases/?stage=applied").content.decode()
    assert exited.head_name in listed


def test_the_clue_form_offers_the_villages_by_name_and_the_village_its_own(client, users):
    client.force_login(users["village_a"])
    page = client.get("/monitoring/clues/new/").content.decode()
    assert "12 位区划代码" not in page and 'value="522634100201" selected' in page
    client.force_login(users["town_a"])
    page = client.get("/monitoring/clues/new/").content.decode()
    assert "东门村" in page and "12 位区划代码" not in page
