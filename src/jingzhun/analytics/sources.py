"""The canonical analytics tables, written once as Ibis expressions over the registry's own tables.

The same expressions serve two purposes: compiled to the database's SQL dialect they are what ``snapshot``
reads into Parquet (through ADBC, as Arrow), and bound to a live PostgreSQL connection they are the tables the
indicators run on directly. Every column is cast to the type in ``SCHEMAS`` so that a snapshot written from
SQLite, one written from PostgreSQL and the live PostgreSQL tables look the same to the indicators.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
from django.apps import apps

from jingzhun.identification.rules import COMPULSORY_SCHOOL_AGES
from jingzhun.registry.choices import MONITORED, HouseholdStatus, Schooling
from jingzhun.registry.selectors import FLOW_OF, PERSON_FLOW_OF

TableGetter = Callable[[str], ibis.Table]
OUT_OF_SCHOOL = (Schooling.NONE.value, Schooling.PRESCHOOL.value)
# The households' flows of the year (逐年变动, as the region page names them in ``registry.selectors.YearFlow``):
# the column of each. Status flows count the household's status changes of the business year, person flows its
# 人口变动 of the business year.
STATUS_FLOW_COLUMNS = {
    "entered": "entries",
    "exited": "exits",
    "returned": "returns",
    "cancelled": "cancellations",
}
PERSON_FLOW_COLUMNS = {"born": "births", "died": "deaths", "came": "arrivals", "left": "departures"}
FLOW_COLUMNS = (*STATUS_FLOW_COLUMNS.values(), *PERSON_FLOW_COLUMNS.values())

# The canonical tables. Households carry their category at the end of the year (year-end status by business year,
# 监测对象 where a monitoring period was open on 31 December), the year's record (0 and has_year false where there is
# none) and two flags worked out from their members (a member of compulsory-school age out of school; a member
# without basic medical or serious-illness insurance) and its flows of the year (how many status changes of that
# business year made it 在册, 已脱贫, 返贫, 已注销 — the 减贫计划's net exits — and how many of its persons were born,
# died, came and left), members their person-level items, plans one row per
# household plan of the year with its measures summed.
# fmt: off
SCHEMAS: dict[str, pa.Schema] = {
    "households": pa.schema(
        [
            ("id", pa.int64()), ("village", pa.string()), ("province", pa.string()),
            ("status", pa.string()), ("attribute", pa.string()), ("main_cause", pa.string()),
            ("identification_standard", pa.string()), ("persons", pa.int64()), ("has_year", pa.bool_()),
            ("per_capita_net", pa.float64()), ("net_income", pa.float64()), ("house_grade", pa.string()),
            ("water_safe", pa.bool_()), ("has_cadre", pa.bool_()), ("out_of_school", pa.bool_()),
            ("uninsured", pa.bool_()), ("exits", pa.int64()), ("returns", pa.int64()),
            ("entries", pa.int64()), ("cancellations", pa.int64()), ("births", pa.int64()),
            ("deaths", pa.int64()), ("arrivals", pa.int64()), ("departures", pa.int64()),
        ]
    ),
    "members": pa.schema(
        [
            ("id", pa.int64()), ("household_id", pa.int64()), ("village", pa.string()),
            ("province", pa.string()), ("sex", pa.string()), ("birth_date", pa.date32()),
            ("schooling", pa.string()), ("health", pa.string()), ("labour", pa.string()),
            ("medical_insurance", pa.bool_()), ("serious_illness_insurance", pa.bool_()), ("dibao", pa.bool_()),
        ]
    ),
    "plans": pa.schema(
        [
            ("id", pa.int64()), ("household_id", pa.int64()), ("village", pa.string()),
            ("province", pa.string()), ("year", pa.int64()), ("measures", pa.int64()),
            ("planned", pa.float64()), ("actual", pa.float64()),
        ]
    ),
    "regions": pa.schema(
        [("code", pa.string()), ("name", pa.string()), ("level", pa.int64()), ("parent", pa.string())]
    ),
    # Small tables made by the selectors, not by SQL: the poverty line per province and the rural population.
    "lines": pa.schema([("province", pa.string()), ("line", pa.float64())]),
    "population": pa.schema([("village", pa.string()), ("persons", pa.int64())]),
}
# fmt: on
PARTITIONED = ("households", "members", "plans")  # by province (hive layout province=52/)
FROM_DATABASE = ("households", "members", "plans", "regions")

_TYPES = {
    "AutoField": dt.int64, "BigAutoField": dt.int64, "IntegerField": dt.int64, "BigIntegerField": dt.int64,
    "PositiveIntegerField": dt.int64, "PositiveSmallIntegerField": dt.int64, "SmallIntegerField": dt.int64,
    "ForeignKey": None, "OneToOneField": None, "CharField": dt.string, "TextField": dt.string,
    "BooleanField": dt.boolean, "DateField": dt.date, "DateTimeField": dt.timestamp, "JSONField": dt.string,
    "DecimalField": dt.float64, "FileField": dt.string,
}  # fmt: skip


def _column_type(field):
    internal = (getattr(field, "output_field", None) or field).get_internal_type()
    if internal in ("ForeignKey", "OneToOneField"):
        return _column_type(field.target_field)
    return _TYPES[internal]


def unbound_table(label: str) -> ibis.Table:
    """An Ibis table standing for a Django model's table (``"registry.Household"``), for compiling SQL."""
    model = apps.get_model(label)
    schema = {f.column: _column_type(f) for f in model._meta.concrete_fields}
    return ibis.table(schema, name=model._meta.db_table)


