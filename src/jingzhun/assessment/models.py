"""精准考核 (issue 22): the third-party check's sampling policy, samples drawn from a stored seed (villages, then
households), the field survey's answers and their import jobs, design-based estimates, indicator sets and
scores, the rectification ledger (问题整改) and the county exit check's thresholds — policy numbers as data by
year and province (``core.policy.in_force``)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.jobs import Job
from jingzhun.core.policy import one_per_year, policy_province, policy_year
from jingzhun.core.records import WrittenOnce
from jingzhun.core.scoping import ScopedModel
from jingzhun.core.uploads import upload_content, upload_size
from jingzhun.identification.models import SCAN_VALIDATORS
from jingzhun.projects.models import NoticeObjection
from jingzhun.registry.choices import HouseholdStatus

from .choices import (
    CheckResult,
    Commissioner,
    CountyKind,
    CountyStatus,
    Estimator,
    ExitStep,
    FindingSource,
    FindingState,
    Grade,
    Group,
    Origin,
    Purpose,
    ResponseSource,
    Source,
)


def _count(label, default, low, high):
    return models.PositiveSmallIntegerField(
        label, default=default,
        validators=[
            MinValueValidator(low, _("不少于 %(limit_value)s。")), MaxValueValidator(high, _("不超过 %(limit_value)s。"))
        ],
    )  # fmt: skip


def _percent(label, default):
    return models.DecimalField(
        label, max_digits=5, decimal_places=2, default=Decimal(default),
        validators=[MinValueValidator(0, _("不能为负数。")), MaxValueValidator(100, _("不超过 100。"))],
    )  # fmt: skip


class SamplingPolicy(ScopedModel):
    """抽样参数 in force from ``year`` (carried forward), nationally or for a province: the least villages per
    county and households per village, the share of the accuracy sample inside the registry, and the satisfaction
    sample's mix (labour-capable poor : non-registered : no-labour poor)."""

    year = policy_year()
    province = policy_province()
    min_villages = _count(_("每县至少抽取村数"), 2, 1, 100)
    min_households = _count(_("每村至少抽取户数"), 10, 1, 200)
    inside_share = _percent(_("核查样本中建档立卡户占比（%）"), "50")
    mix_labour = _count(_("满意度样本：有劳动力贫困户份数"), 5, 0, 100)
    mix_outside = _count(_("满意度样本：非建档立卡户份数"), 3, 0, 100)
    mix_no_labour = _count(_("满意度样本：无劳动力贫困户份数"), 2, 0, 100)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("抽样参数")
        verbose_name_plural = _("抽样参数")
        constraints = [*one_per_year("samplingpolicy")]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'}"

    def clean(self) -> None:
        # all three parts 0 would draw no household for the satisfaction survey
        if not (self.mix_labour or self.mix_outside or self.mix_no_labour):
            raise ValidationError({"mix_labour": [_("满意度样本的三类户份数不能全为 0。")]})

    def mix(self, purpose: str) -> dict[str, float]:
        """The share of each household group in a village's sample (``None`` inside: by the frame's sizes)."""
        if purpose == Purpose.SATISFACTION:
            parts = {Group.LABOUR: self.mix_labour, Group.OUTSIDE: self.mix_outside,
                     Group.NO_LABOUR: self.mix_no_labour}  # fmt: skip
            total = sum(parts.values()) or 1
            return {g: v / total for g, v in parts.items()}
        inside = float(self.inside_share) / 100
        return {Group.OUTSIDE: 1 - inside, "inside": inside}


