"""Pure identification rules (DOMAIN.md §4): the income test against the year's line and the checks of
两不愁三保障 on the household record. Each returns every reason it finds, so that verification and review can
show them all. No database access: callers pass the line and the records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from jingzhun.regions.choices import RegionLevel
from jingzhun.registry.choices import DANGEROUS_GRADES, Health, Schooling

from .choices import KIND_PROCEDURE, Procedure, Round, Stage, StepKind

COMPULSORY_SCHOOL_AGES = range(6, 16)  # 义务教育: ages 6 to 15 inclusive
PHYSICAL_REASONS = {Health.DISABLED, Health.SERIOUS}


@dataclass(frozen=True)
class Reason:
    code: str  # income | education | medical | housing | water
    message: str


@dataclass(frozen=True)
class Verdict:
    """The rules' answer for one household: whether it qualifies, and why (every reason found).

    Income is the basic test (DOMAIN.md §5): a household qualifies when its per-capita net income is below the
    line. Gaps in 两不愁三保障 are *considerations* shown to the deliberation — and blockers for an exit — but
    qualify on their own only where a province's policy says so (``gaps_qualify``)."""

    income_below_line: bool
    reasons: list[Reason] = field(default_factory=list)
    gaps_qualify: bool = False

    @property
    def gaps(self) -> list[Reason]:
        """The 两不愁三保障 gaps found (housing, education, medical, water)."""
        return [r for r in self.reasons if r.code != "income"]

    @property
    def qualifies(self) -> bool:
        return self.income_below_line or (self.gaps_qualify and bool(self.gaps))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def income_reasons(per_capita_net: Decimal | None, line: Decimal) -> list[Reason]:
    """一超过: a household is poor by income when its per-capita net income is *below* the line; exactly at the
    line is not below it."""
    if per_capita_net is None:
        return [Reason("income", _("没有年度收入信息，无法比对扶贫标准。"))]
    if Decimal(per_capita_net) < Decimal(line):
        return [
            Reason(
                "income",
                _("人均纯收入 %(income)s 元低于扶贫标准 %(line)s 元。")
                % {"income": f"{Decimal(per_capita_net):.2f}", "line": f"{Decimal(line):.2f}"},
            )
        ]
    return []


def assurance_reasons(*, members, year, on: dt.date) -> list[Reason]:
    """三保障 and safe water on the record: ``members`` (active Member-like objects) and ``year`` (the
    HouseholdYear-like record, or None), judged on ``on``."""
    reasons = []
    for m in members:
        age = age_on(m.birth_date, on)
        if age in COMPULSORY_SCHOOL_AGES and m.schooling in (Schooling.NONE, Schooling.PRESCHOOL):
            if m.health in PHYSICAL_REASONS:
                message = _("%(name)s（%(age)d 岁）因身体原因未在校，需落实送教上门。")
            else:
                message = _("%(name)s（%(age)d 岁）处于义务教育阶段但未在校（义务教育无保障）。")
            reasons.append(Reason("education", message % {"name": m.name, "age": age}))
        missing = [
            label
            for flag, label in (
                (m.medical_insurance, _("基本医疗保险")),
                (m.serious_illness_insurance, _("大病保险")),
            )
            if not flag
        ]
        if missing:
            reasons.append(
                Reason(
                    "medical",
                    _("%(name)s 未参加%(what)s（基本医疗无保障）。")
                    % {"name": m.name, "what": "、".join(missing)},
                )
            )
    if year is not None:
        if year.house_grade in DANGEROUS_GRADES:
            reasons.append(
                Reason(
                    "housing", _("住房为 %(grade)s 级危房（住房安全无保障）。") % {"grade": year.house_grade}
                )
            )
        if not year.water_safe:
            reasons.append(Reason("water", _("饮水不安全。")))
    return reasons


def identification_verdict(
    *, per_capita_net, line: Decimal, members, year, on: dt.date, gaps_qualify: bool = False
) -> Verdict:
    """Entry: below the line (no income record counts as a reason to look, not as below it)."""
    income = income_reasons(per_capita_net, line)
    below = per_capita_net is not None and bool(income)
    return Verdict(
        income_below_line=below,
        reasons=income + assurance_reasons(members=members, year=year, on=on),
        gaps_qualify=gaps_qualify,
    )