def model_table(getter: TableGetter, label: str) -> ibis.Table:
    return getter(apps.get_model(label)._meta.db_table)


def _unbound_getter(name: str) -> ibis.Table:
    for model in apps.get_models():
        if model._meta.db_table == name:
            return unbound_table(model._meta.label)
    raise LookupError(name)


def _typed(expr: ibis.Table, name: str) -> ibis.Table:
    schema = SCHEMAS[name]
    return expr.select(
        **{f.name: expr[f.name].cast(ibis.dtype(f.type)) for f in schema if f.type != pa.date32()},
        **{f.name: expr[f.name] for f in schema if f.type == pa.date32()},
    ).select(*schema.names)


def year_end(year: int) -> ibis.DateValue:
    return ibis.date(year, 12, 31)


def status_at_end_of(getter: TableGetter, year: int) -> ibis.Table:
    """Each household's status at the end of business year ``year``, set-based: the latest change counted in
    that year or before (by business year, then effective date, then id — as ``registry.status``), one row per
    household that had one (``s_household``, ``year_end_status``), with how many of its changes of ``year``
    itself were entries, exits, returns and cancellations (``s_entries`` … ``s_cancellations``). A window over the changes rather than a
    correlated subquery: one pass over the index, not one probe per household."""
    c = model_table(getter, "registry.StatusChange")
    c = c.filter(c.business_year <= year)
    # DESC with nulls first (none are null): the order of the index statuschange_year_end, so PostgreSQL
    # streams the window from an index-only scan without sorting 90 M changes
    order = [c[name].desc(nulls_first=True) for name in ("business_year", "effective_on", "id")]
    latest = ibis.window(group_by=c.household_id, order_by=order)
    # the household's flows of the year itself ride on the same window (the whole partition: one sort serves
    # all), so the 减贫计划's and the 逐年变动's flows cost no second pass over the history
    whole = ibis.window(group_by=c.household_id, order_by=order, rows=(None, None))
    this_year = c.business_year == year
    flows = {
        f"s_{STATUS_FLOW_COLUMNS[flow]}": _flows(this_year & (c.to_status == status.value)).over(whole)
        for status, flow in FLOW_OF.items()
    }
    ranked = c.mutate(change_rank=ibis.row_number().over(latest), **flows)
    ranked = ranked.filter(ranked.change_rank == 0)
    return ranked.select(
        s_household=ranked.household_id, year_end_status=ranked.to_status, **{n: ranked[n] for n in flows}
    )


def _flows(condition: ibis.BooleanValue) -> ibis.IntegerScalar:
    """How many of a household's changes meet ``condition`` (a sum of 1/0: PostgreSQL casts no boolean)."""
    return ibis.ifelse(condition, 1, 0).sum()


def member_flows(getter: TableGetter, year: int) -> ibis.Table:
    """Per household with 人口变动 of business year ``year`` (``c_household``), how many persons were born,
    died, came (迁入、婚入) and left (迁出、婚出): one grouped pass over the year's changes (index on
    (business_year, kind)), a few per cent of the persons."""
    c = model_table(getter, "registry.MemberChange")
    c = c.filter((c.business_year == year) & c.kind.isin([k.value for k in PERSON_FLOW_OF]))
    counts = {}
    for flow, column in PERSON_FLOW_COLUMNS.items():
        kinds = [k.value for k, f in PERSON_FLOW_OF.items() if f == flow]
        counts[f"c_{column}"] = _flows(c.kind.isin(kinds))
    return c.group_by(c_household=c.household_id).agg(**counts)


def monitored_at_end_of(getter: TableGetter, year: int) -> ibis.Table:
    """Households with a monitoring period open on 31 December of ``year`` (``m_household``)."""
    periods = model_table(getter, "registry.Monitoring")
    end = year_end(year)
    open_then = (periods.started_on <= end) & (periods.ended_on.isnull() | (periods.ended_on > end))
    return periods.filter(open_then).select(m_household=periods.household_id)


def member_flags(getter: TableGetter, year: int) -> ibis.Table:
    """Per household (``f_household``), whether an active member is of compulsory-school age in ``year`` and out
    of school (the rules of identification), and whether one lacks either insurance. Only members with a gap
    are grouped (a few per cent of the persons): the rollup then never reads the members at all."""
    m = model_table(getter, "registry.Member")
    age = ibis.literal(year) - m.birth_date.year()
    m = m.filter(m.is_active).mutate(
        out_of_school=age.between(min(COMPULSORY_SCHOOL_AGES), max(COMPULSORY_SCHOOL_AGES))
        & m.schooling.isin(OUT_OF_SCHOOL),
        uninsured=~(m.medical_insurance & m.serious_illness_insurance),
    )
    m = m.filter(m.out_of_school | m.uninsured)
    return m.group_by(f_household=m.household_id).agg(
        f_out_of_school=m.out_of_school.any(), f_uninsured=m.uninsured.any()
    )


