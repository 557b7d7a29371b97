"""监督预警 on a county (issue 21): a separately seeded generator (not the demo's) builds a county's registry and
100,000 household payments with planted abuses of every kind, runs the set-based rules over the county, and
prints each rule's precision and recall against the planted cases, the time of the whole run, and a naive
baseline (one query per payment for the shared-account check, timed on a sample and scaled). The "paid after death
or cancellation" rule gets both halves: heads who died and households cancelled (注销) before the payments were
entered, beside decoys who died or were cancelled after. ``plant``/``keys``/``score`` are also run at a tiny size by
tests/funds/test_alert_benches.py, so the generator and the rules cannot drift apart unnoticed.

Usage: python bench/funds_alerts.py [--payments 100000] [--households 20000] [--seed 21] [--engines sqlite,postgres]
"""

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from _common import fresh_database_url, jingzhun, machine, peak_rss_mib

COUNTY = "522634000000"  # 雷山县

BENCH = Path(__file__).resolve().parent
# the child process: Django set up on the fresh database, then ``child`` below
CHILD = f"import sys; sys.path.insert(0, {str(BENCH)!r}); import django; django.setup(); import funds_alerts; funds_alerts.child(sys.argv[1:])"


def plant(*, payments: int, households: int, seed: int, today: dt.date | None = None) -> dict[str, set]:
    """Generate the county (雷山县, its region extract loaded) and its payments, set-based, with planted abuses of
    every rule beside decoys that must not be flagged; return the planted cases of each rule, keyed as ``keys``
    keys the findings. Runs in the database Django is set up on."""
    from django.db import transaction
    from django.utils import timezone

    from jingzhun.core import crypto
    from jingzhun.core.ids import make_id_number
    from jingzhun.funds import alerts
    from jingzhun.funds.models import Allocation, Fund, Payment, VillageCadre
    from jingzhun.projects.models import Project
    from jingzhun.regions.models import Region
    from jingzhun.registry.models import Household, HouseholdYear, Member, MemberChange, StatusChange

    n_payments, n_households = payments, households
    rng = random.Random(seed)
    today = today or timezone.localdate()
    year = today.year
    villages = list(Region.objects.filter(code__startswith="522634", level=5).values_list("code", flat=True))
    planted = {k: set() for k in alerts.RULES}
    with transaction.atomic():
        hs = [
            Household(
                number=f"{villages[i % len(villages)]}{i:05d}",
                region_id=villages[i % len(villages)],
                status="registered",
                attribute="general",
                main_cause="illness",
                head_name=f"户主{i}",
                member_count=3,
            )
            for i in range(n_households)
        ]
        Household.objects.bulk_create(hs, batch_size=5000)
        hs = list(Household.objects.order_by("id"))
        ms = [
            Member(
                household=h,
                name=f"户主{i}",
                id_number=make_id_number(
                    "522634", dt.date(1950, 1, 1) + dt.timedelta(days=i % 20000), i % 1000
                ),
                sex="1",
                birth_date=dt.date(1950, 1, 1),
                relationship="head",
                education="junior",
                labour="ordinary",
            )
            for i, h in enumerate(hs)
        ]
        Member.objects.bulk_create(ms, batch_size=5000)
        heads = {m.household_id: m for m in Member.objects.all()}
        fund = Fund.objects.create(
            source="central",
            year=year,
            document_number="bench",
            title="衔接资金",
            amount=Decimal("1e9"),
            balance=0,
        )
        allocs = [
            Allocation(
                fund=fund,
                region_id=COUNTY,
                amount=Decimal("1e8"),
                balance=Decimal("1e7"),
                document_number=f"b{i}",
                arrived_on=today - dt.timedelta(days=200 if i < 5 else 10),
            )
            for i in range(25)
        ]
        Allocation.objects.bulk_create(allocs)
        allocs = list(Allocation.objects.order_by("id"))
        paying, idle_pos = allocs[10:], allocs[:5]  # 5 old without payments: idle; 5 recent without: not idle
        for a in idle_pos:
            planted["idle"].add(a.pk)
        digest = {h.pk: crypto.digest(f"6217{h.pk:015d}") for h in hs}
        shared = rng.sample(hs, 60)
        for a, b in zip(shared[::2], shared[1::2], strict=True):  # 30 pairs share b's account
            digest[a.pk] = digest[b.pk]
            planted["shared_account"].add(frozenset((a.pk, b.pk)))
        outliers = set(h.pk for h in rng.sample(hs, 25))
        planted["outlier"] = set(outliers)
        rows = []
        for i in range(n_payments):
            h = hs[i % n_households] if i < n_households * 3 else rng.choice(hs)
            rows.append((h, Decimal(rng.randrange(500, 1000))))
        by_pk = {h.pk: h for h in hs}
        for pk in sorted(outliers):
            rows.append((by_pk[pk], Decimal(80000)))
        payments = [
            Payment(
                allocation=paying[j % len(paying)],
                region_id=h.region_id,
                year=year,
                kind="household",
                category="household",
                household=h,
                member=heads[h.pk],
                payee_name=heads[h.pk].name,
                bank_account_digest=digest[h.pk],
                amount=amount,
                purpose="产业奖补",
                status="paid",
            )
            for j, (h, amount) in enumerate(rows)
        ]
        Payment.objects.bulk_create(payments, batch_size=5000)
        # 优亲厚友: 30 cadres heading a paid household; 30 cadres of no paid household (registered elsewhere)
        cadre_hs = rng.sample([h for h in hs if h.pk not in outliers], 30)
        VillageCadre.objects.bulk_create(
            [
                VillageCadre(region_id=h.region_id, name="干部", id_number=heads[h.pk].id_number, post="支书")
                for h in cadre_hs
            ]
            + [
                VillageCadre(
                    region_id=villages[0],
                    name="干部",
                    id_number=make_id_number("522634", dt.date(1990, 1, 1), k),
                    post="委员",
                )
                for k in range(30)
            ]
        )
        planted["cadre_relative"] = {h.pk for h in cadre_hs}
        # 死亡/注销后仍发放: of 100 households, 50 heads died and 50 households were cancelled (注销); for each, 25 on or
        # before the day the payments were entered (flagged) and 25 after it (decoys, not flagged)
        gone = rng.sample(hs, 100)
        dead, cancelled = gone[:50], gone[50:]
        MemberChange.objects.bulk_create(
            [
                MemberChange(
                    household=h,
                    kind="death",
                    member=heads[h.pk],
                    name="某",
                    business_year=year,
                    effective_on=today - dt.timedelta(days=5) if k < 25 else today + dt.timedelta(days=5),
                )
                for k, h in enumerate(dead)
            ]
        )
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    household=h,
                    from_status="registered",
                    to_status="cancelled",
                    effective_on=today - dt.timedelta(days=5) if k < 25 else today + dt.timedelta(days=5),
                    business_year=year,
                    source="procedure",
                    reason="注销",
                )
                for k, h in enumerate(cancelled)
            ]
        )
        Household.objects.filter(pk__in=[h.pk for h in cancelled[:25]]).update(status="cancelled")
        flagged = {h.pk for h in dead[:25] + cancelled[:25]}
        planted["deceased"] = set(
            Payment.objects.filter(household_id__in=flagged).values_list("pk", flat=True)
        )
        # projects: 200 payments at 验收合格, 20 of them to projects never accepted
        projects = [
            Project(
                region_id=villages[k % len(villages)],
                year=year,
                name=f"项目{k}",
                category="industry",
                budget=Decimal(100000),
                accepted_on=None if k < 20 else today - dt.timedelta(days=30),
            )
            for k in range(200)
        ]
        Project.objects.bulk_create(projects)
        projects = list(Project.objects.order_by("id"))
        Payment.objects.bulk_create(
            [
                Payment(
                    allocation=paying[0],
                    region_id=p.region_id,
                    year=year,
                    kind="project",
                    category="industry",
                    project=p,
                    stage="accepted",
                    payee_name="施工队",
                    amount=Decimal(20000),
                    purpose="尾款",
                    status="paid",
                )
                for p in projects
            ]
        )
        planted["no_acceptance"] = set(
            Payment.objects.filter(kind="project", project__accepted_on__isnull=True).values_list(
                "pk", flat=True
            )
        )
        # exits (of households neither dead nor cancelled): 30 with income doubled just before, 30 steady
        gone_pks = {h.pk for h in gone}
        exits = rng.sample([h for h in hs if h.pk not in gone_pks], 60)
        HouseholdYear.objects.bulk_create(
            [
                HouseholdYear(
                    household=h,
                    year=y,
                    household_size=3,
                    wage=Decimal(6000 if y == year - 1 else (18000 if k < 30 else 7000)),
                )
                for k, h in enumerate(exits)
                for y in (year - 1, year)
            ]
        )
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    household=h,
                    from_status="registered",
                    to_status="exited",
                    effective_on=today,
                    business_year=year,
                    source="procedure",
                )
                for h in exits
            ]
        )
        planted["income_jump"] = {h.pk for h in exits[:30]}
    return planted