@dataclass(frozen=True)
class ExitVerdict:
    """The rules' answer on an exit (脱贫退出, DOMAIN.md §8): supported when the household's per-capita net income
    of the year is not below the line (一超过) and no 两不愁三保障 gap remains. ``blockers`` are every reason the
    exit is not supported (each gap is one); ``facts`` what the record shows in its favour."""

    blockers: list[Reason] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return not self.blockers

    @property
    def messages(self) -> list[str]:
        return [r.message for r in self.blockers]


def exit_verdict(*, per_capita_net, line: Decimal, members, year, on: dt.date) -> ExitVerdict:
    """Exit: the income record of the year exists and its per-capita net income is *not below* the line, and
    两不愁三保障 is met (a C/D house, a child out of school, a member without insurance, unsafe water each block).

    "Not below" is the mirror of the entry test (``income_reasons``): a household exactly at the line was not
    poor by income on entry, so it cannot be held poor by income on exit either — one line, one comparison, no
    household that is neither. Policy texts say 稳定超过; stability is judged by the people who verify, deliberate
    and consent, and the procedure keeps their words."""
    blockers: list[Reason] = []
    facts: list[str] = []
    if per_capita_net is None or year is None:
        blockers.append(
            Reason("income", _("没有该年度收入信息，无法判断是否达到脱贫标准，请先录入年度收入。"))
        )
    elif Decimal(per_capita_net) < Decimal(line):
        blockers.append(
            Reason(
                "income",
                _("人均纯收入 %(income)s 元低于扶贫标准 %(line)s 元，未达到脱贫标准。")
                % {"income": f"{Decimal(per_capita_net):.2f}", "line": f"{Decimal(line):.2f}"},
            )
        )
    else:
        facts.append(
            _("人均纯收入 %(income)s 元，不低于扶贫标准 %(line)s 元。")
            % {"income": f"{Decimal(per_capita_net):.2f}", "line": f"{Decimal(line):.2f}"}
        )
    gaps = assurance_reasons(members=members, year=year, on=on)
    blockers += gaps
    if year is not None and not gaps:
        facts.append(_("两不愁三保障和饮水安全均已达到。"))
    return ExitVerdict(blockers=blockers, facts=facts)


# --- the procedure (两公示一公告): who acts, at which stage, and where each step leads ---------------------


@dataclass(frozen=True)
class Move:
    """A step allowed from ``source`` for a user at region ``level``; a pass leads to ``target``."""

    level: int
    source: str
    target: str


@dataclass(frozen=True)
class RoundRule:
    """A public list: opened by ``level`` over applications at ``source``; ``during`` while it runs, ``after``
    once its period has ended (the 公告 has no period: it is final when published)."""

    level: int
    source: str
    during: str
    after: str
    has_period: bool = True


@dataclass(frozen=True)
class ProcedureRule:
    """One procedure as data: the stage an application starts in, the single-household steps (``decisions``,
    by step kind), the public lists (``rounds``, by round) and where an upheld objection sends it back
    (``reverify``). The services run every procedure with the same code; only this table differs."""

    start: str
    decisions: dict[str, Move]
    rounds: dict[str, RoundRule]
    reverify: str


V, T, C = RegionLevel.VILLAGE, RegionLevel.TOWNSHIP, RegionLevel.COUNTY
S = Stage
ANNOUNCE = RoundRule(C, S.COUNTY_APPROVED, S.ANNOUNCED, S.ANNOUNCED, has_period=False)

