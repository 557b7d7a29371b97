"""Fixtures of the identification procedure: an unidentified household with its application, and a clock."""

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.identification import services
from jingzhun.identification.models import Publicity


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
