"""``jingzhun demo-assessment``: 精准考核 for the demo county — the policy (sampling parameters, the national
indicator set, assessment parameters with Guizhou's western 3 %), an accuracy sample drawn from a fixed seed,
its field answers imported as an ODK Central export would come (through the import job), the estimates, the
province's own county indicator set (with the 精准帮扶 satisfaction and a local indicator, 地方自定指标, whose figure
for the county is entered with its evidence), the county's score, the county on the year's list of poor counties (国家级) with its province's own exit
criteria, two findings on the ledger (one overdue), and the county's exit carried through the services as far as
its data allows: 县级申请 → 市级初审 → 省级核查 → 省级公示 (the notice on the public portal, dated so that its days
have run: each step is dated back after the service takes it, as the overdue finding is) → 省政府批准, then the
year's 国家抽查 drawn with the command's seed and left pending, for the national user's 工作台.

The exit needs the county's four conditions met (综合贫困发生率 below the province's threshold, 错退率 and 漏评率 from
the sample, 群众认可度); the services refuse the county's proposal — and so every later step, the 公示 included —
while one fails (a small demo's sample may hold no non-registered household, so no 漏评率). Then the note says
which condition and the exit is skipped: the demo publishes no notice the services would not."""

import csv
import datetime as dt
import io
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from jingzhun.accounts.models import User
from jingzhun.assessment import selectors, services
from jingzhun.assessment.choices import Commissioner, CountyStatus, ExitStep
from jingzhun.assessment.models import (
    AssessmentPolicy,
    CountyExitStep,
    ExitChecklist,
    ExitNotice,
    Finding,
    Indicator,
    NationalCheck,
    PoorCounty,
    Sample,
    SamplingPolicy,
    SurveyImportJob,
)
from jingzhun.core import audit, jobs
from jingzhun.core.context import acting_as
from jingzhun.core.policy import in_force, province_of
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.selectors import demo_places
from jingzhun.registry.choices import HouseholdStatus

POLICY_YEAR = 2016
INDICATORS = [
    ("reduction", "减贫成效（贫困发生率下降）", 30, "incidence_fall", "annual", "1.0", "0"),
    ("identification", "精准识别（漏评率）", 15, "missed", "third_party", "0", "2"),
    ("exit", "精准退出（错退率）", 15, "wrong_exit", "third_party", "0", "2"),
    ("assistance", "精准帮扶（帮扶责任人覆盖率）", 10, "cadre_coverage", "daily", "100", "80"),
    ("satisfaction", "群众满意度", 20, "satisfaction", "third_party", "95", "80"),
    ("funds", "资金成效", 10, "funds", "daily", "100", "0"),
]

# the demo province's own county set (贵州's, replacing the nation's there): the national indicators reweighted,
# the 精准帮扶 satisfaction from the survey's ratings, and one local indicator whose figure the province enters
PROVINCE_INDICATORS = [
    ("reduction", "减贫成效（贫困发生率下降）", 20, "incidence_fall", "annual", "1.0", "0"),
    ("identification", "精准识别（漏评率）", 15, "missed", "third_party", "0", "2"),
    ("exit", "精准退出（错退率）", 15, "wrong_exit", "third_party", "0", "2"),
    ("assistance", "精准帮扶（帮扶责任人覆盖率）", 10, "cadre_coverage", "daily", "100", "80"),
    ("help", "精准帮扶满意度（驻村工作队和帮扶责任人）", 10, "help_satisfaction", "third_party", "100", "80"),
    ("satisfaction", "群众满意度", 10, "satisfaction", "third_party", "95", "80"),
    ("funds", "资金成效", 10, "funds", "daily", "100", "0"),
    ("industry", "特色产业带贫覆盖率（地方自定）", 10, "local", "annual", "90", "50"),
]
LOCAL_FIGURE = ("industry", "78.5", "省农业农村厅特色产业帮扶台账（年度考核抽查核实）")

CHECKLIST = ["贫困村全部退出", "义务教育阶段无因贫辍学学生", "建档立卡贫困户危房全部改造"]