PROCEDURES: dict[str, ProcedureRule] = {
    # 两公示一公告 (DOMAIN.md §5): 入户核实 → 民主评议 → 第一次公示 → 乡镇审核 → 第二次公示 → 县级审批 → 公告
    Procedure.IDENTIFICATION: ProcedureRule(
        start=S.APPLIED,
        decisions={
            StepKind.VERIFY: Move(V, S.APPLIED, S.VERIFIED),
            StepKind.DELIBERATE: Move(V, S.VERIFIED, S.DELIBERATED),
            StepKind.TOWNSHIP_REVIEW: Move(T, S.TOWNSHIP_REVIEW, S.TOWNSHIP_APPROVED),
            StepKind.COUNTY_APPROVAL: Move(C, S.COUNTY_APPROVAL, S.COUNTY_APPROVED),
        },
        rounds={
            Round.FIRST: RoundRule(V, S.DELIBERATED, S.FIRST_PUBLICITY, S.TOWNSHIP_REVIEW),
            Round.SECOND: RoundRule(T, S.TOWNSHIP_APPROVED, S.SECOND_PUBLICITY, S.COUNTY_APPROVAL),
            Round.ANNOUNCEMENT: ANNOUNCE,
        },
        reverify=S.APPLIED,
    ),
    # 脱贫退出 (DOMAIN.md §8): 民主评议 → 村委会和驻村工作队核实 → 农户认可 → 村级公示 → 乡镇审核 → 县级公告 (销号);
    # the county's decision is its 公告 (an exit the rule does not support needs its 审定 first)
    Procedure.EXIT: ProcedureRule(
        start=S.EXIT_PROPOSED,
        decisions={
            StepKind.DELIBERATE: Move(V, S.EXIT_PROPOSED, S.EXIT_DELIBERATED),
            StepKind.VERIFY: Move(V, S.EXIT_DELIBERATED, S.EXIT_VERIFIED),
            StepKind.CONSENT: Move(V, S.EXIT_VERIFIED, S.EXIT_CONSENTED),
            StepKind.TOWNSHIP_REVIEW: Move(T, S.TOWNSHIP_REVIEW, S.COUNTY_APPROVED),
        },
        rounds={
            Round.FIRST: RoundRule(V, S.EXIT_CONSENTED, S.EXIT_PUBLICITY, S.TOWNSHIP_REVIEW),
            Round.ANNOUNCEMENT: ANNOUNCE,
        },
        reverify=S.EXIT_DELIBERATED,
    ),
    # 返贫: 入户核实 (with the reasons) → 乡镇审核 → 县级公告
    Procedure.RETURN: ProcedureRule(
        start=S.APPLIED,
        decisions={
            StepKind.VERIFY: Move(V, S.APPLIED, S.TOWNSHIP_REVIEW),
            StepKind.TOWNSHIP_REVIEW: Move(T, S.TOWNSHIP_REVIEW, S.COUNTY_APPROVED),
        },
        rounds={Round.ANNOUNCEMENT: ANNOUNCE},
        reverify=S.APPLIED,
    ),
    # 贫困村退出 (DOMAIN.md §8): 乡镇提出 → 乡镇范围内公示 (no objection) → 县级公告; its items are villages
    # (``VillageYear``, run by ``identification.villages``), its lists the same ``Publicity`` and objections
    Procedure.VILLAGE_EXIT: ProcedureRule(
        start=S.VILLAGE_PROPOSED,
        decisions={},
        rounds={
            Round.FIRST: RoundRule(T, S.VILLAGE_PROPOSED, S.VILLAGE_PUBLICITY, S.COUNTY_APPROVED),
            Round.ANNOUNCEMENT: ANNOUNCE,
        },
        reverify=S.VILLAGE_PROPOSED,
    ),
}

# 防返贫监测 (issue 20, DOMAIN.md §8): 入户核实 → 民主评议 → 村级公示 (once) → 乡镇审核 → 县级确认; the monitoring app
# records the household's authorisation, the clue and the facts, and refuses what its own policy refuses
MONITORING_RULE = ProcedureRule(
    start=S.APPLIED,
    decisions={
        StepKind.VERIFY: Move(V, S.APPLIED, S.VERIFIED),
        StepKind.DELIBERATE: Move(V, S.VERIFIED, S.DELIBERATED),
        StepKind.TOWNSHIP_REVIEW: Move(T, S.TOWNSHIP_REVIEW, S.COUNTY_APPROVAL),
        StepKind.CONFIRM: Move(C, S.COUNTY_APPROVAL, S.CONFIRMED),
    },
    rounds={Round.FIRST: RoundRule(V, S.DELIBERATED, S.MONITOR_PUBLICITY, S.TOWNSHIP_REVIEW)},
    # the village 公示 happens once: an upheld objection ends this procedure (a new clue opens a new case)
    reverify=S.REJECTED,
)
PROCEDURES[Procedure.MONITORING] = MONITORING_RULE
PROCEDURES[Procedure.CLEARANCE] = MONITORING_RULE  # 风险消除: the same steps, its own list title

