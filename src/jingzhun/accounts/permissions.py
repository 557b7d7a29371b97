"""Who may act: roles × actions × levels as data, and the one function that decides (``decide``).

Every service, view, API endpoint and template asks here — "may this user take this action, on this region, for
a thing that belongs to this level?" — and nowhere else compares roles or levels (a test fails on any role or
level comparison of a user outside accounts). Region *scope* of reads is applied by ``ScopedQuerySet.for_user``,
which asks ``User.can`` (the role half of the same table).

Three tables, read together:

- ``ACTIONS``: what each action is called (for refusals) and which levels of the actor's own region may take it
  (``Levels``): any level, one fixed level (matching is the county's), up to a level (a village does not
  register provincial units), or the level of the thing acted on (a procedure step belongs to the level its
  rule names: the village verifies, the county approves) — plus where 代录 is allowed (``on_behalf``).
- ``ROLE_ACTIONS``: which actions each role has. The first three roles carry the registry's daily work; the
  等保 duties (三员分立) are separate: the security administrator keeps accounts, the auditor reads the trail,
  neither reads households. The roles after them serve the apps that come next (funds, assessment, department
  lists, cadres' visits, supervision) and have only the actions that exist for them today.
- ``UNMASKED_ROLES``: roles that see personal data in full without asking (``core.masking``).

代录 (entry on behalf): in most counties the township's 扶贫工作站 enters village steps from the paper record.
An action lists, per level acted for, the levels that may enter for it; the caller says it enters on behalf
(with the signed paper scanned), and the decision names the level acted for, which the step and the audit keep.

The actor a service checks is the actor the audit records: ``require`` refuses a check of one user inside the
acting context of another (``core.context``), so a service cannot pass its check as A and be recorded as B.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.core.codes import NATIONAL_CODE  # noqa: F401 - set_policy on national values: permissions.NATIONAL_CODE
from jingzhun.core.context import current_actor
from jingzhun.regions.choices import RegionLevel

from .choices import Role

NATIONAL = 0  # the level of a user without a region (whole country)
PROVINCE, PREFECTURE, COUNTY = RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY
TOWNSHIP, VILLAGE = RegionLevel.TOWNSHIP, RegionLevel.VILLAGE


class Rule(Enum):
    ANY = "any"  # any level (scope still applies)
    AT = "at"  # exactly ``level`` (fixed in the table, or given by the call: the level of the thing acted on)
    UP_TO = "up_to"  # the actor's level is ``level`` or higher (national 0 … village 5)
    AMONG = "among"  # one of ``levels``


@dataclass(frozen=True)
class Levels:
    rule: Rule = Rule.ANY
    level: int | None = None
    levels: frozenset[int] = frozenset()

    def admits(self, own: int, wanted: int | None) -> bool:
        if self.rule is Rule.ANY:
            return True
        if self.rule is Rule.AMONG:
            return own in self.levels
        target = self.level if self.level is not None else wanted
        if target is None:
            raise ImproperlyConfigured("an action at the thing's level needs the level of the thing")
        if self.levels and own not in self.levels:  # AT the thing's level, among these only
            return False
        return own == target if self.rule is Rule.AT else own <= target

    def expected(self, wanted: int | None) -> int | None:
        return self.level if self.level is not None else wanted


ANY = Levels()


def at(level: int | None = None, *, among: tuple[int, ...] = ()) -> Levels:
    return Levels(Rule.AT, level, frozenset(among))


def up_to(level: int) -> Levels:
    return Levels(Rule.UP_TO, level)


def among(*levels: int) -> Levels:
    return Levels(Rule.AMONG, levels=frozenset(levels))


@dataclass(frozen=True)
class Action:
    label: str | Promise
    levels: Levels = ANY
    # 代录: level acted for → the levels that may enter for it (with the paper record scanned)
    on_behalf: dict[int, frozenset[int]] = field(default_factory=dict)


TOWNSHIP_FOR_VILLAGE = {VILLAGE: frozenset({TOWNSHIP})}

ACTIONS: dict[str, Action] = {
    # the registry and every app's records
    "view": Action(gettext_lazy("查看档案")),
    "change": Action(gettext_lazy("录入和修改档案")),
    "export": Action(gettext_lazy("导出名单")),
    "reveal": Action(gettext_lazy("查看完整个人信息")),
    # accounts and the audit trail (三员分立)
    "manage_users": Action(gettext_lazy("管理用户")),
    "audit": Action(gettext_lazy("查看操作日志")),
    # policy data (lines, periods, parameters): national administrators, or a province's for its province
    "set_policy": Action(gettext_lazy("设置政策参数"), among(NATIONAL, PROVINCE)),
    # 历史数据载入: statuses and their years as they were, outside the procedures — administrators only
    "load_history": Action(gettext_lazy("载入历史建档立卡数据"), among(NATIONAL, PROVINCE)),
    # 精准识别: a step belongs to the level its rule names (identification.rules); villages' steps by 代录 too
    "take_step": Action(gettext_lazy("办理识别程序"), at(), TOWNSHIP_FOR_VILLAGE),
    "record_objection": Action(gettext_lazy("录入异议")),
    "explain_flag": Action(gettext_lazy("说明比对疑点")),
    "upload_list": Action(gettext_lazy("上传部门比对名单"), at(COUNTY)),
    "view_crosscheck": Action(gettext_lazy("查看部门比对"), up_to(COUNTY)),
    "view_quotas": Action(gettext_lazy("查看规模控制"), up_to(COUNTY)),
    # by the parent's level, down to the county (县为单位): national, provincial and prefectural users split
    "split_quota": Action(gettext_lazy("分解下达规模"), at(among=(NATIONAL, PROVINCE, PREFECTURE))),
    "set_national_quota": Action(gettext_lazy("设定全国规模"), at(NATIONAL)),
    # 减贫计划: handed down from above the region (province → county → township), so up to the region's parent
    "hand_down_target": Action(
        gettext_lazy("下达减贫计划"),
        Levels(Rule.UP_TO, None, frozenset({NATIONAL, PROVINCE, PREFECTURE, COUNTY})),
    ),
    # 年度动态调整: the county opens and closes its year, the province confirms or reopens it
    "close_year": Action(gettext_lazy("开始和关闭年度动态调整"), at(COUNTY)),
    "confirm_year": Action(gettext_lazy("确认或重新开放年度"), at(PROVINCE)),
    "run_campaign": Action(gettext_lazy("组织回头看"), at(COUNTY)),
    # 人口变动 (动态管理): births, deaths, marriages, 分户/合户, 户主 and moves within a county, by the village,
    # township or county of the household; a move to another county is asked by the sending county and accepted
    # by the receiving one; a 分户 of a registered household is reviewed by the township or county
    "change_members": Action(gettext_lazy("办理人口变动"), among(COUNTY, TOWNSHIP, VILLAGE)),
    "transfer_send": Action(gettext_lazy("办理跨县迁出"), at(COUNTY)),
    "transfer_accept": Action(gettext_lazy("接收跨县迁入"), at(COUNTY)),
    "review_split": Action(gettext_lazy("审核分户"), among(COUNTY, TOWNSHIP)),
    "record_check": Action(gettext_lazy("回头看核查"), at(VILLAGE)),
    # 贫困村: the village's yearly figures by its village, township or county; the county designates (一高一低一无)
    # and announces an exit; the township proposes an exit, runs its 公示 and decides objections to it
    "record_village_year": Action(gettext_lazy("录入贫困村年度信息"), among(COUNTY, TOWNSHIP, VILLAGE)),
    "designate_village": Action(gettext_lazy("认定贫困村"), at(COUNTY)),
    "propose_village_exit": Action(gettext_lazy("提出贫困村退出并公示"), at(TOWNSHIP)),
    "announce_village_exit": Action(gettext_lazy("公告贫困村退出"), at(COUNTY)),
    # 精准帮扶
    "register_unit": Action(gettext_lazy("登记帮扶单位和派驻工作队"), up_to(COUNTY)),
    "register_cadre": Action(gettext_lazy("登记帮扶责任人和结对"), up_to(TOWNSHIP)),
    "plan": Action(gettext_lazy("制定帮扶计划和措施")),
    "log_visit": Action(gettext_lazy("登记走访")),
    "match": Action(gettext_lazy("需求匹配"), up_to(COUNTY)),
    # 防止返贫动态监测: a clue from a cadre's visit or any staff; the township accepts it (then the procedure's
    # steps are take_step at their level, as identification's)
    "report_clue": Action(gettext_lazy("登记风险线索")),
    "accept_clue": Action(gettext_lazy("受理风险线索"), at(TOWNSHIP)),
    # 疑点数据核查: a county, prefecture or province runs the rules; townships read their county's findings
    "run_quality": Action(gettext_lazy("运行疑点数据核查"), up_to(COUNTY)),
    "view_quality": Action(gettext_lazy("查看疑点数据核查"), up_to(TOWNSHIP)),
    # 扶贫项目库 (projects): entry by the declaring level; the procedure's steps at the level each belongs to
    # (village 公示 and 申报, township 审核 and 公示); 论证 by the county's sector departments; 审定, 公告, 年度计划,
    # 验收, 资产移交 and the yearly revision by the county (approval rights at county level); 报账 by finance
    "draft_project": Action(gettext_lazy("录入扶贫项目"), among(COUNTY, TOWNSHIP, VILLAGE)),
    "project_step": Action(gettext_lazy("办理项目申报审核"), at(), TOWNSHIP_FOR_VILLAGE),  # 申报 by 代录 too
    "appraise_project": Action(gettext_lazy("项目论证"), at(COUNTY)),
    "approve_project": Action(gettext_lazy("审定项目和年度计划"), at(COUNTY)),
    "report_progress": Action(gettext_lazy("报送项目实施进度"), among(COUNTY, TOWNSHIP, VILLAGE)),
    "settle_project": Action(gettext_lazy("项目报账"), at(COUNTY)),
    # 项目库年度调整: the county's project manager revises the whole library of a year and approves it
    "revise_library": Action(gettext_lazy("项目库年度调整"), at(COUNTY)),
    "manage_assets": Action(gettext_lazy("管理扶贫项目资产和收益分配"), at(COUNTY)),
    # analytics
    "refresh_rollups": Action(gettext_lazy("刷新统计"), at(NATIONAL)),
    # reserved for the apps that come next (funds, assessment, supervision): granted now, used by them
    "manage_funds": Action(gettext_lazy("资金和项目管理")),
    # 扶贫资金政策参数 (the rules of each fund source by year — forbidden uses, fee cap, industry share, 报账
    # stages, receipts: funds.services.rule_set — and the fund-wide supervision numbers and allocation weights:
    # policy_set): national administrators for the nation, provincial ones for their province
    "set_fund_policy": Action(gettext_lazy("设置扶贫资金政策参数"), among(NATIONAL, PROVINCE)),
    # 一卡通: the household's bank account, entered by finance (or an administrator); read masked by the others
    "set_bank_account": Action(gettext_lazy("登记一卡通账户"), up_to(TOWNSHIP)),
    # 精准考核 (issue 22): the third party (province, city or nation) draws samples and enters the survey; the
    # assessed county reads results but never draws its own sample; findings are closed (销号) by the level that
    # raised them, their fixes reported by the region they are about
    "assess": Action(gettext_lazy("考核评估抽样和调查"), up_to(PREFECTURE)),
    "view_assessment": Action(gettext_lazy("查看考核结果")),
    "score": Action(gettext_lazy("计算考核得分"), among(NATIONAL, PROVINCE)),
    # 地方自定指标: the figure of a province's own indicator per county, entered by the assessing level with its
    # evidence (the province, or a city for its counties); never by the county assessed
    "enter_local_figure": Action(gettext_lazy("录入地方自定考核指标数值"), among(PROVINCE, PREFECTURE)),
    "raise_finding": Action(gettext_lazy("登记考核发现的问题"), up_to(COUNTY)),
    "rectify": Action(gettext_lazy("上报问题整改情况")),
    "close_finding": Action(gettext_lazy("问题整改销号"), at()),
    # 贫困县退出: each step at its level (county proposes, city reviews, province checks, 公示 and approves)
    "county_exit": Action(gettext_lazy("办理贫困县退出"), at()),
    # 省级专项评估检查: the province commissions its own sample of a county whose exit passed the city's review
    "draw_province_check": Action(gettext_lazy("抽取省级专项评估检查样本"), at(PROVINCE)),
    # a sampled household's design weight differs between the registry's groups, so it hints at the status the
    # assessor must judge without: shown to the staff who read samples, not to the third party
    "view_sample_weights": Action(gettext_lazy("查看样本户设计权数")),
    # 国家抽查 of exited counties: the national assessment draws the sample and records each county's result
    "national_check": Action(gettext_lazy("国家抽查贫困县退出"), at(NATIONAL)),
    "supervise": Action(gettext_lazy("监督检查")),
}

_DATA_WORK = frozenset(
    {
        "view", "change", "export", "reveal", "take_step", "record_objection", "explain_flag", "upload_list",
        "view_crosscheck", "view_quotas", "split_quota", "hand_down_target", "close_year", "confirm_year",
        "run_campaign", "record_check", "register_unit", "change_members", "transfer_send", "transfer_accept",
        "review_split", "record_village_year", "designate_village", "propose_village_exit",
        "announce_village_exit",
        "register_cadre", "plan", "log_visit", "match", "refresh_rollups", "report_clue", "accept_clue",
        "run_quality", "view_quality",
        "draft_project", "project_step", "approve_project", "report_progress", "manage_assets",
        "revise_library",
    }
)  # fmt: skip

# 精准考核 for the registry's staff: read results, raise findings, report fixes and close their own findings
_ASSESSMENT = frozenset(
    {"view_assessment", "raise_finding", "rectify", "close_finding", "county_exit", "draw_province_check"}
)

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: _DATA_WORK
    | _ASSESSMENT
    | {"set_policy", "set_fund_policy", "set_national_quota", "load_history", "settle_project", "set_bank_account", "manage_funds",
       "supervise", "assess", "score", "national_check", "enter_local_figure", "view_sample_weights"},
    Role.OPERATOR: _DATA_WORK | _ASSESSMENT,
    Role.VIEWER: frozenset({"view", "export", "view_crosscheck", "view_quotas", "view_quality", "view_assessment"}),
    Role.SECURITY: frozenset({"manage_users"}),
    Role.AUDITOR: frozenset({"audit"}),
    Role.FINANCE: frozenset(
        {"view", "export", "manage_funds", "settle_project", "manage_assets", "set_bank_account"}
    ),
    # sees the sample, not the registry
    Role.ASSESSOR: frozenset(
        {"assess", "score", "view_assessment", "raise_finding", "close_finding", "national_check",
         "enter_local_figure", "draw_province_check"}
    ),
    # 医保, 民政, 教育 … upload their lists; sector departments appraise projects (read through that action)
    Role.DEPARTMENT: frozenset({"upload_list", "appraise_project"}),
    Role.CADRE: frozenset({"view", "log_visit", "report_clue"}),
    Role.SUPERVISOR: frozenset(
        {"view", "export", "view_crosscheck", "view_quotas", "supervise", "view_quality", "view_assessment",
         "raise_finding", "close_finding"}
    ),
}  # fmt: skip

UNMASKED_ROLES = frozenset({Role.ADMIN})

# Roles a security administrator may grant at its own level (the others only below it): the business roles.
BUSINESS_ROLES = frozenset(
    {Role.OPERATOR, Role.VIEWER, Role.FINANCE, Role.ASSESSOR, Role.DEPARTMENT, Role.CADRE, Role.SUPERVISOR}
)


def role_allows(role: str, action: str) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())


def level_name(level: int) -> str:
    """A level as officials say it in a refusal (村级, 乡镇级, 县级 …)."""
    names = {
        NATIONAL: _("国家级"), PROVINCE: _("省级"), PREFECTURE: _("市级"), COUNTY: _("县级"),
        TOWNSHIP: _("乡镇级"), VILLAGE: _("村级"),
    }  # fmt: skip
    return str(names.get(level, level))


@dataclass(frozen=True)
class Decision:
    """The answer: allowed or not, the reason in Chinese when not, and the level acted for under 代录."""

    allowed: bool
    reason: str = ""
    on_behalf_of: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


def _code(region) -> str | None:
    if region is None or isinstance(region, str):
        return region or None
    return region.code


def decide(
    user, action: str, *, region=None, level: int | None = None, on_behalf: bool = False, what: str = ""
) -> Decision:
    """May ``user`` take ``action`` on ``region`` (a code or a Region; None: nothing regional), for a thing that
    belongs to ``level`` (procedure steps: the step's level)? ``on_behalf`` says the user enters from a signed
    paper record (代录), which the action must allow for that level. ``what`` names the deed in a refusal when
    the action's own label is too general (「入户核实」 for ``take_step``). ``user`` None is the system."""
    spec = ACTIONS[action]
    what = str(what or spec.label)
    if user is None:
        return Decision(True, on_behalf_of=None)
    if not user.is_authenticated or not user.is_active:
        return Decision(False, _("请先登录。"))
    if not user.can(action):  # the role half (User.can: superusers may all)
        return Decision(False, _("您的角色不能办理「%(w)s」。") % {"w": what})
    own = user.level
    acting_for = None
    if not spec.levels.admits(own, level):
        target = spec.levels.expected(level)
        proxies = spec.on_behalf.get(target, frozenset()) if target is not None else frozenset()
        if own in proxies and on_behalf:
            acting_for = target
        elif own in proxies:
            return Decision(
                False,
                _("「%(w)s」须由%(l)s用户办理；%(m)s用户代录时请上传签字的纸质记录扫描件。")
                % {"w": what, "l": level_name(target), "m": level_name(own)},
            )
        elif spec.levels.rule is Rule.UP_TO:
            return Decision(
                False, _("「%(w)s」须由%(l)s及以上用户办理。") % {"w": what, "l": level_name(target)}
            )
        elif spec.levels.rule is Rule.AMONG:
            names = "、".join(level_name(lv) for lv in sorted(spec.levels.levels))
            return Decision(False, _("「%(w)s」须由%(l)s用户办理。") % {"w": what, "l": names})
        else:
            return Decision(
                False,
                _("「%(w)s」须由%(l)s用户办理，您是%(m)s用户。")
                % {"w": what, "l": level_name(target), "m": level_name(own)},
            )
    elif on_behalf:
        return Decision(False, _("「%(w)s」由您本级办理，不是代录。") % {"w": what})
    code = _code(region)
    if code and not user.in_scope(code):
        return Decision(False, _("「%(w)s」的对象不在您的管辖范围内。") % {"w": what})
    return Decision(True, on_behalf_of=acting_for)


def may(user, action: str, **where) -> bool:
    """``decide`` as a yes or no (views and templates deciding what to show)."""
    return decide(user, action, **where).allowed


def require(user, action: str, **where) -> Decision:
    """``decide``, refusing with its reason (PermissionDenied). The user checked must be the one the audit
    trail will record: a web request's user (or a command's), never another."""
    context_user = current_actor().user
    if user is not None and context_user is not None and context_user.pk != user.pk:
        raise PermissionDenied(_("办理人与当前登录用户不一致。"))
    decision = decide(user, action, **where)
    if not decision:
        raise PermissionDenied(decision.reason)
    return decision


class Permissions:
    """For templates: ``{% if may.register_unit %}`` — may the user take the action at their own region?"""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, action: str) -> bool:
        spec = ACTIONS.get(action)
        if spec is None or self.user is None or not self.user.is_authenticated:
            return False
        if spec.levels.rule in (Rule.AT, Rule.UP_TO) and spec.levels.level is None:
            return self.user.can(action)  # the level of the thing acted on decides: the role may, at all
        return may(self.user, action)


def context(request) -> dict:
    """Template context processor: ``may``."""
    return {"may": Permissions(getattr(request, "user", None))}