class Sample(ScopedModel):
    """一次抽样: a county's two-stage sample of ``year`` — villages (SRS without replacement within strata), then
    households within each village by group — drawn by samplics from ``seed``, so that anyone redrawing with
    the same frame and seed gets the same households. The parameters used are kept on the row."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    year = policy_year()
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices)
    # 委托方: the third party's annual assessment, or the province's own field check of a county's exit
    commissioner = models.CharField(
        _("委托方"), max_length=16, choices=Commissioner.choices, default=Commissioner.ASSESSMENT
    )
    seed = models.PositiveIntegerField(_("随机种子"))
    villages = models.PositiveSmallIntegerField(_("抽取村数"))
    households_per_village = models.PositiveSmallIntegerField(_("每村抽取户数"))
    stratified = models.BooleanField(_("按乡镇分层"), default=False)
    design = models.JSONField(_("设计参数"), default=dict, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("抽样人"),
    )  # fmt: skip
    drawn_at = models.DateTimeField(_("抽样时间"), default=timezone.now)

    scope_lookup = "county__code"
    keyset_fields = ("county_id", "id")

    class Meta:
        verbose_name = _("抽样")
        verbose_name_plural = _("抽样")
        ordering = ["-drawn_at"]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.get_purpose_display()} #{self.pk}"

    @property
    def form_id(self) -> str:
        return f"jingzhun_sample_{self.pk}"

    @property
    def form_version(self) -> str:
        return f"{self.year}.{self.pk}.{self.seed}"


class SampleVillage(ScopedModel):
    """A village drawn in a sample: its stratum, the stratum's frame and draw sizes, and its weight (the inverse
    of its inclusion probability)."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="sampled_villages")
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    stratum = models.CharField(_("层"), max_length=12)
    frame_villages = models.PositiveIntegerField(_("层内村数"))
    drawn_villages = models.PositiveIntegerField(_("层内抽取村数"))
    weight = models.FloatField(_("村权数"))

    scope_lookup = "village__code"

    class Meta:
        verbose_name = _("样本村")
        verbose_name_plural = _("样本村")
        constraints = [
            models.UniqueConstraint(fields=["sample", "village"], name="samplevillage_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id} {self.village_id}"


class SampleHousehold(ScopedModel):
    """A household drawn in a sampled village: its group, its field code (``key``, what the assessor's form
    names — never the registry's number or status), the group's frame and draw sizes, and its design weight
    (village weight × the household's within-village weight). ``status`` and ``persons`` are as they stood at the
    draw; they stay out of the assessor's form."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="households")
    sampled_village = models.ForeignKey(SampleVillage, on_delete=models.CASCADE, related_name="households")
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("农户")
    )
    key = models.CharField(_("样本编号"), max_length=20)
    group = models.CharField(_("样本组"), max_length=12, choices=Group.choices)
    status = models.CharField(_("抽样时状态"), max_length=12, choices=HouseholdStatus.choices)
    persons = models.PositiveSmallIntegerField(_("抽样时人数"), default=0)
    frame_size = models.PositiveIntegerField(_("组内户数"))
    drawn = models.PositiveIntegerField(_("组内抽取户数"))
    weight = models.FloatField(_("设计权数"))

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("样本户")
        verbose_name_plural = _("样本户")
        constraints = [
            models.UniqueConstraint(fields=["sample", "household"], name="samplehousehold_once"),
            models.UniqueConstraint(fields=["sample", "key"], name="samplehousehold_key_once"),
        ]

    def __str__(self) -> str:
        return self.key

    def audit_scope(self) -> tuple[str, str]:
        return f"assessment.sample:{self.sample_id}", self.region_id


# the questions of the field form (XLSForm names): each yes means the condition is met
CONDITIONS = (
    ("income_ok", _("家庭人均纯收入稳定超过当年扶贫标准")),
    ("food_clothing", _("不愁吃、不愁穿")),
    ("education", _("义务教育有保障")),
    ("medical", _("基本医疗有保障")),
    ("housing", _("住房安全有保障")),
    ("water", _("饮水安全有保障")),
)


class SurveyResponse(ScopedModel):
    """The field survey's answer for one sampled household — from the ODK form (imported, ``instance_id`` the
    form's instance) or the phone-friendly web form (the same record). The assessor answers the conditions of
    两不愁三保障 and income without seeing the registry; whether the household is poor now is derived, and with
    the status at the draw gives 错退 (exited but poor) and 漏评 (never registered but poor)."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="responses")
    sample_household = models.OneToOneField(
        SampleHousehold, on_delete=models.CASCADE, related_name="response", verbose_name=_("样本户")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    instance_id = models.CharField(_("表单实例编号"), max_length=100, unique=True)
    source = models.CharField(_("来源"), max_length=8, choices=ResponseSource.choices)
    form_version = models.CharField(_("表单版本"), max_length=40)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    # the version of the submission imported: an edit in Central gives it a new meta-instanceID (its deprecatedID
    # naming the one before) and counts one more edit; its KEY (``instance_id``) stays
    version_id = models.CharField(_("版本实例编号"), max_length=100, blank=True)
    edits = models.PositiveIntegerField(_("ODK Central 修改次数"), default=0)
    updated_at = models.DateTimeField(_("ODK Central 修改时间"), null=True, blank=True)
    persons = models.PositiveSmallIntegerField(
        _("家庭人口数"),
        validators=[
            MinValueValidator(1, _("家庭人口数至少为 1。")),
            MaxValueValidator(30, _("家庭人口数不超过 30。")),
        ],
    )
    income_ok = models.BooleanField(CONDITIONS[0][1])
    food_clothing = models.BooleanField(CONDITIONS[1][1])
    education = models.BooleanField(CONDITIONS[2][1])
    medical = models.BooleanField(CONDITIONS[3][1])
    housing = models.BooleanField(CONDITIONS[4][1])
    water = models.BooleanField(CONDITIONS[5][1])
    satisfied = models.BooleanField(_("对脱贫攻坚工作满意（认可）"))
    # 精准帮扶: the household's view of the village's 驻村工作队 and of its own 帮扶责任人; empty where it does not
    # know them (a non-registered household has no 帮扶责任人) or the form of the sample did not ask
    team_satisfied = models.BooleanField(_("对驻村工作队满意"), null=True, blank=True)
    cadre_satisfied = models.BooleanField(_("对帮扶责任人满意"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"),
    )  # fmt: skip
    job = models.ForeignKey(
        "SurveyImportJob", on_delete=models.PROTECT, null=True, blank=True, related_name="responses",
        verbose_name=_("导入任务"),
    )  # fmt: skip

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("入户调查记录")
        verbose_name_plural = _("入户调查记录")
        indexes = [models.Index(fields=["version_id"], name="surveyresponse_version")]

    def __str__(self) -> str:
        return self.instance_id

    def audit_scope(self) -> tuple[str, str]:
        return f"assessment.sample:{self.sample_id}", self.region_id

    @property
    def poor_now(self) -> bool:
        """Poor by the survey: income or any of 两不愁三保障 and water not secured."""
        return not all(getattr(self, name) for name, _label in CONDITIONS)


def survey_upload_to(job, filename: str) -> str:
    now = timezone.now()
    suffix = ".zip" if filename.lower().endswith(".zip") else ".csv"
    return f"assessment/surveys/{now:%Y/%m}/{job.sample_id}-{now:%H%M%S%f}{suffix}"


class SurveyImportJob(Job, ScopedModel):
    """An import of ODK Central's submissions export (CSV, or its zip) into a sample: all rows or none, each bad
    row named; an instance already imported for the same household is left as it is, or replaced by the later
    version where it was edited in Central (the import can be run again with a newer export)."""

    TASK = "jingzhun.assessment.tasks.run_survey_import"

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="imports")
    file = models.FileField(_("文件"), upload_to=survey_upload_to)
    original_name = models.CharField(_("文件名"), max_length=200)
    imported = models.PositiveIntegerField(_("新导入"), default=0)
    updated = models.PositiveIntegerField(_("按修改更新"), default=0)
    unchanged = models.PositiveIntegerField(_("已导入过"), default=0)

    scope_lookup = "sample__county__code"

    class Meta:
        verbose_name = _("调查数据导入")
        verbose_name_plural = _("调查数据导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"


class Estimate(ScopedModel):
    """A design-based estimate of a sample (错退率, 漏评率, 群众满意度): the point, its standard error and 95 %
    interval, the design it came from (villages, strata, effective sample size), and the unweighted counts behind
    it. Recomputed whole for a sample by ``services.estimates_compute``."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="estimates")
    kind = models.CharField(_("指标"), max_length=16, choices=Estimator.choices)
    point = models.FloatField(_("估计值"), null=True)
    se = models.FloatField(_("标准误"), null=True)
    low = models.FloatField(_("95% 置信区间下限"))
    high = models.FloatField(_("95% 置信区间上限"))
    units = models.PositiveIntegerField(_("样本量（人或户）"))
    n_eff = models.FloatField(_("有效样本量"))
    psus = models.PositiveIntegerField(_("样本村数"))
    strata = models.PositiveIntegerField(_("层数"))
    numerator = models.FloatField(_("分子（样本）"))
    denominator = models.FloatField(_("分母（样本）"))
    method = models.CharField(_("方法"), max_length=120)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    scope_lookup = "sample__county__code"

    class Meta:
        verbose_name = _("抽样估计")
        verbose_name_plural = _("抽样估计")
        constraints = [models.UniqueConstraint(fields=["sample", "kind"], name="estimate_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.sample_id} {self.kind} {self.point}"

    def audit_scope(self) -> tuple[str, str]:
        return f"assessment.sample:{self.sample_id}", self.sample.county_id


class AssessmentPolicy(ScopedModel):
    """考核参数 in force from ``year`` (carried forward), nationally or for a province: the grade thresholds,
    whether a ranking is shown (the 2019 national check: 不打分、不排队), and the county exit thresholds
    (a western province sets its own incidence line, 3 %)."""

    year = policy_year()
    province = policy_province()
    show_ranking = models.BooleanField(_("显示排名"), default=False)
    grade_good = _percent(_("「好」的最低得分"), "90")
    grade_fair = _percent(_("「较好」的最低得分"), "80")
    grade_pass = _percent(_("「一般」的最低得分"), "60")
    exit_incidence = _percent(_("贫困县退出：综合贫困发生率低于（%）"), "2")
    exit_wrong_exit = _percent(_("贫困县退出：错退率低于（%）"), "2")
    exit_missed = _percent(_("贫困县退出：漏评率低于（%）"), "2")
    exit_satisfaction = _percent(_("贫困县退出：群众认可度不低于（%）"), "90")
    rectify_days = _count(_("整改时限（天，转整改时的默认）"), 30, 1, 730)
    exit_publicity_days = _count(_("贫困县退出：省级公示天数"), 7, 1, 90)
    national_check_share = _percent(_("国家抽查：每省抽取已退出县的比例（%）"), "20")
    national_check_min = _count(_("国家抽查：每省至少抽取县数"), 1, 0, 100)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("考核参数")
        verbose_name_plural = _("考核参数")
        constraints = [*one_per_year("assessmentpolicy")]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'}"

    def grade(self, total: float | None) -> str:
        if total is None:
            return ""
        for grade, floor in (
            (Grade.GOOD, self.grade_good),
            (Grade.FAIR, self.grade_fair),
            (Grade.PASS, self.grade_pass),
        ):
            if total >= float(floor):
                return grade
        return Grade.POOR


class Indicator(ScopedModel):
    """An indicator of the set of ``year`` for counties (level 3) or provinces (level 1), nationally or a
    province's own set (the province's rows replace the nation's for it): its weight, where its figure comes
    from, which check gives it, and the figures giving full marks (``best``) and none (``worst``) — linear between;
    ``best`` below ``worst`` for a figure where lower is better (错退率)."""

    year = policy_year()
    province = policy_province()
    level = models.PositiveSmallIntegerField(
        _("考核对象级别"), choices=[(1, _("省")), (3, _("县"))], default=3
    )
    key = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("指标"), max_length=60)
    weight = models.DecimalField(
        _("权重（分）"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), _("权重须大于 0。"))],
    )
    source = models.CharField(_("数据来源"), max_length=20, choices=Source.choices)
    origin = models.CharField(_("考核方式"), max_length=12, choices=Origin.choices)
    best = models.DecimalField(_("满分值"), max_digits=8, decimal_places=3)
    worst = models.DecimalField(_("零分值"), max_digits=8, decimal_places=3)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        constraints = [
            models.UniqueConstraint(fields=["year", "province", "level", "key"], name="indicator_once"),
            models.UniqueConstraint(
                fields=["year", "level", "key"],
                condition=models.Q(province__isnull=True),
                name="indicator_national_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def clean(self) -> None:
        # a local figure is entered per county: a province's own result stands on its counties' other figures
        if self.source == Source.LOCAL and self.level != 3:
            raise ValidationError({"source": [_("「地方自定指标（录入数值）」只能用于县级考核指标。")]})

    def score(self, value: float | None) -> float | None:
        """The share of the weight earned by ``value`` (0–1), None without a figure."""
        if value is None:
            return None
        best, worst = float(self.best), float(self.worst)
        if best == worst:
            return 1.0 if value == best else 0.0
        return max(0.0, min(1.0, (value - worst) / (best - worst)))


class Score(ScopedModel):
    """A county's (or a province's, ``level`` 1) assessment result of a year: the total over the indicators with
    a figure, the grade, each indicator's figure, score and evidence, and the problem list. Recomputed whole by
    ``services.scores_compute``. A province's row keeps its code in ``county`` (the column predates province
    scores; one table keeps one scope rule and one page)."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（省级结果为省）"),
        limit_choices_to={"level__in": (1, 3)},
    )  # fmt: skip
    level = models.PositiveSmallIntegerField(
        _("考核对象级别"), choices=[(1, _("省")), (3, _("县"))], default=3
    )
    year = policy_year()
    total = models.FloatField(_("得分"), null=True)
    grade = models.CharField(_("等次"), max_length=8, choices=Grade.choices, blank=True)
    details = models.JSONField(_("指标明细"), default=list)
    problems = models.JSONField(_("问题清单"), default=list)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    scope_lookup = "county__code"

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="score_one_per_year")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.grade}"

    def by_origin(self) -> list[dict]:
        """The subtotal of each 考核方式 (平时掌握 / 年度考核 / 第三方评估): the weight of its indicators, the weight
        of those with a figure (``available``), the points earned of it, and the points it puts into the total
        (``counted``: scaled as the total is, over the indicators with a figure) — the parts sum to the total."""
        known = sum(d["weight"] for d in self.details if d.get("score") is not None)
        out = []
        for origin in Origin:
            rows = [d for d in self.details if d.get("origin") == origin]
            if not rows:
                continue
            scored = [d for d in rows if d.get("score") is not None]
            earned = sum(d["score"] for d in scored)
            out.append(
                {
                    "origin": origin.value,
                    "label": origin.label,
                    "weight": round(sum(d["weight"] for d in rows), 2),
                    "available": round(sum(d["weight"] for d in scored), 2),
                    "earned": round(earned, 2),
                    "counted": round(earned / known * 100, 2) if known else None,
                }
            )
        return out