# identification's table under its former names
DECISIONS: dict[str, Move] = PROCEDURES[Procedure.IDENTIFICATION].decisions
ROUNDS: dict[str, RoundRule] = PROCEDURES[Procedure.IDENTIFICATION].rounds


def procedure_for(kind: str) -> ProcedureRule:
    """The procedure an application of ``kind`` follows."""
    return PROCEDURES[KIND_PROCEDURE[kind]]


# The level answerable for an application at each open stage: it may reject there, and it is the one whose
# overdue list shows the application. Objections raised during a 公示 are decided by the township. A stage
# shared by several procedures belongs to the same level in each.
STAGE_LEVEL: dict[str, int] = {
    **{m.source: m.level for p in PROCEDURES.values() for m in p.decisions.values()},
    **{r.source: r.level for p in PROCEDURES.values() for r in p.rounds.values()},
    **{r.during: r.level for p in PROCEDURES.values() for r in p.rounds.values() if r.has_period},
}
OBJECTION_LEVEL = RegionLevel.TOWNSHIP


def last_day(start: dt.date, days: int) -> dt.date:
    """The last day of a 公示 of ``days`` days starting on ``start`` (the start day counts)."""
    return start + dt.timedelta(days=days - 1)


def period_not_over(starts_on: dt.date, last: dt.date, today: dt.date) -> str | None:
    """Why a list may not move on yet (its period runs until ``last``), or None once it is over."""
    if period_over(last, today):
        return None
    return _("公示期至 %(last)s 止（共 %(days)d 天），期满后才能进入下一环节。") % {
        "last": last.isoformat(), "days": (last - starts_on).days + 1,
    }  # fmt: skip


def period_over(last: dt.date, today: dt.date) -> bool:
    """A list may move on only the day after its last day."""
    return today > last


def deliberation_problems(*, attendance: int, votes_for: int, votes_against: int) -> list[str]:
    """民主评议: the problems with the recorded votes (empty when they are consistent and carry the household).

    Votes cast cannot exceed attendance; the household is carried when more than half of those present vote for
    it."""
    if votes_for + votes_against > attendance:
        return [_("赞成票与反对票之和不能超过到会人数。")]
    if votes_for * 2 <= attendance:
        return [
            _("赞成 %(f)d 票，未超过到会 %(a)d 人的半数，评议未通过。") % {"f": votes_for, "a": attendance}
        ]
    return []


def overdue_since(*, stage_since: dt.date, days: int, today: dt.date) -> int:
    """Days past the deadline (0 when not overdue): each stage is due ``days`` days after it began."""
    return max(0, (today - stage_since).days - days)


# --- poor villages (贫困村): designation 一高一低一无 and exit (DOMAIN.md §5, §8) ------------------------------


def percent(part: int, whole: int | None) -> Decimal | None:
    """``part`` ÷ ``whole`` in percent (for display; the rules compare without dividing)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class VillageVerdict:
    """The rules' answer on a village: whether it meets the standard, every reason it does not (``reasons``)
    and what it meets (``facts``), all in words."""

    reasons: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return not self.reasons


def _pct(value) -> str:
    return f"{Decimal(value):.2f}%"


def _plain(value) -> str:
    """A policy number as written (2, 60, 1.5), whatever the column's decimal places."""
    return f"{Decimal(value).normalize():f}"


