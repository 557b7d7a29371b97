"""``demo-projects``: the demo county's library at every stage, replayed through the services, with work waiting
for the demo users and a project's notice on the portal."""

import io

import pytest
from django.core.management import call_command

from jingzhun.accounts.models import User
from jingzhun.funds.models import Payment
from jingzhun.funds.reconcile import differences, project_differences
from jingzhun.projects import selectors
from jingzhun.projects.choices import Stage
from jingzhun.projects.models import Asset, Project, ProjectNotice

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_county(regions):
    call_command("demo-data", region="522634", households=120, seed=5, verbosity=0)
    call_command("demo-accounts", verbosity=0, stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo-projects", verbosity=0, stdout=out)
    return {u.username: u for u in User.objects.all()}, out.getvalue()


def test_the_library_at_every_stage(demo_county):
    users, out = demo_county
    stages = sorted(Project.objects.values_list("stage", flat=True))
    assert stages == sorted([
        Stage.TRANSFERRED, Stage.ACCEPTED, Stage.IMPLEMENTING, Stage.PLANNED, Stage.LISTED, Stage.APPRAISED,
        Stage.REVIEWED, Stage.DECLARED, Stage.DRAFT, Stage.DRAFT])  # fmt: skip
    asset = Asset.objects.get()
    assert asset.kind == "operating" and asset.incomes.count() == 1, out
    assert ProjectNotice.objects.filter(kind="village", last_day__gte=selectors.timezone.localdate()).exists()
    assert selectors.waiting(user=users["township"])["review"].count() == 1
    assert (
        selectors.waiting(user=users["department"])["appraise"].count() == 0
    )  # its township 公示 still runs
    assert selectors.waiting(user=users["county"])["accept"].count() == 0
    accepted = Project.objects.get(stage=Stage.ACCEPTED)
    # 报账 is a payment: paid 30 % at the start and 40 % at basic completion, the final 25 % after 验收 waits
    assert accepted.accepted_on is not None and accepted.settled == accepted.budget * 7 / 10
    transferred = Project.objects.get(stage=Stage.TRANSFERRED)
    assert transferred.settled == transferred.budget * 95 / 100  # the 5 % retention waits for its days
    assert sorted(Payment.objects.filter(project=transferred).values_list("stage", flat=True)) == sorted(
        ["start", "basic", "accepted"]
    )
    assert not project_differences() and not differences(), "funds-reconcile finds the demo's money whole"
    call_command("demo-projects", verbosity=0, stdout=io.StringIO())
    assert Project.objects.count() == 10