LOCAL_FILE_VALIDATORS = [*SCAN_VALIDATORS, upload_content]


class LocalFigure(WrittenOnce, ScopedModel):
    """地方自定指标的录入数值: the figure of a province's own indicator (``Source.LOCAL``, named by its ``key``) for a
    county and year, entered by the assessing level (province or city) with what it is based on (``note``, an
    optional scan or photo in ``file``). Written once: a correction is the next ``version``, the earlier ones
    kept and shown; the score reads the latest. Keyed by the indicator's key, not its row, so that a province
    re-setting its indicator set keeps the figures entered."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    year = policy_year()
    key = models.SlugField(_("指标代码"), max_length=30)
    name = models.CharField(_("指标"), max_length=60)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=3)
    note = models.TextField(_("依据说明"), max_length=2000)
    file = models.FileField(
        _("佐证材料"), upload_to="assessment/local/%Y/%m/", blank=True, validators=LOCAL_FILE_VALIDATORS
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"),
    )  # fmt: skip
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    scope_lookup = "county__code"
    keyset_fields = ("county_id", "id")

    class Meta:
        verbose_name = _("地方自定指标数值")
        verbose_name_plural = _("地方自定指标数值")
        ordering = ["county_id", "key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "key", "version"], name="localfigure_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.key} v{self.version}"


class Finding(ScopedModel):
    """问题整改: a finding from any source about a region, with the unit responsible for the fix and its
    deadline; the region reports the fix with its evidence, and the level that raised it closes it (销号) — or
    sends it back, which clears the report. ``raised_level`` is the raising user's level (0 national … 5
    village): only that level closes it."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("问题所在区划")
    )
    source = models.CharField(_("问题来源"), max_length=12, choices=FindingSource.choices)
    # the item in its source (a supervision alert, a 12317 call's 工单号, a 回头看 record's number): the same item
    # never becomes two findings
    source_ref = models.CharField(_("来源编号"), max_length=60, blank=True)
    title = models.CharField(_("问题"), max_length=200)
    detail = models.TextField(_("问题描述"), max_length=4000, blank=True)
    responsible_unit = models.CharField(_("责任单位"), max_length=100)
    deadline = models.DateField(_("整改时限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=FindingState.choices, default=FindingState.OPEN
    )
    raised_level = models.PositiveSmallIntegerField(_("提出层级"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("提出人"),
    )  # fmt: skip
    raised_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    evidence = models.TextField(_("整改情况"), max_length=4000, blank=True)
    evidence_file = models.FileField(
        _("整改佐证材料"), upload_to="assessment/findings/%Y/%m/", blank=True, validators=[upload_size]
    )
    rectified_at = models.DateTimeField(_("上报整改时间"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("上报人"),
    )  # fmt: skip
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("销号人"),
    )  # fmt: skip
    close_note = models.TextField(_("销号意见"), max_length=2000, blank=True)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("整改问题")
        verbose_name_plural = _("整改问题")
        indexes = [models.Index(fields=["state", "deadline"], name="finding_state_deadline")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="finding_one_per_source_ref",
            )
        ]

    def __str__(self) -> str:
        return self.title


class CountyExitStep(WrittenOnce, ScopedModel):
    """A step of a county's exit (贫困县退出) in ``year``, an immutable record: who took it at which level,
    whether it passed (a failed step ends the round; the county may propose again), the note, and the exit
    conditions as they stood when the county proposed and when the province checked."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    year = policy_year()
    kind = models.CharField(_("环节"), max_length=16, choices=ExitStep.choices)
    level = models.PositiveSmallIntegerField(_("办理层级"))
    passed = models.BooleanField(_("通过"), default=True)
    note = models.TextField(_("意见"), max_length=2000, blank=True)
    conditions = models.JSONField(_("退出条件核查"), default=list, blank=True)
    criteria = models.JSONField(_("省定附加条件核查"), default=list, blank=True)
    # 省级专项评估检查 and 省政府批准退出: the province's own sample whose estimates the step read
    sample = models.ForeignKey(
        Sample, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("省级专项评估检查样本"),
    )  # fmt: skip
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("办理人"),
    )  # fmt: skip
    at = models.DateTimeField(_("办理时间"), default=timezone.now)

    scope_lookup = "county__code"

    class Meta:
        verbose_name = _("贫困县退出环节")
        verbose_name_plural = _("贫困县退出环节")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.kind}"


class PoorCounty(ScopedModel):
    """A county designated poor (贫困县) in ``year``, national or provincial, and its status of that year: a row
    per year, so the list of a year is data; the approval of its exit (省政府批准退出) writes 已摘帽 into the
    row of that year, and a later year without a row reads 已摘帽 from it (``selectors.county_status``)."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    year = policy_year()
    kind = models.CharField(_("类别"), max_length=12, choices=CountyKind.choices)
    status = models.CharField(
        _("状态"), max_length=8, choices=CountyStatus.choices, default=CountyStatus.POOR
    )

    scope_lookup = "county__code"
    keyset_fields = ("county_id", "id")

    class Meta:
        verbose_name = _("贫困县")
        verbose_name_plural = _("贫困县")
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="poorcounty_one_per_year")]
        ordering = ["county_id", "year"]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.kind} {self.status}"


