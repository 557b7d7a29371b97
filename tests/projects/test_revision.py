"""项目库年度调整 (issue 21): the county's project manager revises its whole library of a year — every project of
the library not yet implemented with a proposed decision, set in bulk (a withdrawal names its reason) — publishes
one 公告 of the revised library on the portal (name, village, amount, decision; no personal data) open to
objections for the policy's days, and approves it: carried projects enter next year's library, withdrawn ones get
their step, all in one transaction. Refused: a second revision of the county and year, approval before the 公告
has run its days or while an objection is open, a user outside the county or without the role."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.core.models import AuditLog
from jingzhun.projects import selectors, services
from jingzhun.projects.models import (
    LibraryRevision,
    PerformanceTarget,
    Project,
    ProjectBeneficiary,
    ProjectFunding,
    ProjectNotice,
    ProjectObjection,
    ProjectStep,
)
from jingzhun.projects.panels import project_work
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, VILLAGE_A

from .conftest import aged, today

YEAR = today().year


def _library(households, *, n=3, year=YEAR, village=VILLAGE_A, **over):
    """``n`` projects of the county's library of ``year`` (已入库), the first with its sources, target, village and
    beneficiaries; plus one already being built (not revisable)."""
    rows = []
    for i in range(n):
        p = Project.objects.create(
            region=Region.objects.get(code=village), year=year, name=f"项目{i + 1:03d}", category="industry",
            budget=Decimal("100000.00") + i, stage="listed", starts_on=dt.date(year, 3, 1),
            ends_on=dt.date(year, 9, 1), responsible_unit="镇政府", tasks="建设", benefit_mechanism="分红", **over,
        )  # fmt: skip
        rows.append(p)
    first = rows[0]
    first.villages.set([Region.objects.get(code=village)])
    ProjectFunding.objects.create(project=first, kind="central", amount=Decimal("100000.00"))
    PerformanceTarget.objects.create(project=first, kind="output", indicator="厂房", value="1 座")
    for h in households:
        ProjectBeneficiary.objects.create(project=first, household=h)
    Project.objects.create(
        region=Region.objects.get(code=village), year=year, name="在建项目", category="industry",
        budget=Decimal(1), stage="implementing",
    )  # fmt: skip
    return rows


def _county():
    return Region.objects.get(code=COUNTY)


def test_the_county_revises_and_approves_its_library(staff, households):
    carry, withdraw, keep = _library(households)
    county_user = staff["county"]
    revision = services.revision_open(user=county_user, county=_county(), year=YEAR)
    items = {i.project_id: i for i in revision.items.all()}
    assert set(items) == {carry.pk, withdraw.pk, keep.pk}  # the project being built is not revised
    assert {i.proposed for i in items.values()} == {"carry"}  # started in the year: proposed for carrying
    # a withdrawal without a reason is refused and changes nothing
    with pytest.raises(ValidationError, match="调出项目库须写明理由"):
        services.revision_decide(
            user=county_user, revision=revision, decision="withdraw", project_ids=[withdraw.pk]
        )
    assert revision.items.get(project=withdraw).decision == "carry"
    assert (
        services.revision_decide(
            user=county_user,
            revision=revision,
            decision="withdraw",
            project_ids=[withdraw.pk],
            reason="选址不具备条件",
        )
        == 1
    )
    services.revision_decide(user=county_user, revision=revision, decision="keep", project_ids=[keep.pk])
    # published: one 公告 on the county's page, with each project's name, village, amount and decision
    notice = services.revision_publish(user=county_user, revision=revision)
    assert (notice.kind, notice.region_id, notice.project_id) == ("revision", COUNTY, None)
    assert (notice.last_day - notice.starts_on).days == 9  # the policy's 10 days
    rows = {r["name"]: r for r in notice.facts["rows"]}
    village = Region.objects.get(code=VILLAGE_A).name
    assert rows["项目002"] == {
        "name": "项目002", "village": village, "amount": "100001.00", "decision": "withdraw",
        "decision_label": "调出项目库", "reason": "选址不具备条件",
    }  # fmt: skip
    assert (rows["项目001"]["village"], rows["项目003"]["decision"]) == (village, "keep")
    assert households[0].head_name not in str(notice.facts)  # no personal data
    with pytest.raises(ValidationError, match="不能再修改调整意见"):
        services.revision_decide(user=county_user, revision=revision, decision="keep", every=True)
    # not before the 公告 has run its days, nor while an objection is open
    with pytest.raises(ValidationError, match="公告期满后才能审定"):
        services.revision_approve(user=county_user, revision=revision)
    assert not selectors.revisions_to_approve(user=county_user).exists()  # the 公告 still runs
    objection = services.objection_file(user=None, notice=notice, text="项目002 不应调出，村里急需")
    aged(notice)
    with pytest.raises(ValidationError, match="尚未处理的异议"):
        services.revision_approve(user=county_user, revision=revision)
    assert not selectors.revisions_to_approve(user=county_user).exists()  # held by the objection
    assert Project.objects.get(pk=carry.pk).stage == "listed"  # nothing took effect
    services.objection_resolve(
        user=county_user, objection=objection, upheld=False, reason="经核实选址确不可行"
    )
    assert list(selectors.revisions_to_approve(user=county_user)) == [revision]  # on the 工作台 now
    assert "待审定的项目库年度调整" in str([i.label for i in project_work(county_user)])
    counts = services.revision_approve(user=county_user, revision=revision, note="同意")
    assert counts == {"carried": 1, "withdrawn": 1, "kept": 1, "skipped": 0}
    revision.refresh_from_db()
    assert revision.state == "approved"
    # carried: a new record of next year in the library with what the old one had; the old one left
    new = Project.objects.get(carried_from=carry)
    assert (new.year, new.stage, new.name, new.budget) == (YEAR + 1, "listed", carry.name, carry.budget)
    assert list(new.fundings.values_list("kind", "amount")) == [("central", Decimal("100000.00"))]
    assert list(new.targets.values_list("indicator", flat=True)) == ["厂房"]
    assert set(new.beneficiaries.values_list("household_id", flat=True)) == {h.pk for h in households}
    assert list(new.villages.values_list("code", flat=True)) == [VILLAGE_A]
    assert Project.objects.get(pk=carry.pk).stage == "withdrawn"
    assert ProjectStep.objects.get(project=carry, kind="carry").details["to_year"] == YEAR + 1
    # withdrawn with its step and reason; kept as it was
    step = ProjectStep.objects.get(project=withdraw, kind="withdraw")
    assert "选址不具备条件" in step.note and Project.objects.get(pk=withdraw.pk).stage == "withdrawn"
    assert Project.objects.get(pk=keep.pk).stage == "listed"
    # audited under each project's and the revision's history
    assert AuditLog.objects.filter(root=f"projects.project:{withdraw.pk}", changes__has_key="step").exists()
    assert AuditLog.objects.filter(root=f"projects.project:{new.pk}", action="create").exists()
    assert AuditLog.objects.filter(root=f"projects.libraryrevision:{revision.pk}").count() >= 5
    with pytest.raises(ValidationError, match="已审定生效"):
        services.revision_approve(user=county_user, revision=revision)


def test_a_second_revision_of_the_same_county_and_year_is_refused(staff, households):
    _library(households)
    services.revision_open(user=staff["county"], county=_county(), year=YEAR)
    with pytest.raises(ValidationError, match="不能重复开始"):
        services.revision_open(user=staff["county"], county=_county(), year=YEAR)
    assert LibraryRevision.objects.count() == 1
    with pytest.raises(ValidationError, match="没有待调整的项目"):
        services.revision_open(user=staff["county"], county=_county(), year=YEAR + 5)


def test_only_the_countys_project_manager_revises(staff, households, county_b):
    _library(households)
    for user in (staff["village_a"], staff["town_a"], staff["finance"], staff["county_viewer"], county_b):
        with pytest.raises(PermissionDenied):
            services.revision_open(user=user, county=_county(), year=YEAR)
    assert not LibraryRevision.objects.exists()
    revision = services.revision_open(user=staff["county"], county=_county(), year=YEAR)
    with pytest.raises(PermissionDenied):
        services.revision_decide(user=county_b, revision=revision, decision="keep", every=True)
    with pytest.raises(PermissionDenied):
        services.revision_publish(user=staff["town_a"], revision=revision)
    assert revision.items.filter(decision="keep").count() == 0 and not ProjectNotice.objects.exists()


def test_an_upheld_objection_sends_the_revision_back(staff, households):
    _library(households)
    revision = services.revision_open(user=staff["county"], county=_county(), year=YEAR)
    notice = services.revision_publish(user=staff["county"], revision=revision)
    objection = services.objection_file(user=None, notice=notice, text="有项目应当保留而不是结转")
    services.objection_resolve(
        user=staff["county"], objection=objection, upheld=True, reason="异议成立，重新调整"
    )
    revision.refresh_from_db()
    assert revision.state == "draft"
    assert ProjectObjection.objects.get().status == "upheld"
    services.revision_decide(user=staff["county"], revision=revision, decision="keep", every=True)
    aged(services.revision_publish(user=staff["county"], revision=revision))
    assert services.revision_approve(user=staff["county"], revision=revision)["kept"] == 3


# --- pages -----------------------------------------------------------------------------------------------------


def test_the_revision_pages(client, staff, households, county_b):
    client.force_login(staff["county"])
    page = client.get("/projects/revisions/").content.decode()
    assert 'id="no-revisions"' in page and 'id="revision-open"' in page
    rows = _library(households, n=55)  # more than a page
    done = client.post("/projects/revisions/", {"year": YEAR}, follow=True)
    revision = LibraryRevision.objects.get()
    page = done.content.decode()
    assert done.request["PATH_INFO"] == f"/projects/revisions/{revision.pk}/"
    assert "共 55 个项目" in page and "项目001" in page and "项目055" not in page and "after=" in page
    # set in bulk: the ticked ones, then every project
    answer = client.post(
        f"/projects/revisions/{revision.pk}/act/decide/",
        {"ids": [rows[0].pk, rows[1].pk], "decide-decision": "withdraw", "decide-reason": ""}, follow=True,
    ).content.decode()  # fmt: skip
    assert "调出项目库须写明理由" in answer and not revision.items.filter(decision="withdraw").exists()
    client.post(
        f"/projects/revisions/{revision.pk}/act/decide/",
        {"ids": [rows[0].pk, rows[1].pk], "decide-decision": "withdraw", "decide-reason": "群众意愿变化"},
    )
    assert revision.items.filter(decision="withdraw").count() == 2
    client.post(
        f"/projects/revisions/{revision.pk}/act/decide/", {"decide-decision": "keep", "decide-every": "on"}
    )
    assert revision.items.filter(decision="keep").count() == 55
    client.post(f"/projects/revisions/{revision.pk}/act/publish/")
    notice = ProjectNotice.objects.get(revision=revision)
    portal = client.get(f"/public/project/{notice.pk}/").content.decode()
    assert 'id="revision-rows"' in portal and "项目055" in portal and 'id="objection-form"' in portal
    county_page = client.get(f"/public/r/{COUNTY}/").content.decode()
    assert f"/public/project/{notice.pk}/" in county_page
    refused = client.post(f"/projects/revisions/{revision.pk}/act/approve/", follow=True).content.decode()
    assert "公告期满后才能审定" in refused
    # outside the county: 404 (a township too: the revision is the county's record); the county's viewer reads
    # it but is offered no step
    for outsider in (county_b, staff["town_a"]):
        client.force_login(outsider)
        assert client.get(f"/projects/revisions/{revision.pk}/").status_code == 404
        assert client.post(f"/projects/revisions/{revision.pk}/act/approve/").status_code == 404
    client.force_login(staff["county_viewer"])
    page = client.get(f"/projects/revisions/{revision.pk}/").content.decode()
    assert "项目001" in page and 'id="revision-approve"' not in page and 'id="revision-decide"' not in page
    assert 'id="revision-open"' not in client.get("/projects/revisions/").content.decode()
    assert LibraryRevision.objects.get().state == "published"
