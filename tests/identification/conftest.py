"""Fixtures of the identification procedure: an unidentified household with its application, and a clock."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jingzhun.identification import services
from jingzhun.identification.models import Publicity
from tests.conftest import VILLAGE_A, member, new_id, year


@pytest.fixture
def line_2026(db):
    """The year's national line, as a national administrator would enter it (policy data, not a constant)."""
    return services.poverty_line_set(user=None, year=2026, amount=Decimal("4000"), source="测试用")


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
def application(applicant, users):
    return services.application_create(
        user=users["village_a"], household=applicant(), year=2026, reason="因病"
    )


def period_passes(publicity: Publicity) -> None:
    """Let a 公示's period run out: move it into the past (the clock is the database's dates)."""
    days = (publicity.last_day - publicity.starts_on).days
    start = timezone.localdate() - dt.timedelta(days=days + 1)
    Publicity.objects.filter(pk=publicity.pk).update(
        starts_on=start, last_day=start + dt.timedelta(days=days)
    )
    publicity.refresh_from_db()
