"""The assessment's policy page: the parameters and the county indicator set in force for a province or the
nation, set by national and provincial administrators (audited by the services); bad input refused, nothing
changed."""

from decimal import Decimal

from django.urls import reverse

from jingzhun.accounts.choices import Role
from jingzhun.assessment.models import AssessmentPolicy, Indicator
from jingzhun.core.models import AuditLog
from jingzhun.regions.models import Region
from tests.conftest import make_user

from .conftest import PROVINCE

URL = reverse("assessment:policy")


def _rows(*rows):
    data = {"form": "indicators", "year": "2026", "ind-TOTAL_FORMS": str(len(rows)), "ind-INITIAL_FORMS": "0",
            "ind-MIN_NUM_FORMS": "0", "ind-MAX_NUM_FORMS": "30"}  # fmt: skip
    for n, (key, name, weight) in enumerate(rows):
        data.update({f"ind-{n}-key": key, f"ind-{n}-name": name, f"ind-{n}-weight": weight,
                     f"ind-{n}-source": "satisfaction", f"ind-{n}-origin": "third_party",
                     f"ind-{n}-best": "95", f"ind-{n}-worst": "80"})  # fmt: skip
    return data


def test_a_provincial_administrator_sets_parameters_and_indicators(client, users, regions):
    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code=PROVINCE))
    client.force_login(admin)
    page = client.get(URL, {"year": 2026}).content.decode()
    assert "贵州省" in page and "尚未设置，按系统默认值" in page and "尚未设置考核指标体系" in page
    values = {"form": "policy", "year": "2026", "grade_good": "90", "grade_fair": "80", "grade_pass": "60",
              "exit_incidence": "3", "exit_wrong_exit": "2", "exit_missed": "2", "exit_satisfaction": "90", "rectify_days": "30",
              "exit_publicity_days": "10", "national_check_share": "30", "national_check_min": "2"}  # fmt: skip
    client.post(URL, values)
    row = AssessmentPolicy.objects.get(province_id=PROVINCE, year=2026)
    assert row.exit_incidence == Decimal(3) and not row.show_ranking
    assert (row.exit_publicity_days, row.national_check_share, row.national_check_min) == (10, Decimal(30), 2)
    assert AuditLog.objects.filter(root=f"assessment.assessmentpolicy:{row.pk}").exists()
    assert "本省自 2026 年起执行的参数" in client.get(URL, {"year": 2027}).content.decode()  # carried forward

    client.post(URL, _rows(("satisfaction", "群众满意度", "20"), ("exit", "精准退出", "15")))
    assert list(Indicator.objects.filter(province_id=PROVINCE).values_list("key", flat=True).order_by("key")) == [
        "exit", "satisfaction"]  # fmt: skip
    page = client.get(URL, {"year": 2026}).content.decode()
    assert "群众满意度" in page and "本省自 2026 年起的指标体系" in page


def test_bad_input_is_refused_and_nothing_changes(client, users, regions):
    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code=PROVINCE))
    client.force_login(admin)
    page = client.post(URL, _rows(("a", "甲", "0")), follow=True).content.decode()
    assert "权重须大于 0" in page and not Indicator.objects.exists()
    page = client.post(URL, _rows(("a", "甲", "10"), ("a", "乙", "10")), follow=True).content.decode()
    assert "指标代码不能重复" in page and not Indicator.objects.exists()
    bad = {"form": "policy", "year": "2026", "grade_good": "190", "grade_fair": "80", "grade_pass": "60",
           "exit_incidence": "3", "exit_wrong_exit": "2", "exit_missed": "2", "exit_satisfaction": "90", "rectify_days": "30",
           "exit_publicity_days": "7", "national_check_share": "20", "national_check_min": "1"}  # fmt: skip
    page = client.post(URL, bad, follow=True).content.decode()
    assert "不超过 100" in page and not AssessmentPolicy.objects.exists()


def test_only_administrators_see_the_forms(client, users, regions):
    client.force_login(users["county"])
    page = client.get(URL, {"year": 2026}).content.decode()
    assert "policy-values" in page and "policy-form" not in page
    client.post(URL, {"form": "policy", "year": "2026", "grade_good": "90", "grade_fair": "80", "grade_pass": "60",
                      "exit_incidence": "9", "exit_wrong_exit": "2", "exit_missed": "2", "exit_satisfaction": "90", "rectify_days": "30"})  # fmt: skip
    assert not AssessmentPolicy.objects.exists()
    client.force_login(users["national"])
    page = client.get(URL, {"year": 2026, "province": "52"}).content.decode()
    assert "贵州省" in page and "policy-form" in page


def test_the_province_level_set_is_set_on_its_own(client, users, regions):
    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code=PROVINCE))
    client.force_login(admin)
    client.post(URL, _rows(("satisfaction", "全省群众满意度", "20")) | {"level": "1"})
    [row] = Indicator.objects.all()
    assert row.level == 1 and row.province_id == PROVINCE
    assert "全省群众满意度" in client.get(URL, {"year": 2026, "level": "1"}).content.decode()
    county_set = client.get(URL, {"year": 2026}).content.decode()
    assert "全省群众满意度" not in county_set and "尚未设置考核指标体系" in county_set


SAMPLING = {"form": "sampling", "year": "2026", "min_villages": "3", "min_households": "12", "inside_share": "50",
            "mix_labour": "5", "mix_outside": "3", "mix_no_labour": "2"}  # fmt: skip


def test_the_sampling_parameters_are_set_on_the_page_audited_by_year_and_province(client, users, regions):
    from jingzhun.assessment.models import SamplingPolicy

    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code=PROVINCE))
    client.force_login(admin)
    page = client.post(
        URL, SAMPLING | {"mix_labour": "0", "mix_outside": "0", "mix_no_labour": "0"}, follow=True
    )
    assert "三类户份数不能全为 0" in page.content.decode() and not SamplingPolicy.objects.exists()
    page = client.post(URL, SAMPLING | {"min_villages": "0"}, follow=True).content.decode()
    assert "不少于 1" in page and not SamplingPolicy.objects.exists()
    client.post(URL, SAMPLING)
    row = SamplingPolicy.objects.get()
    assert (row.province_id, row.year, row.min_villages, row.min_households) == (PROVINCE, 2026, 3, 12)
    assert AuditLog.objects.filter(root=f"assessment.samplingpolicy:{row.pk}").exists()
    page = client.get(URL, {"year": 2027}).content.decode()  # carried forward
    assert 'id="sampling-values"' in page and "3 / 12" in page
    client.force_login(users["county"])  # a county reads it and may not change it
    client.post(URL, SAMPLING | {"min_villages": "9"})
    assert SamplingPolicy.objects.get().min_villages == 3
    assert "sampling-form" not in client.get(URL, {"year": 2026}).content.decode()
