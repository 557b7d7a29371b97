"""What the registry adds to pages (``core.panels``): on the region page, the year's 减贫计划 and the
year-over-year status flows; on the household card, the 人口变动 the reader may take and the changes in words.

Both count the region's status history on request, so they do it for a county and below (a few hundred thousand
rows at most); above a county the figures belong in the analytics rollups (a national GROUP BY over ~90 M history
rows per page view would not do): the 减贫计划 of a province or prefecture links to its dashboard, which shows
the progress from the rollup."""

import re

from django.urls import reverse
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core.codes import ancestor_at
from jingzhun.core.panels import panel, provided
from jingzhun.core.params import chosen_year
from jingzhun.core.worklist import WorkItem, capped, work_source
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from . import yearcycle
from .choices import HouseholdStatus, SplitReviewStatus, TransferStatus
from .models import Household, MemberChange, ReductionTarget, SplitReview, Transfer
from .selectors import household_year_comparison, latest_data_year, status_flows
from .targets import progress


@panel("region.page", template="registry/_region_flows.html", order=20)
def region_flows(request, region) -> dict | None:
    """逐年变动: counted live for a county and below; above, the rollups' (analytics provides them)."""
    if region is None:
        return None
    if region.level < RegionLevel.COUNTY:
        flows = provided("region.year_flows", lambda **_kw: [])(user=request.user, code=region.code)
    else:
        flows = status_flows(user=request.user, region=region)
    return {"flows": flows} if flows else None


@panel("region.page", template="registry/_region_targets.html", order=10)
def region_targets(request, region) -> dict | None:
    """The year's 减贫计划 of the region with its progress, and the form that hands down the children's."""
    if region is None:
        return None
    year = chosen_year(request, lambda: latest_data_year(user=request.user, region=region))
    target = ReductionTarget.objects.for_user(request.user).filter(region=region, year=year).first()
    hands_down = region.level < RegionLevel.TOWNSHIP and permissions.may(
        request.user, "hand_down_target", level=region.level, region=region
    )
    if target is None and not hands_down:
        return None
    counted = target is not None and region.level >= RegionLevel.COUNTY
    # above a county the progress is the dashboard's (from the rollup); below, the same figures are linked
    dashboard = provided("region.dashboard_url", lambda **_kw: "")
    return {
        "target": target,
        "p": progress(user=request.user, region=region, target=target) if counted else None,
        "dashboard_url": dashboard(code=region.code, year=year) if target is not None else "",
        "children": Region.objects.for_user(request.user).filter(parent=region).order_by("code")[:500]
        if hands_down
        else [],
        "year": year,
    }


@panel("region.page", template="registry/_region_year.html", order=30)
def region_year(request, region) -> dict | None:
    """On a county's page: its yearly cycle (动态调整), the latest years and a way to this year's page; on a
    township's or village's page, the same for its county (they read their part of it)."""
    if region is None or region.level < RegionLevel.COUNTY:
        return None
    county = yearcycle.readable_county(request.user, ancestor_at(region.code, RegionLevel.COUNTY))
    if county is None:
        return None
    year = latest_data_year(user=request.user, region=region)
    return {"county": county, "years": yearcycle.county_years(county)[:5], "year": year}


@panel("household.card", template="registry/_household_years.html", order=40)
def household_years(request, household) -> dict | None:
    """年度对比: what changed between two of the household's years (``?before=&after=`` on the card)."""
    asked = {k: int(v) for k in ("before", "after") if re.fullmatch(r"[0-9]{4}", v := request.GET.get(k, ""))}
    comparison = household_year_comparison(household, **asked)
    return {"c": comparison} if comparison else None


MEMBER_CHANGES_SHOWN = 100


@panel("household.card", template="registry/_member_actions.html", order=40)
def member_actions(request, household) -> dict | None:
    """The 人口变动 the reader may take on this household (none on a cancelled one)."""
    if household.status == HouseholdStatus.CANCELLED:
        return None
    where = {"region": household.region_id}
    changes = permissions.may(request.user, "change_members", **where)
    send = permissions.may(request.user, "transfer_send", **where)
    return {"changes": changes, "send": send} if changes or send else None


@panel("household.members", template="registry/_member_changes.html", order=10)
def member_changes(request, household) -> dict | None:
    """The household's 人口变动 in words (newest first), its transfers waiting, and an open 分户 review."""
    user = request.user
    changes = list(
        MemberChange.objects.for_user(user)
        .filter(household=household)
        .order_by("-effective_on", "-id")[:MEMBER_CHANGES_SHOWN]
    )
    pending = list(
        Transfer.objects.for_user(user)
        .filter(from_household=household, status=TransferStatus.PENDING)
        .select_related("to_county")
    )
    review = (
        SplitReview.objects.for_user(user)
        .filter(household=household, status=SplitReviewStatus.OPEN)
        .select_related("source")
        .first()
    )
    if not (changes or pending or review):
        return None
    return {"changes": changes, "pending": pending, "review": review}


@work_source
def registry_work(user) -> list[WorkItem]:
    """工作台: people waiting to come into the user's county (跨县迁入), 分户 waiting for review, and households
    on record without the latest year's 收入与生产生活条件."""
    items = []
    if permissions.may(user, "transfer_accept") and user.region_id:
        coming = Transfer.objects.filter(to_county_id=user.region_id, status=TransferStatus.PENDING)
        items.append(
            WorkItem(_("待接收的跨县迁入"), capped(coming), reverse("registry:transfer_list"), order=12)
        )
    if permissions.may(user, "review_split"):
        reviews = SplitReview.objects.for_user(user).filter(status=SplitReviewStatus.OPEN)
        items.append(
            WorkItem(_("待审核的分户"), capped(reviews), reverse("registry:split_review_list"), order=13)
        )
    if permissions.may(user, "change"):
        year = latest_data_year(user=user, region=None)
        lacking = yearcycle.lacking_year_record(Household.objects.for_user(user), year)
        url = f"{reverse('registry:household_list')}?missing_year={year}"
        items.append(WorkItem(_("%(y)d 年度信息未更新的户") % {"y": year}, capped(lacking), url, order=40))
    return items
