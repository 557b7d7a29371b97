"""The household card's history reads in words for every app's entries (probe M4): an application's steps and
fields by their names and code lists, never ``stage: applied → verified`` or ``region_id``."""

from tests.identification.conftest import deliberated


def test_the_card_history_names_identification_fields_and_stages_in_words(client, application, users):
    deliberated(application, users)
    client.force_login(users["village_a"])
    page = client.get(f"/households/{application.household_id}/").content.decode()
    history = page[page.index("修改记录") :]
    assert "region_id" not in history and "household_id" not in history
    assert "applied" not in history and "verified" not in history
    assert "东门村村民委员会（522634100201）" in history  # the village by its name, the code beside it
    assert "system" not in history and "系统" in history  # the actor named once, in words


def test_a_step_taken_by_a_command_names_it_in_words(client, applicant, users):
    from jingzhun.core.context import acting_as
    from jingzhun.identification import services

    with acting_as(None, source="command:demo-identification"):
        app = services.application_create(user=None, household=applicant(), year=2026)
    client.force_login(users["village_a"])
    page = client.get(f"/identification/{app.pk}/").content.decode()
    assert "命令 demo-identification" in page and "command:" not in page
