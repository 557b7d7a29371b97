"""Code lists of 防止返贫动态监测 (issue 20, DOMAIN.md §8). The object types and risk types are the registry's
(``registry.choices.MonitoringKind``, ``RiskType``): the dated attribute ``registry.Monitoring`` keeps them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.registry.choices import MonitoringKind, RiskType  # noqa: F401 - re-exported for the app


class ClueSource(models.TextChoices):
    """Where a clue came from: every channel is kept with its date."""

    SELF = "self", _("农户自主申报")
    VISIT = "visit", _("干部走访排查")
    DEPARTMENT = "department", _("部门筛查预警")
    STAFF = "staff", _("基层干部录入")


class ClueStatus(models.TextChoices):
    PENDING = "pending", _("待乡镇受理")
    ACCEPTED = "accepted", _("已受理")
    DISMISSED = "dismissed", _("不予受理")


class Department(models.TextChoices):
    """部门筛查: the departments whose lists are matched with the registry by ID number."""

    MEDICAL = "medical", _("医保")
    EMERGENCY = "emergency", _("应急管理")
    HR = "hr", _("人社")
    EDUCATION = "education", _("教育")
    CIVIL = "civil", _("民政")
    DISABILITY = "disability", _("残联")


# What the number on each department's list is (its column header), and the risk it signals. A row at or above
# the department's threshold (policy data, ``MonitoringPolicy.threshold_<department>``) raises a clue.
DEPARTMENT_VALUE = {
    Department.MEDICAL: (_("个人自付医疗费用"), RiskType.ILLNESS),
    Department.EMERGENCY: (_("灾害损失金额"), RiskType.DISASTER),
    Department.HR: (_("失业月数"), RiskType.EMPLOYMENT),
    Department.EDUCATION: (_("教育支出"), RiskType.SCHOOLING),
    Department.CIVIL: (_("临时救助金额"), RiskType.ACCIDENT),
    Department.DISABILITY: (_("康复支出"), RiskType.DISABILITY),
}
VALUE_HEADERS = ("金额", "数值")  # accepted on every list besides the department's own header


class CaseState(models.TextChoices):
    """Where a monitoring case stands. While a procedure runs its step is the application's stage."""

    IDENTIFYING = "identifying", _("认定中")
    MONITORED = "monitored", _("监测帮扶中")
    CLEARING = "clearing", _("风险消除办理中")
    TRACKING = "tracking", _("兜底保障持续跟踪")
    CLEARED = "cleared", _("风险已消除")
    REJECTED = "rejected", _("未纳入监测")


OPEN_STATES = (CaseState.IDENTIFYING, CaseState.MONITORED, CaseState.CLEARING, CaseState.TRACKING)
PROCEDURE_STATES = (CaseState.IDENTIFYING, CaseState.CLEARING)