class Command(DemoCountyCommand):
    help = (
        "Create 精准考核's demo records (policy, a sample with imported answers, estimates, score, findings)."
    )

    def seed_county(self, county_region, seed):
        year = timezone.localdate().year
        if Sample.objects.filter(county=county_region).exists():
            self.stdout.write(f"{county_region.name} 已有考核样本，跳过。")
        elif not self._assessment(county_region, seed, year):
            return
        with acting_as(source="command:demo-assessment"):
            self._exit(county_region, year, seed)

    def _assessment(self, county_region, seed, year) -> bool:
        _town, _other, village = demo_places(county_region)
        if village is None:
            raise CommandError(f"{county_region.name} 下没有村委会。")
        with acting_as(source="command:demo-assessment"):
            self._policy(province_of(county_region.code))
            services.poor_counties_load(year=year, rows=[(1, county_region.code, "国家级")])
            if province_of(county_region.code):
                self._checklist(province_of(county_region.code), year)
            # a small demo (DEMO_HOUSEHOLDS=300) has too few large villages to sample: said, not failed
            try:
                sample = services.sample_draw(user=None, county=county_region, year=year, seed=seed)
            except ValidationError as refused:
                self.stdout.write(self.style.WARNING(
                    f"{county_region.name} 不够抽取考核样本（{'；'.join(refused.messages)}），跳过考核演示；"
                    "DEMO_HOUSEHOLDS 不少于 1000 户时可抽样。"
                ))  # fmt: skip
                return False
            job = self._import(sample, seed)
            estimates = services.estimates_compute(user=None, sample=sample)
            if province_of(county_region.code):
                key, value, note = LOCAL_FIGURE
                services.local_figures_enter(
                    user=None,
                    year=year,
                    key=key,
                    rows=[{"county": county_region.code, "value": value, "note": note}],
                )
            scores = services.scores_compute(user=None, region=county_region, year=year)
        county_user = User.objects.filter(username="county").first()
        with acting_as(county_user, source="command:demo-assessment"):
            self._findings(county_user, village)
        self.stdout.write(self.style.SUCCESS(
            f"{county_region.name} {year} 年考核样本：{sample.sampled_villages.count()} 个村 {sample.households.count()} 户"
            f"（随机种子 {sample.seed}），导入调查记录 {job.imported} 条；"
            + "，".join(f"{e.get_kind_display()} {e.point or 0:.2%}" for e in estimates)
            + f"；考核等次 {scores[0].get_grade_display() if scores and scores[0].grade else '—'}。"
        ))  # fmt: skip
        return True

    def _exit(self, county, year: int, seed: int) -> None:
        """The county's exit through the services up to 省政府批准 (each step dated back so the 公示's days have
        run), then the year's 国家抽查 drawn with ``seed``, its result left to the nation. Once: a county with
        exit steps of the year, or a year already drawn, is left as it is."""
        if NationalCheck.objects.filter(year=year).exists():
            self.stdout.write(f"{year} 年国家抽查已抽取，跳过退出演示。")
            return
        if not CountyExitStep.objects.filter(county=county, year=year).exists():
            if not PoorCounty.objects.filter(county=county, year=year).exists():
                return
            policy = in_force(AssessmentPolicy, region_code=county.code, year=year, defaults=True)
            days = policy.exit_publicity_days
            ticked = selectors.exit_checklist(code=county.code, year=year)
            # propose … publicity, days back from today: the 公示 ran from (today − days − 1) to the day before
            # yesterday, so 省政府 approves today and the nation draws today
            plan = [
                (ExitStep.PROPOSE, days + 20, {}), (ExitStep.CITY, days + 15, {}),
                (ExitStep.PROVINCE_CHECK, days + 8, {"ticked": ticked}), (ExitStep.PUBLICITY, days + 1, {}),
            ]  # fmt: skip
            try:
                with transaction.atomic():  # the whole way or nothing: no round left half-taken
                    self._steps(county, year, plan, ticked, seed)
            except ValidationError as refused:
                self.stdout.write(self.style.WARNING(
                    f"{county.name} {year} 年未达到贫困县退出条件（{'；'.join(refused.messages)}），跳过退出演示"
                    "（不发布省级公示，不抽取国家抽查）。"
                ))  # fmt: skip
                return
        if not PoorCounty.objects.filter(county=county, year=year, status=CountyStatus.EXITED).exists():
            return
        drawn = services.national_check_draw(user=None, year=year, seed=seed)
        notice = ExitNotice.objects.filter(region=county, year=year).order_by("-id").first()
        self.stdout.write(self.style.SUCCESS(
            f"{county.name} {year} 年退出：省级公示 {notice.starts_on}–{notice.last_day}，省政府已批准；"
            f"国家抽查抽中 {len(drawn)} 个县（随机种子 {seed}），待录入抽查结果。"
        ))  # fmt: skip

    def _steps(self, county, year: int, plan, ticked: list[str], seed: int) -> None:
        for kind, back, extra in plan:
            if kind == ExitStep.PROVINCE_CHECK:
                self._province_sample(county, year, seed, back + 3)
            step = services.county_exit_take(user=None, county=county, year=year, kind=kind, **extra)
            self._date_back(step, back)
        services.county_exit_take(user=None, county=county, year=year, kind=ExitStep.APPROVE, ticked=ticked)

    def _province_sample(self, county, year: int, seed: int, days: int) -> None:
        """省级专项评估检查: the province's own sample, drawn after the city's review (dated ``days`` back, between
        that review and the check), answered as the field team would and estimated."""
        sample = services.sample_draw(
            user=None, county=county, year=year, seed=seed + 1, commissioner=Commissioner.PROVINCE_CHECK
        )
        Sample.objects.filter(pk=sample.pk).update(drawn_at=timezone.now() - dt.timedelta(days=days))
        self._import(sample, seed + 1)
        services.estimates_compute(user=None, sample=sample)

    @staticmethod
    def _date_back(step, days: int) -> None:
        """The step taken ``days`` ago; the 公示's notice with it (its days unchanged)."""
        at = timezone.now() - dt.timedelta(days=days)
        CountyExitStep.objects.filter(pk=step.pk).update(at=at)
        if step.kind == ExitStep.PUBLICITY:
            notice = ExitNotice.objects.get(step=step)
            run = notice.last_day - notice.starts_on
            starts = timezone.localdate() - dt.timedelta(days=days)
            ExitNotice.objects.filter(pk=notice.pk).update(
                starts_on=starts, last_day=starts + run, created_at=at
            )

    def _policy(self, province: str | None) -> None:
        if not SamplingPolicy.objects.filter(province__isnull=True).exists():
            services.sampling_policy_set(user=None, year=POLICY_YEAR, min_villages=4, min_households=10)
        if not AssessmentPolicy.objects.filter(province__isnull=True).exists():
            services.assessment_policy_set(user=None, year=POLICY_YEAR, show_ranking=False)
        if province and not AssessmentPolicy.objects.filter(province_id=province).exists():
            services.assessment_policy_set(
                user=None, year=POLICY_YEAR, province=province, exit_incidence=Decimal(3)
            )
        if not Indicator.objects.filter(province__isnull=True).exists():
            services.indicators_set(user=None, year=POLICY_YEAR, rows=[
                {"key": k, "name": n, "weight": Decimal(w), "source": s, "origin": o, "best": Decimal(b),
                 "worst": Decimal(z)} for k, n, w, s, o, b, z in INDICATORS
            ])  # fmt: skip
        if province and not Indicator.objects.filter(province_id=province).exists():
            services.indicators_set(user=None, year=POLICY_YEAR, province=province, rows=[
                {"key": k, "name": n, "weight": Decimal(w), "source": s, "origin": o, "best": Decimal(b),
                 "worst": Decimal(z)} for k, n, w, s, o, b, z in PROVINCE_INDICATORS
            ])  # fmt: skip

    def _checklist(self, province: str, year: int) -> None:
        if not ExitChecklist.objects.filter(province_id=province, year=year).exists():
            with acting_as(None, source="command:demo-assessment"):
                audit.upsert(ExitChecklist, {"year": year, "province_id": province}, {"items": CHECKLIST})

    def _import(self, sample, seed) -> SurveyImportJob:
        """Answers as the field team would give them (about 1 % of exited households found poor again, 1.5 % of
        non-registered ones poor, 95 % satisfied; the 驻村工作队 and the 帮扶责任人 rated satisfied by about 92 % and
        94 %, a non-registered household not knowing a 帮扶责任人), written as Central's CSV export and imported by the job."""
        rng = random.Random(seed)
        ratings = random.Random(
            seed + 1
        )  # the 精准帮扶 ratings: their own stream, the answers above unchanged
        out = io.StringIO()
        writer = csv.writer(out)
        conditions = ["income_ok", "food_clothing", "education", "medical", "housing", "water"]
        writer.writerow(["SubmissionDate", "village", "household", "persons", *conditions, "satisfied",
                         "team_satisfied", "cadre_satisfied", "meta-instanceID", "KEY", "FormVersion"])  # fmt: skip
        for h in sample.households.order_by("key"):
            risk = 0.01 if h.status == HouseholdStatus.EXITED else 0.015 if h.group == "outside" else 0.0
            poor = rng.random() < risk
            answers = ["no" if poor and c == "income_ok" else "yes" for c in conditions]
            instance = f"uuid:demo-{sample.pk}-{h.key}"
            writer.writerow([f"{sample.year}-10-15T09:00:00.000Z", h.region_id, h.key, max(1, h.persons), *answers,
                             "yes" if rng.random() < 0.95 else "no", self._rating(ratings, 0.92),
                             "unknown" if h.group == "outside" else self._rating(ratings, 0.94), instance, instance,
                             sample.form_version])  # fmt: skip
        upload = SimpleUploadedFile(f"{sample.form_id}.csv", out.getvalue().encode("utf-8"))
        job = services.survey_import_start(user=None, sample=sample, upload=upload)
        return jobs.run(SurveyImportJob, job.pk, services.survey_import)

    @staticmethod
    def _rating(rng, satisfied: float) -> str:
        """A 精准帮扶 answer: satisfied with the share given, a few 不了解, the rest not satisfied."""
        draw = rng.random()
        return "yes" if draw < satisfied else "unknown" if draw < satisfied + 0.02 else "no"

    def _findings(self, user, village) -> None:
        today = timezone.localdate()
        overdue = services.finding_raise(
            user=user, region=village, source="third_party", title="第三方评估发现 1 户错退，未重新纳入",
            responsible_unit=f"{village.parent.name}人民政府", deadline=today + dt.timedelta(days=30),
            detail="入户核实该户人均纯收入低于当年扶贫标准，需重新识别。",
        )  # fmt: skip
        Finding.objects.filter(pk=overdue.pk).update(
            deadline=today - dt.timedelta(days=5)
        )  # raised 5 weeks ago
        rectified = services.finding_raise(
            user=user, region=village, source="hotline", title="12317 反映危房改造补助未到位",
            responsible_unit="县住房和城乡建设局", deadline=today + dt.timedelta(days=20),
        )  # fmt: skip
        services.finding_rectify(user=user, finding=rectified, evidence="补助已于本月拨付到户，附银行流水。")