def households(getter: TableGetter, year: int) -> ibis.Table:
    """Every household of the registry as it stood at the end of ``year``, with its record for ``year`` and
    whether it has a responsible cadre."""
    h = model_table(getter, "registry.Household")
    y = model_table(getter, "registry.HouseholdYear")
    y = y.filter(y.year == year).select(
        y_household=y.household_id,
        per_capita_net=y.per_capita_net,
        net_income=y.net_income,
        house_grade=y.house_grade,
        water_safe=y.water_safe,
    )
    pairings = model_table(getter, "assistance.HouseholdPairing")
    open_pairings = pairings.filter(pairings.ended_on.isnull()).select(p_household=pairings.household_id)
    status = status_at_end_of(getter, year)
    flags = member_flags(getter, year)
    people = member_flows(getter, year)
    joined = (
        h.left_join(y, h.id == y.y_household)
        .left_join(status, h.id == status.s_household)
        .left_join(flags, h.id == flags.f_household)
        .left_join(people, h.id == people.c_household)
    )
    year_end_status = joined.year_end_status.coalesce(HouseholdStatus.UNIDENTIFIED.value)
    expr = joined.mutate(
        village=joined.region_id,
        province=joined.region_id.substr(0, 2),
        persons=joined.member_count,
        has_year=joined.y_household.notnull(),
        per_capita_net=joined.per_capita_net.cast("float64").coalesce(0.0),
        net_income=joined.net_income.cast("float64").coalesce(0.0),
        house_grade=joined.house_grade.coalesce(""),
        water_safe=joined.water_safe.coalesce(False),
        has_cadre=joined.id.isin(open_pairings.p_household),
        out_of_school=joined.f_out_of_school.coalesce(False),
        uninsured=joined.f_uninsured.coalesce(False),
        **{n: joined[f"s_{n}"].coalesce(0) for n in STATUS_FLOW_COLUMNS.values()},
        **{n: joined[f"c_{n}"].coalesce(0) for n in PERSON_FLOW_COLUMNS.values()},
        # the statistics' category: 监测对象 while a monitoring period is open (registry.choices.MONITORED)
        status=ibis.ifelse(
            joined.id.isin(monitored_at_end_of(getter, year).m_household), MONITORED, year_end_status
        ),
    )
    return _typed(expr, "households")


def members(getter: TableGetter) -> ibis.Table:
    """The active members (在户) with the items the indicators use; birth dates as ISO text (cast on reading)."""
    m = model_table(getter, "registry.Member")
    h = model_table(getter, "registry.Household").select(h_id="id", village="region_id")
    joined = m.filter(m.is_active).join(h, m.household_id == h.h_id)
    expr = joined.mutate(province=joined.village.substr(0, 2))
    schema = SCHEMAS["members"]
    return expr.select(
        **{
            n: expr[n].cast(ibis.dtype(t))
            for n, t in zip(schema.names, schema.types, strict=True)
            if n != "birth_date"
        },
        birth_date=expr.birth_date.cast("string"),
    ).select(*schema.names)


def plans(getter: TableGetter, year: int) -> ibis.Table:
    """The plans (一户一策) of ``year`` with their measures counted and their amounts summed (cancelled
    measures left out)."""
    p = model_table(getter, "assistance.Plan")
    m = model_table(getter, "assistance.Measure")
    m = m.filter((m.year == year) & (m.status != "cancelled"))
    sums = m.group_by(plan=m.plan_id).agg(
        measures=m.count(),
        planned=m.planned_amount.cast("float64").sum(),
        actual=m.actual_amount.cast("float64").coalesce(0.0).sum(),
    )
    joined = p.filter(p.year == year).left_join(sums, p.id == sums.plan)
    expr = joined.mutate(
        village=joined.region_id,
        province=joined.region_id.substr(0, 2),
        measures=joined.measures.coalesce(0),
        planned=joined.planned.coalesce(0.0),
        actual=joined.actual.coalesce(0.0),
    )
    return _typed(expr, "plans")


def regions(getter: TableGetter) -> ibis.Table:
    r = model_table(getter, "regions.Region")
    return _typed(r.mutate(parent=r.parent_id.coalesce("")), "regions")


def source(name: str, getter: TableGetter, year: int) -> ibis.Table:
    builders = {
        "households": lambda: households(getter, year),
        "members": lambda: members(getter),
        "plans": lambda: plans(getter, year),
        "regions": lambda: regions(getter),
    }
    return builders[name]()


def compiled(name: str, year: int, dialect: str) -> str:
    """The SQL that reads canonical table ``name`` for ``year`` from the registry in ``dialect``."""
    return str(ibis.to_sql(source(name, _unbound_getter, year), dialect=dialect))
