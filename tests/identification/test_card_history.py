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
