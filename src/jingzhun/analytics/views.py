"""The dashboards (省市有平台): a region's figures from the stored rollups, its children, causes, attributes,
deprivations and the trend by year; every table downloadable as Excel; a refresh of the rollups for users
who may change data."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core.codes import subtree_range
from jingzhun.core.xlsxexport import xlsx_download
from jingzhun.identification.village_selectors import poor_villages_in
from jingzhun.registry.choices import POOR_FILTER

from . import definitions, selectors
from .models import NATIONAL_CODE
from .tasks import refresh_rollups


def _year(request) -> int | None:
    value = request.GET.get("year", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) == 4 else None


def household_link(code: str, **filters) -> str:
    """The household list behind a number (the registry's own list, scoped as always)."""
    query = {"region": "" if code == NATIONAL_CODE else code, **filters}
    return reverse("registry:household_list") + "?" + urlencode({k: v for k, v in query.items() if v})


def tables(d: selectors.Dashboard) -> dict[str, tuple[str, list[str], list[list]]]:
    """Every table of the dashboard as (title, header, rows): the page shows them under their charts and the
    Excel download writes the same rows."""
    p = d.place
    today = timezone.localdate()
    child_header = [
        _("区划代码"),
        _("名称"),
        *(str(definitions.BY_KEY[k].label) for k in definitions.CHILD_COLUMNS),
        _("人数完成率"),
    ]
    return {
        "figures": (
            _("关键指标"),
            [_("指标"), _("数值")],
            [[str(i.label), p.display(i.key)] for i in definitions.INDICATORS],
        ),
        "children": (
            _("下级区域"),
            child_header,
            [[c.code, c.name, *(_number(c.values[k]) for k in definitions.CHILD_COLUMNS), c.plan.rate_percent] for c in d.children],
        ),
        "spending": (
            _("支出进度"),
            [_("区划代码"), _("名称"), *(str(definitions.BY_KEY[k].label) for k in definitions.SPENDING), _("时序进度")],
            [[r.code, r.name, r.display("funds_allocated"), r.display("funds_paid"), f"{s['percent']}%", f"{s['time_percent']}%"]
             for r in [p, *d.children] if (s := definitions.spending(r.parts, year=d.year, today=today))],
        ),
        "causes": (
            _("主要致贫原因"),
            [_("致贫原因"), _("现有贫困户")],
            [[label, n] for _v, label, n in definitions.causes(p.parts)],
        ),
        "attributes": (
            _("贫困户属性"),
            [_("属性"), _("现有贫困户")],
            [[label, n] for _v, label, n in definitions.attributes(p.parts)],
        ),
        "statuses": (_("户状态"), [_("状态"), _("人数")], [[label, n] for _v, label, n in definitions.statuses(p.parts)]),
        "deprivations": (
            _("多维贫困：各指标缺失"),
            [_("指标"), _("缺失人数"), _("其中多维贫困人数")],
            [[label, n, af] for _k, label, n, af in definitions.deprivations(p.parts)],
        ),
        "plan": (
            _("减贫计划"),
            [_("项目"), _("数值")],
            _plan_rows(d.plan),
        ),
        "trend": (
            _("年度趋势"),
            [_("年度"), *(str(definitions.BY_KEY[k].label) for k in ("poor_persons", "incidence", "fgt0", "mean_income", "af_m0"))],
            [[y, *(_number(v[k]) for k in ("poor_persons", "incidence", "fgt0", "mean_income", "af_m0"))] for y, v in d.trend],
        ),
    }  # fmt: skip


def _plan_rows(p) -> list[list]:
    """The year's 减贫计划 against its progress (— where no target was handed down)."""
    if p is None:
        return []
    t = p.target
    return [
        [_("计划脱贫人数"), t.persons if t else "—"],
        [_("脱贫"), p.exited_persons],
        [_("返贫"), p.returned_persons],
        [_("净脱贫人数"), p.net],
        [_("人数完成率"), p.rate_percent],
        [_("计划退出贫困村数"), t.villages if t else "—"],
        [_("已退出贫困村数"), p.exited_villages],
        [_("贫困村完成率"), p.village_rate_percent],
    ]


def _number(value):
    return "" if value is None else round(value, 4)


def _chart_data(d: selectors.Dashboard) -> dict:
    """What the charts draw (the page's script reads it from a JSON block; no request of its own)."""
    deprived = definitions.deprivations(d.place.parts)
    return {
        "labels": {  # the script's legends and axes, in the page's language
            "poor": _("现有贫困人口"),
            "incidence": _("贫困发生率 %"),
            "persons": _("人"),
            "deprived": _("缺失人数"),
            "multidimensional": _("其中多维贫困"),
            "fgt0": _("收入贫困发生率 %"),
        },
        "children": {
            "names": [c.name for c in d.children],
            "poor": [c.values["poor_persons"] for c in d.children],
            "incidence": [c.values["incidence"] for c in d.children],
        },
        "causes": [{"name": label, "value": n} for _v, label, n in definitions.causes(d.place.parts) if n],
        "attributes": [
            {"name": label, "value": n} for _v, label, n in definitions.attributes(d.place.parts) if n
        ],
        "deprivations": {
            "names": [str(label).split("（")[0].split(" (")[0] for _k, label, _n, _a in deprived],
            "deprived": [n for _k, _l, n, _a in deprived],
            "poor": [a for _k, _l, _n, a in deprived],
        },
        "trend": {
            "years": [y for y, _v in d.trend],
            "poor": [v["poor_persons"] for _y, v in d.trend],
            "fgt0": [v["fgt0"] for _y, v in d.trend],
        },
    }


# a stale entry cannot be served (its key names the rollup rows it was drawn from); the expiry only frees memory
ROLLUP_PANELS_CACHE_SECONDS = 24 * 3600


@functools.cache
def _panels_code() -> str:
    """A digest of the code that draws the cached panels (this module, the indicators' definitions, the panels'
    templates): a deployment that changes how they look gets new entries, not yesterday's HTML from a cache (Redis)
    that outlives the processes."""
    here = Path(__file__).resolve().parent
    files = [
        here / "views.py",
        here / "definitions.py",
        *sorted((here / "templates" / "analytics").glob("_*.html")),
    ]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:16]


