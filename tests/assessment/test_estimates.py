"""Design-based estimates: the Taylor SE of a ratio checked against the textbook formula worked by hand on a tiny
design, the interval honest at zero, and the service over imported answers (the same from the web form)."""

import math

import pytest
from scipy import stats

from jingzhun.assessment import estimates, services
from jingzhun.assessment.choices import Estimator
from jingzhun.assessment.models import Estimate, SurveyImportJob, SurveyResponse

from .test_surveys import answers_for, central_csv, imported, sample  # noqa: F401 - the fixture


def test_ratio_and_its_se_match_the_hand_computed_linearisation():
    # Two strata: a with PSUs 1–4, b with PSUs 5–6; one household per PSU.
    y, x = [1, 0, 2, 0, 0, 1], [3, 2, 4, 1, 2, 3]
    w = [2, 2, 3, 3, 1, 1]
    result = estimates.estimate(y=y, x=x, weights=w, strata=list("aaaabb"), psus=[1, 2, 3, 4, 5, 6])
    # R = Σwy / Σwx = (2 + 6 + 1) / (6 + 4 + 12 + 3 + 2 + 3) = 9 / 30
    assert result.point == pytest.approx(0.3)
    # z_i = w_i (y_i − R x_i) (× 1/X̂, X̂ = 30): a: 0.2, −1.2, 2.4, −0.9 (mean 0.125); b: −0.6, 0.1 (mean −0.25)
    # v = Σ_h n_h/(n_h−1) Σ (z − z̄_h)²: a: 4/3 × 7.9875 = 10.65; b: 2 × 0.245 = 0.49; over 30² = 11.14/900
    assert result.se == pytest.approx(math.sqrt(11.14 / 900))
    assert (result.psus, result.strata, result.n) == (6, 2, 15)


def test_the_interval_stays_open_at_zero():
    result = estimates.estimate(
        y=[0, 0, 0, 0], x=[3, 2, 4, 1], weights=[1] * 4, strata=["a"] * 4, psus=[1, 2, 3, 4]
    )
    assert result.point == 0 and result.low == 0
    # n* = 10 × (t_9 / t_3)², the Clopper–Pearson upper bound at x = 0 is 1 − (α/2)^(1/n*)
    n_eff = 10 * (stats.t.ppf(0.975, 9) / stats.t.ppf(0.975, 3)) ** 2
    assert result.high == pytest.approx(1 - 0.025 ** (1 / n_eff))
    assert result.high > 0.3  # four villages say little


def test_estimates_of_a_sample_from_its_answers(assessor, sample):  # noqa: F811
    imported(assessor, sample, central_csv(sample))
    made = {e.kind: e for e in services.estimates_compute(user=assessor, sample=sample)}
    rows = list(SurveyResponse.objects.select_related("sample_household"))

    # every household of a village has the same weight here (all of each group's frame is weighted alike only
    # within a group): compute the weighted ratio directly
    def weighted(domain, hit):
        num = sum(r.sample_household.weight * r.persons for r in rows if domain(r) and hit(r))
        den = sum(r.sample_household.weight * r.persons for r in rows if domain(r))
        return num / den if den else None

    assert made[Estimator.WRONG_EXIT].point == pytest.approx(
        weighted(lambda r: r.sample_household.status == "exited", lambda r: r.poor_now)
    )
    assert made[Estimator.MISSED].point == pytest.approx(
        weighted(lambda r: r.sample_household.group == "outside", lambda r: r.poor_now)
    )
    sat = made[Estimator.SATISFACTION]
    total = sum(r.sample_household.weight for r in rows)
    assert sat.point == pytest.approx(sum(r.sample_household.weight for r in rows if r.satisfied) / total)
    assert sat.low <= sat.point <= sat.high and sat.units == 8 and sat.psus == 2
    assert Estimate.objects.filter(sample=sample).count() == 3


def test_estimates_need_answers_and_the_third_party(assessor, users, sample):  # noqa: F811
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError, match="还没有调查记录"):
        services.estimates_compute(user=assessor, sample=sample)
    with pytest.raises(PermissionDenied):
        services.estimates_compute(user=users["county"], sample=sample)


def test_the_sample_page_shows_the_estimates(client, assessor, sample):  # noqa: F811
    imported(assessor, sample, central_csv(sample))
    client.force_login(assessor)
    from django.urls import reverse

    client.post(reverse("assessment:estimates_compute", args=[sample.pk]))
    page = client.get(reverse("assessment:sample", args=[sample.pk])).content.decode()
    assert "错退率" in page and "Korn–Graubard" in page
    assert SurveyImportJob.objects.count() == 1  # the answers came by the import job


def _hand_se(z, w, strata, psus):
    """Var(Σwz) over PSUs within strata, with replacement: Σ_h n_h/(n_h−1) Σ_i (t_hi − t̄_h)², t = PSU totals."""
    totals: dict = {}
    for zi, wi, h, i in zip(z, w, strata, psus, strict=True):
        totals.setdefault(h, {}).setdefault(i, 0.0)
        totals[h][i] += wi * zi
    v = 0.0
    for by_psu in totals.values():
        t = list(by_psu.values())
        mean = sum(t) / len(t)
        v += len(t) / (len(t) - 1) * sum((x - mean) ** 2 for x in t) if len(t) > 1 else 0
    return math.sqrt(v)


