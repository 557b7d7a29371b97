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
    WITHDRAWN = "withdrawn", _("已调出项目库")


# stages where a project is in the library but not yet being built: the yearly revision may carry or withdraw it
REVISABLE = frozenset({Stage.LISTED, Stage.PLANNED})
# stages a 报账 installment may be recorded in (funds pays in stages: at start, at basic completion, after 验收)
SETTLING = frozenset({Stage.PLANNED, Stage.IMPLEMENTING, Stage.ACCEPTED})
ENDED = frozenset({Stage.TRANSFERRED, Stage.REJECTED, Stage.WITHDRAWN})


class StepKind(models.TextChoices):
    """One immutable step of a project's lifecycle (``ProjectStep``)."""

    VILLAGE_NOTICE = "village_notice", _("申报公示")
    DECLARE = "declare", _("申报")
    REVIEW = "review", _("乡镇审核")
    TOWNSHIP_NOTICE = "township_notice", _("乡镇公示")
    APPRAISE = "appraise", _("部门论证")
    APPROVE = "approve", _("县级审定并公告入库")
    PLAN = "plan", _("列入年度计划")
    PROGRESS = "progress", _("实施进度")
    ACCEPT = "accept", _("竣工验收")
    SETTLE = "settle", _("报账")
    TRANSFER = "transfer", _("资产移交")
    CARRY = "carry", _("结转下年度项目库")
    WITHDRAW = "withdraw", _("调出项目库")
    OBJECTION = "objection", _("公示异议处理")


class NoticeKind(models.TextChoices):
    """The public notices of a project (公告公示): before (事前) and after (事后) implementation."""

    VILLAGE = "village", _("项目申报公示")  # by the declaring level: a village's project by its village
    TOWNSHIP = "township", _("乡镇审核公示")
    COUNTY = "county", _("县级项目库入库公告")
    RESULT = "result", _("项目竣工验收公告")
    REVISION = (
        "revision",
        _("项目库年度调整公告"),
    )  # the county's whole library of a year (``LibraryRevision``)


# notices that take objections while they run (a 公告 announces a decision; the revision's 公告 is published for
# the public to object before the county approves it)
OBJECTION_NOTICES = frozenset({NoticeKind.VILLAGE, NoticeKind.TOWNSHIP, NoticeKind.REVISION})


class RevisionState(models.TextChoices):
    """Where a county's yearly revision of its library (项目库年度调整) stands."""

    DRAFT = "draft", _("调整中")
    PUBLISHED = "published", _("公告中")
    APPROVED = "approved", _("已审定生效")


class RevisionDecision(models.TextChoices):
    """What the revision does with a project of the library not yet implemented."""

    CARRY = "carry", _("结转下年度")
    WITHDRAW = "withdraw", _("调出项目库")
    KEEP = "keep", _("保留")


class RevisionStepKind(models.TextChoices):
    """One immutable step of a yearly revision (``LibraryRevisionStep``)."""

    OPEN = "open", _("开始年度调整")
    DECIDE = "decide", _("确定调整意见")
    PUBLISH = "publish", _("发布调整公告")
    OBJECTION = "objection", _("公告异议处理")
    APPROVE = "approve", _("审定生效")


class FundKind(models.TextChoices):
    """资金来源 of a project's financing."""

    CENTRAL = "central", _("中央财政专项扶贫资金")
    PROVINCIAL = "provincial", _("省级财政资金")
    CITY = "city", _("市级财政资金")
    COUNTY = "county", _("县级财政资金")
    INTEGRATED = "integrated", _("统筹整合涉农资金")
    DONATION = "donation", _("社会捐赠")
    PAIRED = "paired", _("东西部协作和定点帮扶资金")
    CREDIT = "credit", _("信贷资金")
    SELF = "self", _("群众自筹")


class TargetKind(models.TextChoices):
    """绩效目标 dimensions."""

    OUTPUT = "output", _("产出指标")
    BENEFIT = "benefit", _("效益指标")
    SATISFACTION = "satisfaction", _("满意度指标")


class AssetKind(models.TextChoices):
    """扶贫项目资产 kinds."""

    OPERATING = "operating", _("经营性资产")
    PUBLIC = "public", _("公益性资产")
    HOUSEHOLD = "household", _("到户类资产")