class ExitChecklist(ScopedModel):
    """A province's own criteria of county exit in ``year`` (省定附加条件), one line each: shown in the exit check
    and ticked by the province; the approval is refused while one is unticked."""

    year = policy_year()
    province = policy_province()
    items = models.JSONField(_("附加条件"), default=list, blank=True)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("贫困县退出省定附加条件")
        verbose_name_plural = _("贫困县退出省定附加条件")
        constraints = [*one_per_year("exitchecklist")]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id}"


class ExitNotice(ScopedModel):
    """省级公示 of a county's exit on the public portal: the county, the exit figures as the province's check
    recorded them (综合贫困发生率 with its interval, 错退率, 漏评率, 认可度, each with its threshold) and nothing
    personal; up from ``starts_on`` for the policy's days (``last_day``), kept online afterwards. The approval
    waits for its end and for every objection to be decided."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    year = policy_year()
    step = models.OneToOneField(
        CountyExitStep, on_delete=models.PROTECT, related_name="notice", verbose_name=_("公示环节")
    )
    facts = models.JSONField(_("公示内容"), default=dict)
    starts_on = models.DateField(_("公示开始"))
    last_day = models.DateField(_("公示截止"))
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("贫困县退出公示")
        verbose_name_plural = _("贫困县退出公示")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("starts_on")), name="exitnotice_period_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"

    @property
    def title(self) -> str:
        return _("%(y)s 年贫困县退出公示") % {"y": self.year}

    def accepts_objections(self, today) -> bool:
        return self.starts_on <= today <= self.last_day


class ExitObjection(NoticeObjection):
    """异议 against a county's exit on its 省级公示, from the public portal or from staff; the province decides
    it with a reason. While one is open the approval (省政府批准退出) is refused; an upheld one refuses approval."""

    notice = models.ForeignKey(
        ExitNotice, on_delete=models.PROTECT, related_name="objections", verbose_name=_("贫困县退出公示")
    )

    class Meta:
        verbose_name = _("贫困县退出公示异议")
        verbose_name_plural = _("贫困县退出公示异议")


class NationalCheck(ScopedModel):
    """国家抽查: a county drawn in the national sample check of the counties approved to exit in ``year`` —
    stratified by province, the province's share or least count as policy data, drawn from ``seed`` (kept on
    every drawn county with the whole draw's ``design``, so anyone redrawing gets the same counties) — and the
    check's result: passed, or failed with its findings, figures and reason, which takes back 已摘帽 and opens a
    rectification item (``finding``)."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    year = policy_year()
    seed = models.PositiveIntegerField(_("随机种子"))
    stratum = models.CharField(_("层（省）"), max_length=12)
    frame = models.PositiveIntegerField(_("本省批准退出县数"))
    drawn = models.PositiveIntegerField(_("本省抽取县数"))
    weight = models.FloatField(_("权数"))
    design = models.JSONField(_("抽样设计"), default=dict)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("抽样人"),
    )  # fmt: skip
    drawn_at = models.DateTimeField(_("抽样时间"), default=timezone.now)
    result = models.CharField(
        _("抽查结果"), max_length=8, choices=CheckResult.choices, default=CheckResult.PENDING
    )
    findings = models.TextField(_("发现的问题"), max_length=4000, blank=True)
    figures = models.JSONField(_("抽查数据"), default=dict, blank=True)
    reason = models.TextField(_("结论理由"), max_length=2000, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"),
    )  # fmt: skip
    checked_at = models.DateTimeField(_("录入时间"), null=True, blank=True)
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("整改问题")
    )

    scope_lookup = "county__code"
    keyset_fields = ("county_id", "id")

    class Meta:
        verbose_name = _("国家抽查")
        verbose_name_plural = _("国家抽查")
        ordering = ["county_id"]
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="nationalcheck_once")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.result}"