def test_the_combined_incidence_is_one_linearised_estimate_with_its_own_interval():
    # six households in six villages of two strata; each row is in one domain: non-registered (漏评) or exited (错退)
    missed = ([1, 0, 0, 0, 0, 2], [3, 0, 4, 0, 2, 3])
    wrong = ([0, 0, 0, 1, 0, 0], [0, 2, 0, 3, 0, 0])
    w, strata, psus = [2, 2, 3, 3, 1, 1], list("aaaabb"), [1, 2, 3, 4, 5, 6]
    parts = {"poor": 1_000.0, "outside": 80_000.0, "exited": 15_000.0, "rural": 100_000.0}
    r = estimates.combined(missed=missed, wrong=wrong, weights=w, strata=strata, psus=psus, units=6, **parts)
    r1 = (2 * 1 + 1 * 2) / (2 * 3 + 3 * 4 + 1 * 2 + 1 * 3)  # 漏评率 = 4 / 23
    r2 = (3 * 1) / (2 * 2 + 3 * 3)  # 错退率 = 3 / 13
    assert r.point == pytest.approx((1_000 + r1 * 80_000 + r2 * 15_000) / 100_000)
    # the linearised variable of the hidden share carries both ratios' deviations over the same villages
    z = [
        (80_000 * (y1 - r1 * x1) / 23 + 15_000 * (y2 - r2 * x2) / 13) / 95_000
        for y1, x1, y2, x2 in zip(*missed, *wrong, strict=True)
    ]
    assert r.se == pytest.approx(_hand_se(z, w, strata, psus) * 95_000 / 100_000)
    assert r.low < r.point < r.high
    # not the endpoints of the two rates' intervals put together (which cover nothing in particular)
    one, two = (
        estimates.estimate(y=y, x=x, weights=w, strata=strata, psus=psus, units=3) for y, x in (missed, wrong)
    )
    plugged = (1_000 + one.high * 80_000 + two.high * 15_000) / 100_000
    assert r.high != pytest.approx(plugged)


def test_the_combined_incidence_interval_stays_open_when_no_one_is_found():
    nothing = ([0, 0, 0, 0], [3, 0, 4, 0])
    none_exited = ([0, 0, 0, 0], [0, 2, 0, 1])
    r = estimates.combined(
        missed=nothing, wrong=none_exited, weights=[1] * 4, strata=["a"] * 4, psus=[1, 2, 3, 4],
        poor=1_000, outside=80_000, exited=15_000, rural=100_000, units=4,
    )  # fmt: skip
    assert r.point == pytest.approx(0.01) and r.low == pytest.approx(0.01)
    assert r.high > 0.1  # four households found no one: the hidden share may still be sizeable


def test_the_exit_check_reads_the_incidence_from_the_sample(assessor, sample):  # noqa: F811
    imported(assessor, sample, central_csv(sample))
    services.estimates_compute(user=assessor, sample=sample)
    parts = {
        "rural_population": 100_000,
        "poor_persons": 1_000,
        "persons": 20_000,
        "status_exited_persons": 15_000,
    }
    found = {e.kind: e for e in Estimate.objects.filter(sample=sample)}
    got = services.exit_estimates(found=found, parts=parts)
    point, low, high = got["incidence"]
    missed, wrong = found[Estimator.MISSED].point, found[Estimator.WRONG_EXIT].point
    assert point == pytest.approx((1_000 + missed * 80_000 + wrong * 15_000) / 100_000)
    assert low <= point < high


def test_a_village_alone_in_its_stratum_is_a_certainty_unit():
    # stratum a: four villages; stratum b: one village with two answered households (its others not answered)
    y, x = [1, 0, 2, 0, 1, 0], [3, 2, 4, 1, 3, 2]
    w, strata, psus = [2, 2, 3, 3, 1, 1], list("aaaabb"), [1, 2, 3, 4, 5, 5]
    result = estimates.estimate(y=y, x=x, weights=w, strata=strata, psus=psus)
    assert result.point == pytest.approx(9 / 30)
    z = [(yi - 0.3 * xi) / 30 for yi, xi in zip(y, x, strict=True)]
    # self-representing: in b the households are the units of the variance (5a, 5b), beside a's villages
    assert result.se == pytest.approx(_hand_se(z, w, strata, [1, 2, 3, 4, "5a", "5b"]))
    assert result.se > _hand_se(z[:4], w[:4], strata[:4], psus[:4])


def test_a_lone_village_with_one_answer_counts_in_the_point_and_not_in_the_variance():
    y, x = [1, 0, 2, 0, 1], [3, 2, 4, 1, 3]
    w, strata, psus = [2, 2, 3, 3, 1], list("aaaab"), [1, 2, 3, 4, 5]
    result = estimates.estimate(y=y, x=x, weights=w, strata=strata, psus=psus)  # no error mid-survey
    assert result.point == pytest.approx(9 / 28)  # b's household is in the point
    z = [(yi - 9 / 28 * xi) / 28 for yi, xi in zip(y, x, strict=True)]
    assert result.se == pytest.approx(_hand_se(z[:4], w[:4], strata[:4], psus[:4]))  # a's spread alone
