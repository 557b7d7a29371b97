"""Refusals a person can read: a page outside one's scope says why in Chinese with a way back; the browser's
favicon request finds the icon."""

from tests.conftest import VILLAGE_B


def test_a_household_outside_the_scope_gets_a_page_that_says_why(client, register, users):
    household = register(region=VILLAGE_B)  # a village of the other township
    client.force_login(users["town_a"])
    response = client.get(f"/households/{household.pk}/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "不在您的管辖范围内" in page and "回到首页" in page and "Not Found" not in page


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("jingzhun/favicon.svg")
