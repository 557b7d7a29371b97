"""Code lists of the identification procedure (两公示一公告, DOMAIN.md §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where an application stands; each stage names what it waits for."""

    APPLIED = "applied", _("待入户核实")
    VERIFIED = "verified", _("待民主评议")
    DELIBERATED = "deliberated", _("待第一次公示")
    FIRST_PUBLICITY = "first_publicity", _("第一次公示中")
    TOWNSHIP_REVIEW = "township_review", _("待乡镇审核")
    TOWNSHIP_APPROVED = "township_approved", _("待第二次公示")
    SECOND_PUBLICITY = "second_publicity", _("第二次公示中")
    COUNTY_APPROVAL = "county_approval", _("待县级审批")
    COUNTY_APPROVED = "county_approved", _("待公告")
    ANNOUNCED = "announced", _("已公告")
    REJECTED = "rejected", _("未通过")
    # 脱贫退出 (DOMAIN.md §8): its own order of the village's steps, then the shared 乡镇审核, 待公告, 已公告
    EXIT_PROPOSED = "exit_proposed", _("待民主评议（退出）")
    EXIT_DELIBERATED = "exit_deliberated", _("待核实（退出）")
    EXIT_VERIFIED = "exit_verified", _("待农户认可")
    EXIT_CONSENTED = "exit_consented", _("待村级公示（退出）")
    EXIT_PUBLICITY = "exit_publicity", _("村级公示中（退出）")
    # 贫困村退出 (DOMAIN.md §8): proposed by the township, 公示 within the township, then the shared 待公告 and 已公告
    VILLAGE_PROPOSED = "village_proposed", _("待乡镇公示（贫困村退出）")
    VILLAGE_PUBLICITY = "village_publicity", _("乡镇公示中（贫困村退出）")
    # 防返贫监测 (issue 20): 纳入监测 and 风险消除 share the village steps, then one 公示 and the county's 确认
    MONITOR_PUBLICITY = "monitor_publicity", _("监测公示中")
    CONFIRMED = "confirmed", _("已确认")


TERMINAL_STAGES = frozenset({Stage.ANNOUNCED, Stage.REJECTED, Stage.CONFIRMED})
PUBLICITY_STAGES = frozenset(
    {Stage.FIRST_PUBLICITY, Stage.SECOND_PUBLICITY, Stage.EXIT_PUBLICITY, Stage.MONITOR_PUBLICITY}
)


class ApplicationKind(models.TextChoices):
    """What an application proposes: to bring a household into the registry, or (回头看) to take a wrongly
    identified one out of it — both through the same 两公示一公告 — or to take a household out of poverty
    (脱贫退出), or to bring an exited one back (返贫), each through its own procedure (``rules.PROCEDURES``)."""

    INCLUDE = "include", _("纳入")
    REMOVE = "remove", _("清退")
    EXIT = "exit", _("脱贫退出")
    RETURN = "return", _("返贫")
    MONITOR = "monitor", _("纳入监测")
    CLEAR = "clear", _("风险消除")


class Procedure(models.TextChoices):
    """The procedure an application follows and a public list belongs to: identification's 两公示一公告 (纳入 and
    清退 together), the exit's one 公示 and 公告, and the return's 公告."""

    IDENTIFICATION = "identification", _("识别")
    EXIT = "exit", _("脱贫退出")
    RETURN = "return", _("返贫")
    VILLAGE_EXIT = "village_exit", _("贫困村退出")
    MONITORING = "monitoring", _("防返贫监测")
    CLEARANCE = "clearance", _("风险消除")


# Procedures run by an app above identification (monitoring): their applications stay off identification's
# working lists, and their public lists never show the main cause (a health status, DOMAIN.md §8).
FOREIGN_PROCEDURES = frozenset({Procedure.MONITORING, Procedure.CLEARANCE})

KIND_PROCEDURE = {
    ApplicationKind.INCLUDE: Procedure.IDENTIFICATION,
    ApplicationKind.REMOVE: Procedure.IDENTIFICATION,
    ApplicationKind.EXIT: Procedure.EXIT,
    ApplicationKind.RETURN: Procedure.RETURN,
    ApplicationKind.MONITOR: Procedure.MONITORING,
    ApplicationKind.CLEAR: Procedure.CLEARANCE,
}
FOREIGN_KINDS = frozenset(k for k, p in KIND_PROCEDURE.items() if p in FOREIGN_PROCEDURES)