def keys(found) -> dict[str, set]:
    """The findings of each rule, keyed as ``plant`` keys the planted cases."""
    from jingzhun.funds import alerts
    from jingzhun.registry.models import Household

    key = {
        "shared_account": lambda a: frozenset(
            Household.objects.filter(number__in=a.evidence["households"]).values_list("pk", flat=True)
        ),
        "cadre_relative": lambda a: a.household_id,
        "outlier": lambda a: a.household_id,
        "income_jump": lambda a: a.household_id,
        "idle": lambda a: int(a.key.split(":")[0]),
        "no_acceptance": lambda a: a.payment_id,
        "deceased": lambda a: a.payment_id,
    }
    return {kind: {key[kind](a) for a in found if a.kind == kind} for kind in alerts.RULES}


def score(got: dict[str, set], planted: dict[str, set]) -> dict[str, tuple[int, int, float, float]]:
    """(planted, found, precision, recall) of each rule; nothing found and nothing planted count as 1.0."""
    out = {}
    for kind in planted:
        hit = len(got[kind] & planted[kind])
        precision = hit / len(got[kind]) if got[kind] else 1.0
        recall = hit / len(planted[kind]) if planted[kind] else 1.0
        out[kind] = (len(planted[kind]), len(got[kind]), precision, recall)
    return out


