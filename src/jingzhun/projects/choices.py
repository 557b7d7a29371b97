"""Code lists of the project library (项目库): categories, natures and lifecycle stages (DOMAIN.md §7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """项目类别, as the project library's entry form lists them."""

    INDUSTRY = "industry", _("产业发展")
    EMPLOYMENT = "employment", _("就业扶贫")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    RELOCATION = "relocation", _("易地扶贫搬迁")
    EDUCATION = "education", _("教育扶贫")
    HEALTH = "health", _("健康扶贫")
    HOUSING = "housing", _("危房改造")
    FINANCE = "finance", _("金融扶贫")
    OTHER = "other", _("其他")


class Nature(models.TextChoices):
    """建设性质."""

    NEW = "new", _("新建")
    EXTEND = "extend", _("续建")
    REPAIR = "repair", _("改扩建")


class Stage(models.TextChoices):
    """Where a project stands in its lifecycle; kept in step with its latest immutable step by the services."""

    DRAFT = "draft", _("草拟")
    DECLARED = "declared", _("已申报")
    REVIEWED = "reviewed", _("乡镇已审核")
    APPRAISED = "appraised", _("部门已论证")
    LISTED = "listed", _("已入库")
    PLANNED = "planned", _("已列入年度计划")
    IMPLEMENTING = "implementing", _("实施中")
    ACCEPTED = "accepted", _("已验收")
    SETTLED = "settled", _("已报账")
    TRANSFERRED = "transferred", _("资产已移交")
    REJECTED = "rejected", _("已退回")
