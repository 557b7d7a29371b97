"""监督预警: the rules that find the known abuses in the payments, each one set-based (a few queries over a
county or the whole country, never a query per payment), and the run that stores what they find once.

Each rule returns unsaved ``Alert`` rows with their evidence; ``alerts_run`` writes the new ones in one
statement (a finding already raised — same kind and key — is not raised again, even when it was closed).
The numbers the rules use (idle days, the outlier factor, the income jump) are policy data (``FundPolicy``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.assistance import equity
from jingzhun.core.codes import subtree_range
from jingzhun.core.masking import mask_card
from jingzhun.registry.choices import HouseholdStatus, MemberChangeKind
from jingzhun.registry.models import Household, HouseholdYear, Member, MemberChange, StatusChange

from . import rules, selectors
from .choices import AFTER_ACCEPTANCE, HOLDING, AlertKind, PaymentKind
from .models import Alert, Allocation, Payment, VillageCadre


def _within(qs, field: str, region: str | None):
    return qs.filter(**{f"{field}__range": subtree_range(region)}) if region else qs


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


# --- the findings as alerts: one builder per kind, for the database path below and the snapshot path
# (``alerts_sql``), so both raise the same key, summary and evidence ---------------------------------------------


def shared_account_alert(*, county, year, digest, households, total, account, numbers, payments) -> Alert:
    return Alert(
        kind=AlertKind.SHARED_ACCOUNT, key=f"{county}:{year}:{digest[:32]}", region_id=county.ljust(12, "0"),
        year=year, amount=total,
        summary=_("%(n)d 户使用同一收款账户（尾号 %(a)s）") % {"n": households, "a": account[-4:] or "—"},
        evidence={"account": account, "households": list(numbers), "payments": list(payments),
                  "total": _money(total)},
    )  # fmt: skip


def cadre_relative_alert(*, household_id, number, region_id, year, total, payments, cadres) -> Alert:
    return Alert(
        kind=AlertKind.CADRE_RELATIVE, key=f"{household_id}:{year}", region_id=region_id, year=year,
        household_id=household_id, amount=total,
        summary=_("户 %(h)s 获补助，该户有村干部：%(c)s") % {"h": number, "c": "、".join(cadres)},
        evidence={"household": number, "cadres": list(cadres), "payments": payments, "total": _money(total)},
    )  # fmt: skip


def idle_alert(
    *, allocation_id, since, region_id, year, fund, balance, amount, arrived_on, today, days
) -> Alert:
    return Alert(
        kind=AlertKind.IDLE, key=f"{allocation_id}:{since.isoformat()[:7]}", region_id=region_id, year=year,
        amount=balance,
        summary=_("「%(f)s」%(b)s 元到位 %(d)d 天未支出")
        % {"f": fund, "b": _money(balance), "d": (today - arrived_on).days},
        evidence={"fund": fund, "arrived_on": arrived_on.isoformat(), "balance": _money(balance),
                  "amount": _money(amount), "idle_days_policy": days},
    )  # fmt: skip


def no_acceptance_alert(
    *, payment_id, reference, region_id, year, amount, project, stage, stage_label, accepted_on
):
    return Alert(
        kind=AlertKind.NO_ACCEPTANCE, key=str(payment_id), region_id=region_id, year=year, payment_id=payment_id,
        amount=amount,
        summary=_("项目「%(p)s」未验收即支付%(s)s %(a)s 元") % {"p": project, "s": stage_label, "a": _money(amount)},
        evidence={"payment": reference, "project": project, "stage": stage,
                  "accepted_on": accepted_on.isoformat() if accepted_on else None},
    )  # fmt: skip


def outlier_alert(*, household_id, region_id, year, total, persons, median, factor) -> Alert:
    """Support per person far above the county's median per person: the household's payments, its size, the
    amount per person (``rules.per_capita``) and the median, as evidence."""
    each = rules.per_capita(total, persons)
    return Alert(
        kind=AlertKind.OUTLIER, key=f"{household_id}:{year}", region_id=region_id, year=year,
        household_id=household_id, amount=total,
        summary=_("人均补助 %(p)s 元（全户 %(t)s 元、%(n)s 人），是全县人均中位数 %(m)s 元的 %(r)s 倍")
        % {"p": _money(each), "t": _money(total), "n": max(int(persons or 1), 1), "m": _money(median),
           "r": (each / median).quantize(Decimal("0.1"))},
        evidence={"total": _money(total), "persons": max(int(persons or 1), 1), "per_capita": _money(each),
                  "county_median_per_capita": _money(median), "factor_policy": str(factor)},
    )  # fmt: skip


def income_jump_alert(*, household_id, number, region_id, year, per_capita_net, prior, ratio) -> Alert:
    return Alert(
        kind=AlertKind.INCOME_JUMP, key=f"{household_id}:{year}", region_id=region_id, year=year,
        household_id=household_id,
        summary=_("户 %(h)s 脱贫当年人均纯收入 %(n)s 元，上年 %(p)s 元")
        % {"h": number, "n": _money(per_capita_net), "p": _money(prior)},
        evidence={"per_capita_net": _money(per_capita_net), "previous": _money(prior), "ratio_policy": str(ratio)},
    )  # fmt: skip


def deceased_alert(
    *, payment_id, reference, household_id, number, region_id, year, amount, dead, gone, payee
):
    return Alert(
        kind=AlertKind.DECEASED, key=str(payment_id), region_id=region_id, year=year, payment_id=payment_id,
        household_id=household_id, amount=amount,
        summary=(_("收款人 %(n)s 已死亡仍获支付 %(a)s 元") if dead else _("已注销户 %(n)s 仍获支付 %(a)s 元"))
        % {"n": payee if dead and payee else number, "a": _money(amount)},
        evidence={"payment": reference, "household": number, "death": dead, "cancelled": gone},
    )  # fmt: skip


def shared_accounts(*, region: str | None, year: int, **_ctx) -> list[Alert]:
    """The same payee account paid for two or more households of a county in a year (虚报冒领, 代领)."""
    paid = _within(
        Payment.objects.filter(kind=PaymentKind.HOUSEHOLD, year=year, status__in=HOLDING).exclude(bank_account_digest=""),
        "region__code", region,
    )  # fmt: skip
    groups = (
        paid.annotate(county=Substr("region_id", 1, 6))
        .values("county", "bank_account_digest")
        .annotate(households=Count("household_id", distinct=True), total=Sum("amount"), n=Count("id"))
        .filter(households__gt=1)
        .order_by()
    )
    groups = list(groups)
    rows_of = defaultdict(list)  # the shared accounts' payments, one query (the digest's index)
    for r in (
        paid.filter(bank_account_digest__in={g["bank_account_digest"] for g in groups})
        .select_related("household")
        .order_by("id")
    ):
        rows_of[r.region_id[:6], r.bank_account_digest].append(r)
    out = []
    for g in groups:
        rows = rows_of[g["county"], g["bank_account_digest"]][:20]
        out.append(
            shared_account_alert(
                county=g["county"],
                year=year,
                digest=g["bank_account_digest"],
                households=g["households"],
                total=g["total"],
                account=mask_card(rows[0].bank_account),
                numbers=sorted({r.household.number for r in rows}),
                payments=[r.reference for r in rows],
            )
        )
    return out


def cadre_relatives(*, region: str | None, year: int, **_ctx) -> list[Alert]:
    """优亲厚友: payments to a household a village cadre belongs to (the list's household, or a household with an
    active member holding the cadre's ID number)."""
    cadres = _within(VillageCadre.objects.all(), "region__code", region)
    listed = dict(cadres.exclude(household__isnull=True).values_list("household_id", "region_id"))
    by_member = dict(
        Member.objects.filter(is_active=True, id_number__in=cadres.values("id_number")).values_list(
            "id_number", "household_id"
        )
    )
    targets = set(listed) | set(by_member.values())
    if not targets:
        return []
    paid = _within(
        Payment.objects.filter(kind=PaymentKind.HOUSEHOLD, year=year, status__in=HOLDING),
        "region__code",
        region,
    )
    hits = list(
        paid.filter(household_id__in=targets)
        .values("household_id", "region_id")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by()
    )
    names = defaultdict(list)
    for household_id, number, name, post in cadres.values_list("household_id", "id_number", "name", "post"):
        for hid in {household_id, by_member.get(number)} - {None}:
            names[hid].append(f"{name}（{post}）")
    households = Household.objects.in_bulk([h["household_id"] for h in hits])
    out = []
    for h in hits:
        household = households[h["household_id"]]
        out.append(
            cadre_relative_alert(
                household_id=household.pk,
                number=household.number,
                region_id=h["region_id"],
                year=year,
                total=h["total"],
                payments=h["n"],
                cadres=names[household.pk],
            )
        )
    return out


def idle_funds(*, region: str | None, year: int, today: dt.date, **_ctx) -> list[Alert]:
    """滞留: county money arrived more than the policy's days ago, still unspent, with no payment since then."""
    days = selectors.policy_for(region_code=region, year=year).idle_days
    since = today - dt.timedelta(days=days)
    recent = Payment.objects.filter(allocation=OuterRef("pk"), created_at__date__gt=since)
    rows = _within(
        Allocation.objects.filter(region__level=3, fund__year__lte=year, arrived_on__lte=since, balance__gt=0),
        "region__code", region,
    ).filter(~Exists(recent)).select_related("fund")  # fmt: skip
    return [
        idle_alert(
            allocation_id=a.pk,
            since=since,
            region_id=a.region_id,
            year=year,
            fund=a.fund.title,
            balance=a.balance,
            amount=a.amount,
            arrived_on=a.arrived_on,
            today=today,
            days=days,
        )
        for a in rows
    ]


def unaccepted_payments(*, region: str | None, year: int, **_ctx) -> list[Alert]:
    """Payments of a project's final stages (验收合格, 质保金) where the project has no 验收, or was accepted only
    after the payment was entered (entered outside the service, or acceptance withdrawn)."""
    rows = _within(
        Payment.objects.filter(kind=PaymentKind.PROJECT, year=year, stage__in=AFTER_ACCEPTANCE, status__in=HOLDING),
        "region__code", region,
    ).filter(Q(project__accepted_on__isnull=True) | Q(project__accepted_on__gt=F("created_at__date"))).select_related("project")  # fmt: skip
    return [
        no_acceptance_alert(
            payment_id=p.pk,
            reference=p.reference,
            region_id=p.region_id,
            year=year,
            amount=p.amount,
            project=p.project.name,
            stage=p.stage,
            stage_label=p.get_stage_display(),
            accepted_on=p.project.accepted_on,
        )
        for p in rows
    ]


def outliers(*, region: str | None, year: int, **_ctx) -> list[Alert]:
    """Support per person (payments ÷ household size) far above the county's median per person (factor: policy
    data). The money per household and the county medians are the equity's (``assistance.equity.household_money``
    and ``county_medians``, fed by ``selectors.household_payments``): the median in an alert's evidence is the
    one the equity page shows. One query of sums per household with its size."""
    factor = selectors.policy_for(region_code=region, year=year).outlier_factor
    lo, hi = subtree_range(region) if region else ("000000000000", "999999999999")
    sums = equity.household_money(lo, hi, year)
    medians = equity.county_medians(sums)
    out = []
    for s in sorted(sums, key=lambda s: s["household_id"]):
        median = medians.get(s["region_id"][:6])
        if median and s["each"] > median * factor:
            out.append(
                outlier_alert(
                    household_id=s["household_id"], region_id=s["region_id"], year=year, total=s["total"],
                    persons=s["persons"], median=median, factor=factor,
                )
            )  # fmt: skip
    return out


def income_jumps(*, region: str | None, year: int, **_ctx) -> list[Alert]:
    """A household that exited in ``year`` whose per-capita net income of the year is the policy's multiple (or
    more) of the year before: income recorded up just before an exit (数字脱贫)."""
    ratio = selectors.policy_for(region_code=region, year=year).income_jump_ratio
    before = HouseholdYear.objects.filter(household=OuterRef("household"), year=year - 1).values(
        "per_capita_net"
    )[:1]
    exits = StatusChange.objects.filter(
        household=OuterRef("household"), to_status=HouseholdStatus.EXITED, business_year=year
    )
    rows = (
        _within(HouseholdYear.objects.filter(year=year), "household__region__code", region)
        .annotate(prior=Subquery(before), exited=Exists(exits))
        .filter(exited=True, prior__gt=0, per_capita_net__gte=F("prior") * ratio)
        .select_related("household")
    )
    return [
        income_jump_alert(
            household_id=y.household_id,
            number=y.household.number,
            region_id=y.household.region_id,
            year=year,
            per_capita_net=y.per_capita_net,
            prior=y.prior,
            ratio=ratio,
        )
        for y in rows
    ]


def deceased_paid(*, region: str | None, year: int, **_ctx) -> list[Alert]:
    """A payment to a person recorded dead, or to a cancelled household, entered on or after the death or the
    cancellation (the registry's member changes and status history)."""
    death = MemberChange.objects.filter(
        member=OuterRef("member"), kind=MemberChangeKind.DEATH, effective_on__lte=OuterRef("created_at__date")
    )
    cancelled = StatusChange.objects.filter(
        household=OuterRef("household"),
        to_status=HouseholdStatus.CANCELLED,
        effective_on__lte=OuterRef("created_at__date"),
    )
    rows = (
        _within(
            Payment.objects.filter(kind=PaymentKind.HOUSEHOLD, year=year, status__in=HOLDING),
            "region__code",
            region,
        )
        .annotate(dead=Exists(death), gone=Exists(cancelled))
        .filter(Q(dead=True) | Q(gone=True))
        .select_related("household")
    )
    return [
        deceased_alert(
            payment_id=p.pk,
            reference=p.reference,
            household_id=p.household_id,
            number=p.household.number,
            region_id=p.region_id,
            year=year,
            amount=p.amount,
            dead=p.dead,
            gone=p.gone,
            payee=p.payee_name,
        )
        for p in rows
    ]


RULES = {
    AlertKind.SHARED_ACCOUNT: shared_accounts,
    AlertKind.CADRE_RELATIVE: cadre_relatives,
    AlertKind.IDLE: idle_funds,
    AlertKind.NO_ACCEPTANCE: unaccepted_payments,
    AlertKind.OUTLIER: outliers,
    AlertKind.INCOME_JUMP: income_jumps,
    AlertKind.DECEASED: deceased_paid,
}


def find(*, region: str | None, year: int, today: dt.date | None = None, kinds=None) -> list[Alert]:
    """Every rule's findings over ``region``'s subtree (None: the country) in ``year``, unsaved."""
    today = today or timezone.localdate()
    found = []
    for kind, rule in RULES.items():
        if kinds is None or kind in kinds:
            found.extend(rule(region=region, year=year, today=today))
    return found


def alerts_run(*, region: str | None, year: int, today: dt.date | None = None) -> int:
    """Store the new findings (those not raised before) in one statement; returns how many were new."""
    found = find(region=region, year=year, today=today)
    known = set(Alert.objects.filter(key__in=[a.key for a in found]).values_list("kind", "key"))
    new = [a for a in found if (a.kind, a.key) not in known]
    Alert.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)
