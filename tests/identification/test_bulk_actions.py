"""Officials work in batches: tick households on the list, then start their applications or print their cards."""

from jingzhun.core.models import AuditLog
from jingzhun.identification.models import Application


def test_tick_households_then_start_their_applications(client, applicant, users):
    first, second = applicant(), applicant()
    already = applicant(status="registered", identified_year=2014)
    client.force_login(users["village_a"])
    page = client.get("/households/").content.decode()
    assert 'name="ids"' in page and "发起识别申请" in page and "打印户卡" in page
    response = client.post(
        "/identification/apply/many/", {"ids": [first.pk, second.pk, already.pk]}, follow=True
    )
    page = response.content.decode()
    assert Application.objects.filter(household__in=[first, second]).count() == 2
    assert "已为 2 户发起" in page and already.number in page  # the one that could not, named with why
    assert not Application.objects.filter(household=already).exists()


def test_tick_households_then_print_their_cards_in_one_pdf(client, applicant, users):
    households = [applicant(), applicant()]
    client.force_login(users["county_viewer"])
    response = client.post("/reports/households/cards.pdf", {"ids": [h.pk for h in households]})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        AuditLog.objects.filter(action="download", object_id__in=[str(h.pk) for h in households]).count() == 2
    )
    client.force_login(users["town_b"])  # 村 A's households are outside 西江镇
    assert client.post("/reports/households/cards.pdf", {"ids": [households[0].pk]}).status_code == 404


def test_hostile_ids_are_refused_as_nothing_ticked_not_a_crash(client, applicant, users):
    applicant()
    client.force_login(users["village_a"])
    for url in (
        "/identification/apply/many/",
        "/assistance/households/pair/",
        "/reports/households/cards.pdf",
    ):
        response = client.post(url, {"ids": ["²", "1" * 40, "-3"], "cadre": "²"}, follow=True)
        assert response.status_code == 200 and "请先在名单中勾选" in response.content.decode(), url
    assert not Application.objects.exists()
