from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """What a sample is drawn for: the accuracy check (about half inside the registry, half outside) or the
    satisfaction survey (labour-capable poor : non-registered : no-labour poor, by policy 5 : 3 : 2)."""

    ACCURACY = "accuracy", _("精准识别和退出核查")
    SATISFACTION = "satisfaction", _("群众满意度调查")


class Commissioner(models.TextChoices):
    """Who a sample is drawn for: the third party's annual assessment of the county (its figures are the
    county's scores and its exit proposal), or the province's own field check of a county whose exit passed the
    city's review (省级专项评估检查: its figures decide the check, the 公示 and the approval)."""

    ASSESSMENT = "assessment", _("第三方评估（年度考核）")
    PROVINCE_CHECK = "province_check", _("省级专项评估检查")


class Group(models.TextChoices):
    """The household strata inside a sampled village."""

    LABOUR = "labour", _("有劳动力的建档立卡户")
    NO_LABOUR = "no_labour", _("无劳动力的建档立卡户")
    OUTSIDE = "outside", _("非建档立卡户")


class ResponseSource(models.TextChoices):
    WEB = "web", _("网页填报")
    ODK = "odk", _("ODK 离线采集")


class Estimator(models.TextChoices):
    WRONG_EXIT = "wrong_exit", _("错退率")
    MISSED = "missed", _("漏评率")
    SATISFACTION = "satisfaction", _("群众满意度")


class Source(models.TextChoices):
    """Where an indicator's figure comes from."""

    INCIDENCE_FALL = "incidence_fall", _("贫困发生率下降（百分点，统计汇总）")
    CADRE_COVERAGE = "cadre_coverage", _("帮扶责任人覆盖率（%，统计汇总）")
    PLAN_COVERAGE = "plan_coverage", _("帮扶计划覆盖率（%，统计汇总）")
    WRONG_EXIT = "wrong_exit", _("错退率（%，第三方评估）")
    MISSED = "missed", _("漏评率（%，第三方评估）")
    SATISFACTION = "satisfaction", _("群众满意度（%，第三方评估）")
    FUNDS = "funds", _("资金成效（资金项目）")
    PROJECT_ON_TIME = "project_on_time", _("项目按期验收率（%，项目库）")
    PROJECT_ASSETS = "project_assets", _("项目资产移交率（%，项目库）")
    PROJECT_BENEFIT = "project_benefit", _("项目带贫率（%，受益建档立卡户占比）")
    COUNTY_SCORES = "county_scores", _("所辖县考核平均得分（省级）")
    # 精准帮扶: the households' answers on the 驻村工作队 and on their 帮扶责任人 (the cadre assessment's questions)
    HELP_SATISFACTION = "help_satisfaction", _("精准帮扶满意度（%，对驻村工作队和帮扶责任人的评价）")
    # a province's own indicator: its figure per county and year is entered by the assessing level with evidence
    LOCAL = "local", _("地方自定指标（录入数值）")


class Origin(models.TextChoices):
    """Which check gives the figure (the weighting example: 平时 40 %, 年度 30 %, 第三方 30 %)."""

    DAILY = "daily", _("平时掌握")
    ANNUAL = "annual", _("年度考核")
    THIRD_PARTY = "third_party", _("第三方评估")


class Grade(models.TextChoices):
    GOOD = "good", _("好")
    FAIR = "fair", _("较好")
    PASS = "pass", _("一般")
    POOR = "poor", _("较差")


class FindingSource(models.TextChoices):
    ASSESSMENT = "assessment", _("考核评估")
    THIRD_PARTY = "third_party", _("第三方评估")
    INSPECTION = "inspection", _("督查巡查")
    AUDIT = "audit", _("审计")
    FUNDS = "funds", _("资金监管预警")
    LOOKBACK = "lookback", _("回头看")
    HOTLINE = "hotline", _("12317 来电")


class FindingState(models.TextChoices):
    OPEN = "open", _("整改中")
    RECTIFIED = "rectified", _("待销号")
    CLOSED = "closed", _("已销号")


class ExitStep(models.TextChoices):
    """贫困县退出: county proposes → city reviews → the province's own field check → province 公示 → 省政府
    approval; the national sample check of exited counties after."""

    PROPOSE = "propose", _("县级提出退出申请")
    CITY = "city", _("市级初审")
    PROVINCE_CHECK = "province_check", _("省级专项评估检查")
    PUBLICITY = "publicity", _("省级公示")
    APPROVE = "approve", _("省政府批准退出")
    NATIONAL_CHECK = "national_check", _("国家抽查")


# the order of the steps and the level (0 national … 3 county) that takes each
EXIT_STEPS = (
    (ExitStep.PROPOSE, 3), (ExitStep.CITY, 2), (ExitStep.PROVINCE_CHECK, 1), (ExitStep.PUBLICITY, 1),
    (ExitStep.APPROVE, 1), (ExitStep.NATIONAL_CHECK, 0),
)  # fmt: skip


class CountyKind(models.TextChoices):
    """贫困县: the 832 national ones (国家扶贫开发工作重点县 and 集中连片特困地区县) and a province's own."""

    NATIONAL = "national", _("国家级贫困县")
    PROVINCIAL = "provincial", _("省级贫困县")


class CountyStatus(models.TextChoices):
    POOR = "poor", _("贫困县")
    EXITED = "exited", _("已摘帽")


class CheckResult(models.TextChoices):
    """国家抽查: a drawn county's result."""

    PENDING = "pending", _("待核查")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")