def panels_query(d: selectors.Dashboard) -> str:
    """The query string naming the dashboard's region and year, for its download links."""
    return urlencode({"region": d.place.code, "year": d.year})


def rollup_panels(d: selectors.Dashboard) -> str:
    """The dashboard's panels drawn from the rollup alone (children, causes, attributes, deprivations, trend,
    statuses, 支出进度, every indicator, the charts' data), rendered once and cached under what they are drawn from:
    the region, year and language, the rollup rows' ``computed_at`` (``Dashboard.stamps``: a recompute stores new
    ones), the children's names and 减贫计划 (their 人数完成率 column) and the day (the time schedule of 支出进度).
    Why: at 31 provinces these panels were most of a national request's CPU (issue 24). Nothing user-specific
    goes in: a user who may see the region sees all of them, and no CSRF token or permission-dependent link."""
    key = "analytics-panels:" + hashlib.sha256(
        repr((
            _panels_code(), d.place.code, d.place.name, d.year, get_language(), timezone.localdate().isoformat(), d.stamps,
            [(c.code, c.name, c.level, c.target and (c.target.pk, c.target.persons)) for c in d.children],
        )).encode()
    ).hexdigest()  # fmt: skip
    html = cache.get(key)
    if html is None:
        p = d.place
        html = render_to_string(
            "analytics/_rollup_panels.html",
            {
                "d": d,
                "query": panels_query(d),
                "tables": tables(d),
                "charts": _chart_data(d),
                "spending_place": [p.display(k) for k in definitions.SPENDING],
                "spending": definitions.spending(p.parts, year=d.year, today=timezone.localdate()),
                # the list behind the figure: the funds home page's 支出进度 of the same region and year (its children
                # from this same rollup above a county, a county's funds live)
                "spending_link": reverse("funds:home") + "?" + urlencode(
                    {"year": d.year, **({} if p.code == NATIONAL_CODE else {"region": p.code})}
                ),
                "child_rows": [
                    (c, [*(c.display(k) for k in definitions.CHILD_COLUMNS), c.plan.rate_percent],
                     household_link(c.code, status=POOR_FILTER))
                    for c in d.children
                ],
                "child_columns": [definitions.BY_KEY[k] for k in definitions.CHILD_COLUMNS],
                "cause_rows": [
                    (label, n, household_link(p.code, status=POOR_FILTER, main_cause=v))
                    for v, label, n in definitions.causes(p.parts) if n
                ],
                "attribute_rows": [
                    (label, n, household_link(p.code, status=POOR_FILTER, attribute=v))
                    for v, label, n in definitions.attributes(p.parts) if n
                ],
                "status_rows": [
                    (label, n, household_link(p.code, status=v)) for v, label, n in definitions.statuses(p.parts)
                ],
            },
        )  # fmt: skip
        cache.set(key, html, ROLLUP_PANELS_CACHE_SECONDS)
    return mark_safe(html)


@login_required
def dashboard_page(request):
    """The dashboard of a region in the user's scope (404 outside it); ?download=<table> gives that table as
    Excel."""
    code = request.GET.get("region") or None
    if code is not None and (not code.isdigit() or len(code) > 12):
        raise Http404
    d = selectors.dashboard(user=request.user, code=code and code.ljust(12, "0"), year=_year(request))
    if d is not None and (name := request.GET.get("download")):
        all_tables = tables(d)
        chosen = all_tables if name == "all" else {name: all_tables[name]} if name in all_tables else None
        if chosen is None:
            raise Http404
        return xlsx_download(f"{d.place.name}-{d.year}-统计", chosen.values())
    context = {"d": d, "can_refresh": permissions.may(request.user, "refresh_rollups")}
    if d is not None:
        p = d.place
        context.update(
            # the downloads' links name the region and year shown (a template `add` of text and a number gave "")
            query=panels_query(d),
            key_figures=[(definitions.BY_KEY[k], p.display(k)) for k in definitions.KEY_FIGURES],
            poor_link=household_link(p.code, status=POOR_FILTER),
            plan_table=(_("减贫计划"), [_("项目"), _("数值")], _plan_rows(d.plan)),
            rollup_panels=rollup_panels(d),
            # the villages that were 贫困村 in the year described (their status kept per year by identification)
            poor_villages=poor_villages_in(
                *(("000000000000", "999999999999") if p.code == NATIONAL_CODE else subtree_range(p.code)), year=d.year
            ),
        )  # fmt: skip
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_POST
def refresh(request):
    """Queue a recomputation of the rollups (national administrators: it recomputes the whole country)."""
    permissions.require(request.user, "refresh_rollups")
    refresh_rollups.enqueue()
    messages.success(request, _("已提交重新汇总，完成后刷新本页即可看到新数据。"))
    return redirect("analytics:dashboard")