def child(argv: list[str]) -> None:
    """The measured run, in a child process on the fresh database: generate, run every rule, score, and the naive
    baseline; printed as RULE and RESULT lines for ``main``."""
    from django.utils import timezone

    from jingzhun.funds import alerts
    from jingzhun.funds.models import Payment

    n_payments, n_households, seed = (int(a) for a in argv)
    today = timezone.localdate()
    t0 = time.perf_counter()
    planted = plant(payments=n_payments, households=n_households, seed=seed, today=today)
    generate = time.perf_counter() - t0
    t = time.perf_counter()
    found = alerts.find(region=COUNTY, year=today.year, today=today)
    run = time.perf_counter() - t
    for kind, (n_planted, n_found, precision, recall) in score(keys(found), planted).items():
        print(f"RULE {kind} {n_planted} {n_found} {precision:.3f} {recall:.3f}")
    sample = list(
        Payment.objects.filter(kind="household").values_list("household_id", "bank_account_digest")[:2000]
    )
    t = time.perf_counter()
    for hid, d in sample:  # the naive way: ask, for each payment, whether another household used its account
        Payment.objects.filter(bank_account_digest=d).exclude(household_id=hid).exists()
    naive = (time.perf_counter() - t) * Payment.objects.filter(kind="household").count() / len(sample)
    print(f"RESULT {Payment.objects.count()} {generate:.2f} {run:.3f} {naive:.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--engines", default="sqlite")
    args = parser.parse_args()
    print(
        f"machine: {machine()}; a county of {args.households:,} households, {args.payments:,} payments, seed {args.seed}"
    )
    for engine in args.engines.split(","):
        url = fresh_database_url(engine, "jingzhun_bench_funds")
        jingzhun(url, "migrate", "-v0")
        jingzhun(url, "regions", "load", "--extract")
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.payments), str(args.households), str(args.seed)],
            env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jingzhun.settings"},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines = done.stdout.splitlines()
        result = next((ln for ln in lines if ln.startswith("RESULT")), None)
        if result is None:
            raise SystemExit(f"{engine} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        payments, generate, run, naive = result.split()[1:]
        print(f"{engine}: {int(payments):,} payments generated in {float(generate):.1f} s")
        print(f"  {'rule':<16}{'planted':>8}{'found':>8}{'precision':>11}{'recall':>8}")
        for ln in lines:
            if ln.startswith("RULE"):
                kind, planted, found, precision, recall = ln.split()[1:]
                print(f"  {kind:<16}{planted:>8}{found:>8}{precision:>11}{recall:>8}")
        print(
            f"  all rules, set-based: {float(run):.2f} s; naive shared-account check alone (a query per payment, scaled from 2,000): {float(naive):.1f} s"
        )
    print(f"peak RSS (children) {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
