"""The set-based write of new households (``registry.bulk``): on PostgreSQL it vouches for its foreign keys
instead of leaving 1.6 million trigger checks to the commit of a large import. What it vouches for must be
every foreign key its rows hold, a missing village or user must still be refused, and once it is done every
other write is checked by the database again."""

import pytest
from django.db import IntegrityError, connection, transaction

from jingzhun.core.bulkwrite import references_vouched_for
from jingzhun.imports import export
from jingzhun.imports.services import import_file
from jingzhun.registry import bulk
from jingzhun.registry.models import Household, Member
from tests.conftest import VILLAGE_A
from tests.imports.test_import_export import county_data, wipe_registry  # noqa: F401 (fixture)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="runs in the PostgreSQL half of `make test`"
)


def _role() -> str:
    if connection.vendor != "postgresql":
        return "origin"  # SQLite checks its foreign keys at the commit, always
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def _orphan_member_is_refused() -> bool:
    """A member of a household that does not exist, checked at once as a commit would."""
    try:
        with transaction.atomic():
            Member.objects.create(household_id=10**12, name="孤儿行", id_number="522634198001010012",
                                  birth_date="1980-01-01", relationship="head")  # fmt: skip
            connection.check_constraints()
    except IntegrityError:
        return True
    return False


def test_what_is_vouched_for_is_every_foreign_key_of_the_written_rows():
    for model, names in bulk.VOUCHED.items():
        keys = sorted(f.name for f in model._meta.concrete_fields if f.is_relation)
        assert keys == sorted(names), f"{model.__name__}: a new foreign key must be vouched for in bulk._hold"


def test_an_import_leaves_foreign_key_checks_on(tmp_path, county_data):  # noqa: F811
    path = tmp_path / "county.csv"
    export.write_csv(path, Household.objects.all(), mask=False)
    wipe_registry()
    assert import_file(user=None, path=path, history_year=2016).created == 25
    assert _role() == "origin"
    # Again: the optimistic write breaks a unique index, its savepoint rolls back, the households are found.
    assert import_file(user=None, path=path, history_year=2016).unchanged == 25
    assert _role() == "origin"
    assert _orphan_member_is_refused()


@postgres_only
@pytest.mark.django_db
def test_vouching_needs_the_privilege_and_no_triggers_of_our_own():
    with references_vouched_for(bulk.VOUCHED) as vouched:
        assert vouched and _role() == "replica"  # the test database's user is a superuser
    assert _role() == "origin"
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE jingzhun_plain NOSUPERUSER")
        cursor.execute("SET LOCAL ROLE jingzhun_plain")
        with references_vouched_for(bulk.VOUCHED) as vouched:
            assert not vouched and _role() == "origin"  # no GRANT SET ON PARAMETER: the database checks
        cursor.execute("RESET ROLE")
        cursor.execute(
            "CREATE FUNCTION jingzhun_noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'; "
            "CREATE TRIGGER jingzhun_noop BEFORE INSERT ON registry_member FOR EACH ROW EXECUTE FUNCTION "
            "jingzhun_noop()"
        )
    with references_vouched_for(bulk.VOUCHED) as vouched:
        assert not vouched  # replica would silence that trigger too


@postgres_only
def test_a_missing_village_or_user_is_refused_as_the_database_would(users):
    bulk._hold({VILLAGE_A}, users["county"].pk)  # present: locked until the commit
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk._hold({VILLAGE_A, "522634999999"}, None)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk._hold({VILLAGE_A}, 10**9)
