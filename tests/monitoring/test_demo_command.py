"""``demo-monitoring``: a case for every monitoring period the demo data holds (the same kind, risks and dates),
and cases waiting at each step in the demo village for the demo users."""

import pytest
from django.core.management import call_command

from jingzhun.accounts.models import User
from jingzhun.identification.choices import Stage
from jingzhun.monitoring import selectors, services
from jingzhun.monitoring.choices import CaseState, ClueStatus
from jingzhun.monitoring.models import Case, Clue
from jingzhun.registry.models import Monitoring

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_county(regions):
    call_command("demo-data", region="522634", households=120, seed=5, verbosity=0)
    call_command("demo-accounts", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("demo-monitoring", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return {u.username: u for u in User.objects.all()}


def test_every_period_has_its_case_and_work_waits_at_each_step(demo_county):
    periods = Monitoring.objects.all()
    assert periods.exists()
    for p in periods.select_related("case"):
        case = p.case
        assert (case.kind, case.risk_types, case.household_id) == (p.kind, p.risk_types, p.household_id)
        assert case.state == (CaseState.MONITORED if p.ended_on is None else CaseState.CLEARED)
    procedure = [c.application.stage for c in Case.objects.filter(state=CaseState.IDENTIFYING)]
    assert sorted(procedure) == sorted(
        [Stage.APPLIED, Stage.APPLIED, Stage.VERIFIED, Stage.DELIBERATED, Stage.MONITOR_PUBLICITY,
         Stage.TOWNSHIP_REVIEW, Stage.COUNTY_APPROVAL]
    )  # fmt: skip
    assert Clue.objects.filter(status=ClueStatus.PENDING).count() == 2
    assert selectors.late_cases(user=demo_county["county"]).count() == 1
    # the county confirms the case waiting for it (it has the household's authorisation)
    waiting = Case.objects.get(application__stage=Stage.COUNTY_APPROVAL)
    services.case_confirm(user=demo_county["county"], case=waiting, passed=True, note="县级确认")
    waiting.refresh_from_db()
    assert waiting.state == CaseState.MONITORED and waiting.period.ended_on is None
    # and the command runs once
    call_command("demo-monitoring", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Case.objects.filter(state=CaseState.IDENTIFYING).count() == 6