def designation_verdict(
    *, poor_persons: int, population: int | None, per_capita_income, collective_income, policy
) -> VillageVerdict:
    """一高一低一无: incidence (registered poor persons ÷ rural population) at least ``incidence_multiple`` × the
    province's; per-capita net income below ``income_ratio_percent`` % of the province's average; no collective
    income (where the policy requires it). Each factor is compared exactly (no rounding): exactly 2× is high
    enough, exactly 60 % is not below. A missing figure is a reason, never a guess."""
    reasons, facts = [], []
    multiple = Decimal(policy.incidence_multiple)
    province_rate = policy.province_incidence_percent
    if not population:
        reasons.append(_("没有该村该年度的农村户籍人口，无法计算贫困发生率。"))
    elif province_rate is None:
        reasons.append(_("尚未设定全省贫困发生率，无法比对“一高”。"))
    else:
        rate, floor = percent(poor_persons, population), multiple * Decimal(province_rate)
        words = {"rate": _pct(rate), "floor": _pct(floor), "m": _plain(multiple), "p": _pct(province_rate)}
        if Decimal(poor_persons) * 100 >= floor * population:
            facts.append(_("贫困发生率 %(rate)s，不低于全省 %(p)s 的 %(m)s 倍（%(floor)s）。") % words)
        else:
            reasons.append(
                _("贫困发生率 %(rate)s，低于全省 %(p)s 的 %(m)s 倍（%(floor)s），不符合“一高”。") % words
            )
    ratio, average = Decimal(policy.income_ratio_percent), policy.province_income
    if per_capita_income is None:
        reasons.append(_("没有该村农民人均纯收入，无法比对“一低”。"))
    elif average is None:
        reasons.append(_("尚未设定全省农民人均纯收入，无法比对“一低”。"))
    else:
        cap = ratio * Decimal(average) / 100
        words = {"i": f"{Decimal(per_capita_income):.2f}", "r": _plain(ratio), "cap": f"{cap:.2f}"}
        if Decimal(per_capita_income) * 100 < ratio * Decimal(average):
            facts.append(_("农民人均纯收入 %(i)s 元，低于全省平均的 %(r)s%%（%(cap)s 元）。") % words)
        else:
            reasons.append(
                _("农民人均纯收入 %(i)s 元，不低于全省平均的 %(r)s%%（%(cap)s 元），不符合“一低”。") % words
            )
    if policy.require_no_collective_income:
        if collective_income is None:
            reasons.append(_("没有该村集体经济收入，无法比对“一无”。"))
        elif Decimal(collective_income) > 0:
            reasons.append(
                _("村集体经济收入 %(c)s 元，不符合“一无”。") % {"c": f"{Decimal(collective_income):.2f}"}
            )
        else:
            facts.append(_("无村集体经济收入。"))
    return VillageVerdict(reasons=reasons, facts=facts)


def exit_threshold(policy, *, west: bool) -> Decimal:
    """The incidence a village must fall below to exit: 2 %, in a 西部 province 3 % (both policy data)."""
    return Decimal(policy.exit_incidence_percent_west if west else policy.exit_incidence_percent)


def village_exit_verdict(
    *, poor_persons: int, population: int | None, checklist: dict, policy, west: bool
) -> VillageVerdict:
    """贫困村退出: incidence below the threshold (≤ when the policy says 降至, ``exit_inclusive``) and every item
    of the policy's checklist answered yes. Exact comparison: 199 poor of 10,000 (1.99 %) is below 2 %, 200
    (2.00 %) is below only where the policy includes the threshold."""
    reasons, facts = [], []
    threshold = exit_threshold(policy, west=west)
    inclusive = bool(policy.exit_inclusive)
    words = {"t": _pct(threshold), "w": _("（西部省份）") if west else ""}
    if not population:
        reasons.append(_("没有该村该年度的农村户籍人口，无法计算贫困发生率。"))
    else:
        words["rate"] = _pct(percent(poor_persons, population))
        scaled, limit = Decimal(poor_persons) * 100, threshold * population
        if scaled < limit or (inclusive and scaled == limit):
            facts.append(_("贫困发生率 %(rate)s，已降至退出标准 %(t)s%(w)s以下。") % words)
        elif scaled == limit:
            reasons.append(_("贫困发生率 %(rate)s，等于退出标准 %(t)s%(w)s，须低于标准才能退出。") % words)
        else:
            reasons.append(_("贫困发生率 %(rate)s，高于退出标准 %(t)s%(w)s。") % words)
    for key, label in policy.exit_checklist or []:
        if checklist.get(key) is True:
            facts.append(_("%(l)s：已达到。") % {"l": _(label)})
        else:
            reasons.append(_("%(l)s：未达到或未核查。") % {"l": _(label)})
    return VillageVerdict(reasons=reasons, facts=facts)
