"""Fixtures of the identification procedure: an unidentified household with its application, a clock, and the
usual way through the early steps (each by the user of its level in 村 A)."""

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.identification import services
from jingzhun.identification.choices import Round
from jingzhun.identification.models import Publicity
from jingzhun.regions.models import Region
from tests.conftest import VILLAGE_A, VILLAGE_B

LIST_OPENER = {Round.FIRST: "village_a", Round.SECOND: "town_a"}


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


def deliberated(app, users, *, votes_for=25):
    """入户核实 and 民主评议 (30 present, 3 against) passed by the village."""
    services.application_verify(user=users["village_a"], application=app, passed=True, findings="收入属实")
    services.application_deliberate(
        user=users["village_a"], application=app, meeting_on=timezone.localdate(), attendance=30,
        votes_for=votes_for, votes_against=3,
    )  # fmt: skip


def listed(app, users, round=Round.FIRST) -> Publicity:
    """Put the application on a 公示 of 村 A, opened by the user of that round's level."""
    return services.publicity_open(
        user=users[LIST_OPENER[round]],
        region=Region.objects.get(code=VILLAGE_A),
        round=round,
        applications=[app],
    )


def ran_its_period(publicity: Publicity, users) -> None:
    period_passes(publicity)
    services.publicity_close(user=users[LIST_OPENER[publicity.round]], publicity=publicity)


def on_second_list(app, users) -> Publicity:
    """Through the first 公示 and 乡镇审核 onto a running second 公示."""
    deliberated(app, users)
    ran_its_period(listed(app, users), users)
    services.application_review(user=users["town_a"], application=app, passed=True)
    return listed(app, users, Round.SECOND)


def to_county_approval(app, users) -> None:
    """Through both 公示 without objections: waiting for 县级审批."""
    ran_its_period(on_second_list(app, users), users)


@pytest.fixture
def county_households(applicant):
    """Four households in the registry, three not identified, and one already exited (not re-checked)."""
    return {
        "registered": [applicant(status="registered", identified_year=2014) for _ in range(3)]
        + [applicant(region=VILLAGE_B, status="registered", identified_year=2014)],
        "unidentified": [applicant(head=f"漏评{i}") for i in range(3)],
        "exited": [applicant(status="exited", identified_year=2014)],
    }
