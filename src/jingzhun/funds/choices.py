"""Code lists of 扶贫资金 (issue 21, DOMAIN.md §7): where money comes from, what it may be spent on, how a
project is paid in stages (报账制), a payment's states, and the supervision alerts' kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """资金来源."""

    CENTRAL = "central", _("中央财政资金")
    PROVINCIAL = "provincial", _("省级财政资金")
    CITY = "city", _("市级财政资金")
    COUNTY = "county", _("县级财政资金")
    INTEGRATED = "integrated", _("统筹整合涉农资金")
    DONATION = "donation", _("社会捐赠资金")
    PAIRED = "paired", _("结对帮扶单位资金")


class Category(models.TextChoices):
    """支出类别: the permitted uses (特色产业, small public facilities, capacity), the county's management fee, direct
    subsidies to households, and the nine uses the central rules forbid (which ones a year forbids is policy data:
    ``FundRule.forbidden``, per source and year)."""

    INDUSTRY = "industry", _("特色产业发展")
    FACILITIES = "facilities", _("小型公益性生产生活设施")
    CAPACITY = "capacity", _("增强自我发展能力")
    HOUSEHOLD = "household", _("到户补助")
    MANAGEMENT_FEE = "management_fee", _("项目管理费")
    ADMIN_COSTS = "admin_costs", _("行政事业单位基本支出")
    VEHICLES = "vehicles", _("交通工具及通讯设备")
    BONUSES = "bonuses", _("各种奖金、津贴和福利补助")
    ENTERPRISE_LOSSES = "enterprise_losses", _("弥补企业亏损")
    BUILDINGS = "buildings", _("修建楼堂馆所及职工住宅")
    BUDGET_GAPS = "budget_gaps", _("弥补预算支出缺口和偿还债务")
    CAPITAL_CONSTRUCTION = "capital_construction", _("大中型基本建设项目")
    URBAN = "urban", _("城市基础设施建设和城市扶贫")
    UNRELATED = "unrelated", _("与脱贫攻坚无关的支出")


FORBIDDEN_2017 = [
    Category.ADMIN_COSTS, Category.VEHICLES, Category.BONUSES, Category.ENTERPRISE_LOSSES, Category.BUILDINGS,
    Category.BUDGET_GAPS, Category.CAPITAL_CONSTRUCTION, Category.URBAN, Category.UNRELATED,
]  # fmt: skip
INDUSTRY_CATEGORIES = (Category.INDUSTRY,)


class Stage(models.TextChoices):
    """报账制: the stages a project is paid in (their shares are policy data: ``FundRule.stages``, per source)."""

    START = "start", _("开工预付")
    BASIC = "basic", _("基本完工")
    ACCEPTED = "accepted", _("验收合格")
    RETENTION = "retention", _("质保金")


AFTER_ACCEPTANCE = (Stage.ACCEPTED, Stage.RETENTION)


class PaymentKind(models.TextChoices):
    PROJECT = "project", _("项目资金（报账）")
    HOUSEHOLD = "household", _("到户补助（一卡通）")
    FEE = "fee", _("项目管理费")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已审核待支付")
    SENT = "sent", _("已发送银行")
    PAID = "paid", _("已支付")
    FAILED = "failed", _("支付失败")
    REISSUED = "reissued", _("失败已重发")


# A payment holds its allocation's money from the moment it is entered until it fails.
HOLDING = (PaymentStatus.PENDING, PaymentStatus.APPROVED, PaymentStatus.SENT, PaymentStatus.PAID)


class NoticeKind(models.TextChoices):
    """The funds' public notices (公告公示, DOMAIN.md §7): the county's year plan of projects, the money about to be
    paid (事前公示: before the bank pays), and the money paid (事后公告)."""

    PLAN = "plan", _("年度项目计划公告")
    BEFORE = "before", _("资金事前公示")
    AFTER = "after", _("资金使用情况公告")


class NameMask(models.TextChoices):
    """How a village notice shows the name of a person paid a subsidy (到人到户补助), as policy by year and
    province (``FundPolicy.name_mask``; ``rules.mask_name`` applies it). ID numbers and accounts are never shown,
    whatever the pattern; the full name only where a province's own policy says so."""

    SURNAME_STARS = "surname_stars", _("姓氏加星号（杨**）")
    SURNAME_STAR = "surname_star", _("姓氏加一个星号（杨*）")
    MIDDLE = "middle", _("隐去中间字（杨*明）")
    SURNAME_ONLY = "surname_only", _("只公示姓氏（杨某）")
    FULL = "full", _("公示全名（须省级政策规定）")


# the payments a notice of each kind lists: entered and not yet at the bank (事前), or paid (事后)
NOTICE_STATUSES = {
    NoticeKind.BEFORE: (PaymentStatus.PENDING, PaymentStatus.APPROVED),
    NoticeKind.AFTER: (PaymentStatus.PAID,),
}


class AlertKind(models.TextChoices):
    """监督预警: the known abuses (挪用, 虚报冒领, 优亲厚友, 资金滞留) as set-based rules (``alerts.py``)."""

    SHARED_ACCOUNT = "shared_account", _("多户共用同一收款账户")
    CADRE_RELATIVE = "cadre_relative", _("优亲厚友：收款人为村干部家庭成员")
    IDLE = "idle", _("资金滞留超过规定天数")
    NO_ACCEPTANCE = "no_acceptance", _("未验收即支付")
    OUTLIER = "outlier", _("人均帮扶资金远高于全县人均中位数")
    INCOME_JUMP = "income_jump", _("脱贫前收入突增")
    DECEASED = "deceased", _("已死亡或已注销仍获支付")


class AlertState(models.TextChoices):
    OPEN = "open", _("待核查")
    CLOSED = "closed", _("已办结")


class AlertAction(models.TextChoices):
    CLOSE = "close", _("办结")
    REOPEN = "reopen", _("重新打开")
