"""Shared fixtures: the real 雷山县 extract, users at every level, and valid household payloads."""

import datetime as dt
import itertools
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection

from jingzhun.accounts.choices import Role
from jingzhun.accounts.models import User
from jingzhun.core.ids import make_id_number
from jingzhun.identification.services import poverty_line_set
from jingzhun.regions import services as region_services
from jingzhun.regions.models import Region

COUNTY = "522634000000"  # 雷山县
TOWN_A = "522634100000"  # 丹江镇
TOWN_B = "522634101000"  # 西江镇
VILLAGE_A = "522634100201"  # a 村委会 of 丹江镇
VILLAGE_B = "522634101204"  # 长乌村, a 村委会 of 西江镇
COUNTY_B, TOWN_B2, VILLAGE_B2 = (
    "522635000000",
    "522635100000",
    "522635100201",
)  # 麻江县, for moves between counties
PASSWORD = "Test-password-2026"

_sequence = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # PBKDF2 is deliberately slow; tests create many users. Production keeps Django's default hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # login throttling and API rate limits must not leak between tests


@pytest.fixture
def regions(db):
    region_services.regions_load(
        rows=region_services.rows_from_csv(region_services.EXTRACT_DIR / "extract-522634.csv"), source="test"
    )
    return {code: Region.objects.get(code=code) for code in (COUNTY, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B)}


def make_user(username, role, region=None, **extra):
    user = User(username=username, role=role, region=region, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def users(regions):
    return {
        "national": make_user("national", Role.ADMIN),
        "county": make_user("county", Role.OPERATOR, regions[COUNTY]),
        "county_viewer": make_user("county_viewer", Role.VIEWER, regions[COUNTY]),
        "town_a": make_user("town_a", Role.OPERATOR, regions[TOWN_A]),
        "town_a_viewer": make_user("town_a_viewer", Role.VIEWER, regions[TOWN_A]),
        "town_b": make_user("town_b", Role.OPERATOR, regions[TOWN_B]),
        "village_a": make_user("village_a", Role.OPERATOR, regions[VILLAGE_A]),
    }


def new_id(birth=dt.date(1970, 5, 17), male=True) -> str:
    """A valid, unique ID number from the 雷山县 address code."""
    n = next(_sequence)
    seq = (n * 2 + (1 if male else 0)) % 1000
    return make_id_number("522634", birth + dt.timedelta(days=n // 500), seq)


_born_sequence = itertools.count(1)


def id_born_on(birth: dt.date, male=True) -> str:
    """A valid ID number with exactly this birth date (``new_id`` drifts by a day every 500 numbers)."""
    return make_id_number("522634", birth, (next(_born_sequence) % 500) * 2 + (1 if male else 0))


def member(relationship="head", **overrides) -> dict:
    data = {
        "name": "杨文明",
        "id_number": new_id(),
        "relationship": relationship,
        "ethnicity": "06",
        "education": "junior",
        "schooling": "none",
        "health": "healthy",
        "labour": "ordinary",
        "work_status": "none",
        "months_worked": 0,
        "medical_insurance": True,
        "serious_illness_insurance": True,
        "pension_insurance": True,
        "dibao": False,
    }
    data.update(overrides)
    return data


def year(**overrides) -> dict:
    data = {
        "year": 2015,
        "wage": "3000",
        "business": "2000",
        "business_expense": "500",
        "transfer_dibao": "600",
    }
    data.update(overrides)
    return data


def household(region=VILLAGE_A, **overrides) -> dict:
    data = {
        "region": region,
        "attribute": "general",
        "main_cause": "illness",
        "other_causes": ["lack_capital"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def register(users):
    """Register a valid household in a village through the service; returns the Household. It is 在册 unless
    ``status`` says otherwise, loaded as history (as a national administrator's 历史数据载入 would): only
    procedures change a status, and most tests start from a registered household."""
    from jingzhun.registry.choices import HouseholdStatus
    from jingzhun.registry.services import household_register
    from jingzhun.registry.status import loading_history

    def _register(region=VILLAGE_A, members=None, years=None, history_year=None, **fields):
        fields.setdefault("status", HouseholdStatus.REGISTERED)
        if fields["status"] in (HouseholdStatus.EXITED, HouseholdStatus.RETURNED):
            fields.setdefault("exit_year", (fields.get("identified_year") or 2016) + 1)
        as_of = history_year or dt.date.today().year  # the year whose end the status describes
        with loading_history(None, as_of=as_of, reference="测试数据"):
            return household_register(
                user=None,
                household=household(region, **fields),
                members=members or [member(), member("spouse", name="吴秀英", id_number=new_id(male=False))],
                years=years if years is not None else [year()],
            )

    return _register


def live_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_worker(media_root):
    """The real task worker, in its own process, until the queue is empty."""
    env = {
        "JINGZHUN_SNAPSHOT_DIR": str(
            media_root.parent / "snapshots"
        ),  # a test's rollups stay in its tmp_path
        **os.environ,
        "DATABASE_URL": live_database_url(),
        "JINGZHUN_MEDIA_ROOT": str(media_root),
    }
    done = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", "db_worker", "--batch", "--no-startup-delay"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture
def line_2026(db):
    """The year's national line, as a national administrator would enter it (policy data, not a constant)."""
    return poverty_line_set(user=None, year=2026, amount=Decimal("4000"), source="测试用")


@pytest.fixture
def applicant(register, line_2026):
    """A household of 村 A whose card is entered but which is not yet in the registry (未识别)."""

    def _applicant(region=VILLAGE_A, **fields):
        return register(
            region=region,
            status=fields.pop("status", "unidentified"),
            members=[
                member(name=fields.pop("head", "王老实")),
                member("spouse", name="李桂花", id_number=new_id(male=False)),
            ],
            years=[year(year=2026, wage="1000", business="0", business_expense="0", transfer_dibao="0")],
            **fields,
        )

    return _applicant


@pytest.fixture
def county_b(regions):
    """麻江县, a neighbouring county with one township and one village, and its county operator."""
    county = Region.objects.create(
        code=COUNTY_B, name="麻江县", level=3, parent=Region.objects.get(code="522600000000")
    )
    town = Region.objects.create(code=TOWN_B2, name="杏山镇", level=4, parent=county)
    Region.objects.create(code=VILLAGE_B2, name="仙坝村", level=5, parent=town)
    return make_user("majiang", Role.OPERATOR, county)
