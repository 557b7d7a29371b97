"""``demo-assessment``: a drawn sample in the demo county with its answers imported by the job, the estimates,
the county's score, the county on the year's list of poor counties and findings on the ledger (one overdue, on the county's 工作台)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from jingzhun.accounts.models import User
from jingzhun.assessment import services
from jingzhun.assessment.models import (
    Estimate,
    ExitChecklist,
    Finding,
    PoorCounty,
    Sample,
    Score,
    SurveyResponse,
)
from jingzhun.core.jobs import JobStatus
from jingzhun.core.worklist import work_for

pytestmark = pytest.mark.django_db


def test_the_demo_county_gets_a_sample_with_answers(regions, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    call_command("demo-data", region="522634", households=300, seed=5, verbosity=0)
    call_command("demo-accounts", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    # 300 households spread over the county's villages: a small sample (the make demo county has 3,000)
    services.sampling_policy_set(user=None, year=2016, min_villages=3, min_households=3)
    call_command("demo-assessment", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    sample = Sample.objects.get()
    assert sample.imports.get().status == JobStatus.DONE
    assert SurveyResponse.objects.count() == sample.households.count() > 0
    assert Estimate.objects.filter(sample=sample).count() == 3 and Score.objects.count() == 1
    county = User.objects.get(username="county")
    assert any("超过整改时限" in i.label for i in work_for(county))
    assert Finding.objects.filter(state="rectified").exists()
    # the demo county is on the year's list of poor counties, its province with its own exit criteria
    assert PoorCounty.objects.get(county_id="522634000000", year=sample.year).kind == "national"
    assert "贫困村全部退出" in ExitChecklist.objects.get(province_id="520000000000", year=sample.year).items
    call_command("demo-assessment", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115 - skipped
    assert Sample.objects.count() == 1
    client.force_login(User.objects.get(username="assessor"))
    assert "V01-H01" in client.get(reverse("assessment:sample", args=[sample.pk])).content.decode()


def test_a_demo_too_small_to_sample_is_skipped_with_a_note_not_failed(regions, settings, tmp_path):
    """`make demo DEMO_HOUSEHOLDS=300` under the national policy (4 villages of ≥ 10 households): the chain goes
    on; the note says why and what size samples."""
    import io

    settings.MEDIA_ROOT = tmp_path
    call_command("demo-data", region="522634", households=300, seed=5, verbosity=0)
    call_command("demo-accounts", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    services.sampling_policy_set(user=None, year=2016, min_villages=4, min_households=200)
    out = io.StringIO()
    call_command("demo-assessment", verbosity=0, stdout=out)
    assert "跳过考核演示" in out.getvalue() and "不够抽取" in out.getvalue()
    assert not Sample.objects.exists()
