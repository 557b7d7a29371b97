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
    LocalFigure,
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
    # the province's own set: a local indicator with the county's figure entered, and the 精准帮扶 satisfaction
    details = {d["key"]: d for d in Score.objects.get().details}
    assert details["industry"]["value"] == 78.5 and details["industry"]["entry"]["version"] == 1
    assert LocalFigure.objects.get(county_id="522634000000").note.startswith("省农业农村厅")
    assert details["help"]["source"] == "help_satisfaction"
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


def test_the_demo_carries_the_county_exit_through_the_publicity_to_a_pending_national_check(
    regions, settings, tmp_path, client
):
    """Where the demo's data meets the exit conditions the county's exit runs through the services to 省政府批准:
    the 公示 on the public portal with its days run, and the year's 国家抽查 drawn with the command's seed, pending
    on the national user's 工作台. Where it does not, the note says why and nothing is published."""
    import datetime as dt
    import io

    from django.utils import timezone

    from jingzhun.analytics.models import RegionFigures
    from jingzhun.assessment.models import CountyExitStep, ExitNotice, NationalCheck
    from jingzhun.core.models import AuditLog

    settings.MEDIA_ROOT = tmp_path
    call_command("demo-data", region="522634", households=300, seed=5, verbosity=0)
    call_command("demo-accounts", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    services.sampling_policy_set(user=None, year=2016, min_villages=3, min_households=3)
    out = io.StringIO()
    call_command("demo-assessment", verbosity=0, stdout=out)
    # 300 households: the sample holds no non-registered household, so no 漏评率 and the county may not propose
    assert "未达到贫困县退出条件" in out.getvalue() and "漏评率" in out.getvalue()
    assert not CountyExitStep.objects.exists() and not ExitNotice.objects.exists()
    # the data that allows it: the county's rollup and a 漏评率 from the sample
    sample = Sample.objects.get()
    year = sample.year
    RegionFigures.objects.update_or_create(
        year=year, code="522634000000",
        defaults={"level": 3, "parent": "522600000000", "engine": "duckdb", "computed_at": timezone.now(),
                  "figures": {"rural_population": 100_000, "poor_persons": 1_000, "persons": 20_000,
                              "status_exited_persons": 15_000}},
    )  # fmt: skip
    Estimate.objects.filter(sample=sample).update(point=0)
    Estimate.objects.filter(sample=sample, kind="satisfaction").update(point=0.95, low=0.9, high=0.99)
    if not Estimate.objects.filter(sample=sample, kind="missed").exists():
        Estimate.objects.create(sample=sample, kind="missed", point=0, low=0, high=0.01, se=0, units=40,
                                n_eff=30, psus=2, strata=1, numerator=0, denominator=40, method="test")  # fmt: skip
    # the province's own check draws its sample after the city's review: a frame with non-registered households
    # (every third household made 未识别 here), so its sample gives a 漏评率
    from jingzhun.registry.models import Household

    ids = list(Household.objects.exclude(status="cancelled").order_by("pk").values_list("pk", flat=True))
    Household.objects.filter(pk__in=ids[::3]).update(status="unidentified")
    out = io.StringIO()
    call_command("demo-assessment", verbosity=0, stdout=out)
    assert "省政府已批准" in out.getvalue(), out.getvalue()
    check = CountyExitStep.objects.get(kind="province_check")
    assert (
        check.sample.commissioner == "province_check"
        and check.sample.drawn_at > CountyExitStep.objects.get(kind="propose").at
    )
    kinds = list(CountyExitStep.objects.filter(year=year).order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["propose", "city", "province_check", "publicity", "approve"]
    assert PoorCounty.objects.get(county_id="522634000000", year=year).status == "exited"
    notice = ExitNotice.objects.get()
    today = timezone.localdate()
    assert notice.last_day < today and notice.starts_on < notice.last_day  # its days have run
    assert timezone.localdate(notice.created_at) == notice.starts_on  # the day in 北京时间, not UTC's
    assert "贫困村全部退出" in str(CountyExitStep.objects.get(kind="approve").criteria)
    page = client.get(reverse("portal:exit_notice", args=[notice.pk])).content.decode()
    assert "雷山县" in page
    national = NationalCheck.objects.get()  # the demo's only approved county: drawn
    assert (national.county_id, national.year, national.seed, national.result) == (
        "522634000000",
        year,
        2026,
        "pending",
    )
    assert services.national_check_redraw(year=year) == ["522634000000"]
    assert any("国家抽查县待录入抽查结果" in i.label for i in work_for(User.objects.get(username="admin")))
    # a rerun changes nothing
    logged = AuditLog.objects.count()
    call_command("demo-assessment", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert AuditLog.objects.count() == logged and CountyExitStep.objects.count() == 5
    assert ExitNotice.objects.get().last_day == notice.last_day and NationalCheck.objects.count() == 1
    assert today - dt.timedelta(days=60) < notice.starts_on


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
