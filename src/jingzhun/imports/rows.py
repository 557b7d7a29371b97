"""The per-household path: the one authority on what is valid (docs/decisions.md #12).

Every household the column checks (``columnar``) cannot vouch for is handed here, as a ``HouseholdGroup``
built by the row reader: an already registered household is found (by 户编号, else the head's ID number) and
updated through ``registry.services.household_update`` or found unchanged; a new one is registered through
``registry.services.households_register``. Validation errors are attached to the rows they came from. The
two-sheet layout takes this path for all its households (``import_rows``).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import reset_queries, transaction
from django.db.models import Prefetch

from jingzhun.core import audit
from jingzhun.registry import services as registry
from jingzhun.registry.choices import Relationship
from jingzhun.registry.models import Household, Member

from .layout import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, MEMBER_SHEET
from .reader import HouseholdGroup, ParsedFile, SourceRow
from .result import ImportResult

HEADERS = {c.key.split(".", 1)[1]: c.header for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS)}
HEADERS |= {"members": "家庭成员", "years": "年度", "non_field_errors": "数据", "number": "户编号"}


def _row_for(group: HouseholdGroup, path: list[str]) -> SourceRow:
    """The source row an error path points at: a member's own row, else the household's row."""
    if path[:1] == ["members"] and len(path) > 1 and path[1].isdigit():
        member_rows = [r for r in group.rows if r.sheet == MEMBER_SHEET] or group.rows
        index = int(path[1])
        if index < len(member_rows):
            return member_rows[index]
    return group.rows[0]


def _attach(group: HouseholdGroup, error: ValidationError, prefix: str = "") -> None:
    for key, messages in error.message_dict.items():
        if prefix and not key.startswith(prefix):
            continue
        path = key[len(prefix) :].split(".")
        row = _row_for(group, path)
        header = (group.headers or {}).get(path[-1]) or HEADERS.get(path[-1], path[-1])
        for message in messages:
            row.errors.append(f"第 {row.number} 行「{header}」：{message}")


def _head_id(group: HouseholdGroup) -> str:
    head = next((m for m in group.members if m.get("relationship") == Relationship.HEAD), None)
    return (head.get("id_number") or "").upper() if head else ""


def _existing(user, groups: list[HouseholdGroup]) -> dict[str, Household]:
    """The already registered households among ``groups`` (by number, else by the national system's 户编号,
    else by the head's ID number), in a few queries for the whole chunk; keyed by group key."""
    scoped = Household.objects.for_user(user, "change") if user is not None else Household.objects.all()
    with_parts = [
        Prefetch("members", queryset=Member.objects.filter(is_active=True), to_attr="active_members"),
        "years",
    ]
    numbers = {g.number: g.key for g in groups if g.number}
    nationals = {
        g.household["national_number"]: g.key
        for g in groups
        if not g.number and g.household.get("national_number")
    }
    found: dict[str, Household] = {}
    if numbers:
        for h in scoped.filter(number__in=list(numbers)).prefetch_related(*with_parts):
            found[numbers[h.number]] = h
    if nationals:
        for h in scoped.filter(national_number__in=list(nationals)).prefetch_related(*with_parts):
            found[nationals[h.national_number]] = h
    heads = {_head_id(g): g.key for g in groups if g.key not in found and not g.number and _head_id(g)}
    if heads:
        members = Member.objects.filter(id_number__in=list(heads), is_active=True, household__in=scoped)
        by_id = {m.household_id: m.id_number for m in members.only("id_number", "household_id")}
        for h in Household.objects.filter(pk__in=list(by_id)).prefetch_related(*with_parts):
            found[heads[by_id[h.pk]]] = h
    return found


def _equal(stored, given) -> bool:
    """A snapshot value against a value read from the file (numbers compared as numbers: 2.50 == 2.5)."""
    if isinstance(given, Decimal):
        return stored is not None and Decimal(str(stored)) == given
    return stored == audit.json_value(given)


def _same(household: Household, group: HouseholdGroup) -> bool:
    """True when writing the group would change nothing."""
    current = audit.snapshot(household)
    for name, value in group.household.items():
        if name == "region":
            if value != household.region_id:
                return False
        elif value is not None and not _equal(current.get(name), value):
            return False
    members = {m.id_number: audit.snapshot(m) for m in household.active_members}
    if {m.get("id_number", "").upper() for m in group.members} != set(members):
        return False
    for m in group.members:
        mine = members[m["id_number"].upper()]
        if any(not _equal(mine.get(k), v) for k, v in m.items() if k != "id_number"):
            return False
    years = {record.year: record for record in household.years.all()}
    for y in group.years:
        record = years.get(y.get("year"))
        if record is None:
            return False
        snap = audit.snapshot(record)
        if any(not _equal(snap.get(k), v) for k, v in y.items() if k in snap and k != "household_size"):
            return False
    return True


def _update(user, household: Household, group: HouseholdGroup) -> Household:
    ids = dict(household.members.filter(is_active=True).values_list("id_number", "id"))
    members = []
    for m in group.members:
        member = dict(m)
        if member.get("id_number", "").upper() in ids:
            member["id"] = ids[member["id_number"].upper()]
        members.append(member)
    return registry.household_update(
        user=user,
        household=household,
        data=group.household,
        members=members,
        years=group.years,
        tallies=False,
    )


def _payload(group: HouseholdGroup) -> dict:
    household = {**group.household, "number": group.number} if group.number else group.household
    return {"household": household, "members": group.members, "years": group.years}


def _register_batch(user, groups: list[HouseholdGroup], *, keep_going: bool) -> int:
    """Register new households; with ``keep_going`` drop the failing ones and write the rest. Returns created."""
    while groups:
        try:
            with transaction.atomic():
                registry.households_register(user=user, items=[_payload(g) for g in groups])
            return len(groups)
        except ValidationError as exc:
            failing = {int(k.split(".", 1)[0]) for k in exc.message_dict if k.split(".", 1)[0].isdigit()}
            for i in failing:
                _attach(groups[i], exc, prefix=f"{i}.")
            if not keep_going or not failing:
                if not failing:
                    for g in groups:
                        _attach(g, exc)
                return 0
            groups = [g for i, g in enumerate(groups) if i not in failing]
    return 0


def import_chunk(user, chunk: list[HouseholdGroup], result: ImportResult, *, keep_going: bool) -> None:
    result.persons += sum(len(g.members) for g in chunk)
    new: list[HouseholdGroup] = []
    known = _existing(user, [g for g in chunk if not g.errors])
    villages: set[str] = set()  # of updated households: recounted once for the chunk, not once per household
    for group in chunk:
        if group.errors:
            continue
        existing = known.get(group.key)
        if existing is None:
            new.append(group)
        elif _same(existing, group):
            result.unchanged += 1
        else:
            try:
                with transaction.atomic():
                    villages |= {existing.region_id, _update(user, existing, group).region_id}
                result.updated += 1
            except ValidationError as exc:
                _attach(group, exc)
    if villages:
        registry.refresh_tallies(villages)
    result.created += _register_batch(user, new, keep_going=keep_going)


def import_rows(user, parsed: ParsedFile, result: ImportResult, *, batch: int, keep_going: bool, progress):
    """The row path over a parsed file (the two-sheet layout)."""
    done = 0
    for chunk in itertools.batched(parsed.groups, batch):
        with transaction.atomic():
            import_chunk(user, list(chunk), result, keep_going=keep_going)
        result.households += len(chunk)
        result.failed_groups += [g for g in chunk if g.errors]  # the rest is let go
        reset_queries()  # with DEBUG on, Django would keep the last 9,000 (huge bulk) statements
        done += sum(len(g.members) for g in chunk)  # progress in persons: known before parsing
        if progress:
            progress(min(done, parsed.persons) if parsed.persons else done, parsed.persons or done)