class CampaignMode(models.TextChoices):
    """回头看: check every household of the county, or a random sample of them."""

    ALL = "all", _("全面核查")
    SAMPLE = "sample", _("随机抽查")


class Finding(models.TextChoices):
    """What a 回头看 visit found about one household."""

    PENDING = "pending", _("待核查")
    CORRECT = "correct", _("识别准确")
    WRONGLY_INCLUDED = "wrongly_included", _("错评（应清退）")
    MISSED = "missed", _("漏评（应纳入）")


class StepKind(models.TextChoices):
    APPLY = "apply", _("农户申请")
    VERIFY = "verify", _("入户核实")
    DELIBERATE = "deliberate", _("民主评议")
    PUBLICITY_OPEN = "publicity_open", _("列入公示")
    PUBLICITY_WITHDRAW = "publicity_withdraw", _("撤出公示")
    PUBLICITY_CLOSE = "publicity_close", _("公示期满")
    TOWNSHIP_REVIEW = "township_review", _("乡镇审核")
    COUNTY_APPROVAL = "county_approval", _("县级审批")
    ANNOUNCE = "announce", _("公告")
    OBJECTION = "objection", _("异议处理")
    REJECT = "reject", _("不予通过")
    CONSENT = "consent", _("农户认可")
    OVERRIDE = "override", _("县级审定（规则不支持的退出）")
    AUTHORISE = "authorise", _("农户授权承诺")
    CONFIRM = "confirm", _("县级确认")


class Round(models.TextChoices):
    """The three public lists: two 公示 (with a period for objections) and the final 公告."""

    FIRST = "first", _("第一次公示")
    SECOND = "second", _("第二次公示")
    ANNOUNCEMENT = "announcement", _("公告")


# What a list is called where its procedure gives it its own name (identification's lists keep the round's).
LIST_TITLES = {
    (Procedure.EXIT, Round.FIRST): _("拟脱贫户公示"),
    (Procedure.EXIT, Round.ANNOUNCEMENT): _("脱贫户公告"),
    (Procedure.RETURN, Round.ANNOUNCEMENT): _("返贫户公告"),
    (Procedure.VILLAGE_EXIT, Round.FIRST): _("拟退出贫困村公示"),
    (Procedure.VILLAGE_EXIT, Round.ANNOUNCEMENT): _("贫困村退出公告"),
    (Procedure.MONITORING, Round.FIRST): _("监测对象公示"),
    (Procedure.CLEARANCE, Round.FIRST): _("风险消除公示"),
}


class VillageStatus(models.TextChoices):
    """A village's standing in a year (DOMAIN.md §5, §8): designated poor by the county (一高一低一无), exited
    after its 公告, or not a poor village (never designated, or the county turned the suggestion down)."""

    POOR = "poor", _("贫困村")
    EXITED = "exited", _("已退出")
    NON_POOR = "non_poor", _("非贫困村")


class VillageStepKind(models.TextChoices):
    """A step on a village's year: the county's designation, the township's exit proposal, the lists."""

    DESIGNATE = "designate", _("县级认定贫困村")
    DESIGNATE_REJECT = "designate_reject", _("县级不予认定")
    EXIT_PROPOSE = "exit_propose", _("乡镇提出退出")
    PUBLICITY_OPEN = "publicity_open", _("列入乡镇公示")
    PUBLICITY_WITHDRAW = "publicity_withdraw", _("撤出公示")
    PUBLICITY_CLOSE = "publicity_close", _("公示期满无异议")
    OBJECTION = "objection", _("异议处理")
    ANNOUNCE = "announce", _("县级公告退出")


class ObjectionSource(models.TextChoices):
    STAFF = "staff", _("工作人员录入")
    PUBLIC = "public", _("群众网上反映")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class UpheldAction(models.TextChoices):
    """What an upheld objection does to the household's application."""

    REVERIFY = "reverify", _("退回重新入户核实")
    REJECT = "reject", _("不予纳入")


class DeptListKind(models.TextChoices):
    """四不列: the other departments' lists a county compares members' ID numbers with (部门数据比对)."""

    VEHICLE = "vehicle", _("车辆登记（非生产性车辆）")
    PROPERTY = "property", _("商品房登记")
    PAYROLL = "payroll", _("财政供养人员")
    BUSINESS = "business", _("工商注册（经营店铺、运输）")
    CADRE = "cadre", _("村委会干部")
