"""脱贫退出 and 返贫 through identification's machinery (issue 19): the exit route by the right levels from 在册 to
已脱贫 (销号, record kept), every refusal (open objection, pending member change, an exit the rule does not support
without the county's 审定, wrong status, a second open application), the return to 返贫, and the yearly cycle."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jingzhun.identification import services
from jingzhun.identification.choices import ApplicationKind, ObjectionStatus, Procedure, Round, Stage
from jingzhun.identification.models import Application, Publicity, Step
from jingzhun.identification.panels import open_in_year
from jingzhun.regions.models import Region
from jingzhun.registry import members as mc
from jingzhun.registry.models import Household, StatusChange
from tests.conftest import COUNTY, COUNTY_B, VILLAGE_A, year

from .conftest import period_passes

EXIT, RETURN = ApplicationKind.EXIT, ApplicationKind.RETURN


def fit_year(**fields):
    """A 2026 record meeting the exit rule for two persons: 4500 yuan each, A-grade house, safe water."""
    data = {"year": 2026, "wage": "9000", "business": "0", "business_expense": "0", "transfer_dibao": "0"}
    return year(**{**data, "house_grade": "A", "water_safe": True, **fields})


@pytest.fixture
def in_registry(register, line_2026):
    """A household in the registry (在册 since 2014) with a record of 2026 (meeting the rule unless told)."""

    def _in_registry(**record):
        return register(status="registered", identified_year=2014, years=[fit_year(**record)])

    return _in_registry


def village():
    return Region.objects.get(code=VILLAGE_A)


def status(h) -> str:
    return Household.objects.get(pk=h.pk).status


def stage(app) -> str:
    return Application.objects.get(pk=app.pk).stage


def propose(users, h, kind=EXIT, **kw):
    return services.application_create(user=users["village_a"], household=h, year=2026, kind=kind, **kw)


def village_steps(app, users):
    """民主评议 → 核实 → 农户认可, each by the village."""
    services.application_deliberate(
        user=users["village_a"], application=app, meeting_on=timezone.localdate(), attendance=30,
        votes_for=26, votes_against=2,
    )  # fmt: skip
    services.application_verify(
        user=users["village_a"], application=app, passed=True, findings="务工收入稳定"
    )
    services.application_consent(user=users["village_a"], application=app, agreed=True, note="户主签字认可")


def exit_list(app, users) -> Publicity:
    return services.publicity_open(
        user=users["village_a"],
        region=village(),
        round=Round.FIRST,
        applications=[app],
        procedure=Procedure.EXIT,
    )


def to_announcement(app, users) -> None:
    """Through the village's steps, its 公示 without objection, and 乡镇审核: waiting for the county's 公告."""
    village_steps(app, users)
    listing = exit_list(app, users)
    period_passes(listing)
    services.publicity_close(user=users["village_a"], publicity=listing)
    services.application_review(user=users["town_a"], application=app, passed=True, note="同意退出")


def announce(apps, users, procedure=Procedure.EXIT) -> Publicity:
    return services.publicity_open(
        user=users["county"],
        region=village(),
        round=Round.ANNOUNCEMENT,
        applications=apps,
        procedure=procedure,
    )


def test_a_household_from_the_registry_to_exited_by_the_right_levels(in_registry, users):
    h = in_registry()
    app = propose(users, h, reason="务工稳定，收入达标")
    assert stage(app) == Stage.EXIT_PROPOSED
    services.application_deliberate(
        user=users["village_a"], application=app, meeting_on=timezone.localdate(), attendance=30,
        votes_for=26, votes_against=2,
    )  # fmt: skip
    assert stage(app) == Stage.EXIT_DELIBERATED
    verify = services.application_verify(
        user=users["village_a"], application=app, passed=True, findings="属实"
    )
    assert verify.details["supported"] and "不低于扶贫标准 4000.00 元" in "".join(verify.details["reasons"])
    assert stage(app) == Stage.EXIT_VERIFIED
    services.application_consent(user=users["village_a"], application=app, agreed=True, note="户主签字认可")
    assert stage(app) == Stage.EXIT_CONSENTED
    listing = exit_list(app, users)
    assert (
        listing.title == "拟脱贫户公示" and listing.procedure == "exit" and stage(app) == Stage.EXIT_PUBLICITY
    )
    period_passes(listing)
    assert services.publicity_close(user=users["village_a"], publicity=listing) == [app]
    assert stage(app) == Stage.TOWNSHIP_REVIEW
    services.application_review(user=users["town_a"], application=app, passed=True, note="同意")
    assert stage(app) == Stage.COUNTY_APPROVED
    assert status(h) == "registered"  # nothing changes before the 公告
    notice = announce([app], users)
    assert notice.title == "脱贫户公告" and stage(app) == Stage.ANNOUNCED

    h.refresh_from_db()
    assert h.status == "exited" and h.exit_year == 2026 and h.identified_year == 2014  # 销号, record kept
    change = StatusChange.objects.filter(household=h).latest("id")
    assert (change.from_status, change.to_status, change.source, change.business_year) == (
        "registered", "exited", "exit", 2026,
    )  # fmt: skip
    assert change.reference == f"identification.publicity:{notice.pk}"
    steps = Step.objects.filter(application=app)
    assert list(steps.values_list("kind", flat=True)) == [
        "apply", "deliberate", "verify", "consent", "publicity_open", "publicity_close", "township_review",
        "announce",
    ]  # fmt: skip
    by = {s.kind: s.actor_region for s in steps}
    assert by["consent"] == VILLAGE_A and by["township_review"] == "522634100000" and by["announce"] == COUNTY
    assert h.members.filter(is_active=True).count() == 2 and h.years.filter(year=2026).exists()


def test_each_step_belongs_to_its_level(in_registry, users):
    app = propose(users, in_registry())
    with pytest.raises(PermissionDenied):
        services.application_deliberate(
            user=users["county"], application=app, meeting_on=timezone.localdate(), attendance=30,
            votes_for=26, votes_against=2,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="待民主评议（退出）"):  # the exit's order: 民主评议 first
        services.application_verify(user=users["village_a"], application=app, passed=True, findings="属实")
    village_steps(app, users)
    with pytest.raises(PermissionDenied):  # the county opens no village 公示
        services.publicity_open(
            user=users["county"],
            region=village(),
            round=Round.FIRST,
            applications=[app],
            procedure=Procedure.EXIT,
        )
    with pytest.raises(ValidationError, match="没有「第二次公示」"):
        services.publicity_open(
            user=users["town_a"],
            region=village(),
            round=Round.SECOND,
            applications=[app],
            procedure=Procedure.EXIT,
        )
    with pytest.raises(
        ValidationError, match="申请是「脱贫退出」，不能列入第一次公示"
    ):  # never on identification's lists
        services.publicity_open(
            user=users["village_a"], region=village(), round=Round.FIRST, applications=[app]
        )
    listing = exit_list(app, users)
    period_passes(listing)
    services.publicity_close(user=users["village_a"], publicity=listing)
    with pytest.raises(PermissionDenied):
        services.application_review(user=users["village_a"], application=app, passed=True)
    with pytest.raises(ValidationError, match="没有「县级审批」"):
        services.application_approve(user=users["county"], application=app, passed=True)
    services.application_review(user=users["town_a"], application=app, passed=True)
    with pytest.raises(PermissionDenied):
        announce([app], {"county": users["town_a"]})
    with pytest.raises(ValidationError, match="不能列入公告"):  # an identification 公告 does not take an exit
        announce([app], users, procedure=Procedure.IDENTIFICATION)


def test_only_households_in_the_registry_may_be_proposed_and_one_application_at_a_time(
    in_registry, register, users
):
    for wrong in ("unidentified", "exited"):
        h = register(status=wrong, **({"identified_year": 2014} if wrong == "exited" else {}))
        with pytest.raises(ValidationError, match="只有「在册」或「返贫」的贫困户可以提出脱贫退出"):
            propose(users, h)
    h = in_registry()
    with pytest.raises(ValidationError, match="只有「已脱贫」的农户可以提出返贫"):
        propose(users, h, kind=RETURN, reason="因病")
    propose(users, h)
    with pytest.raises(ValidationError, match="已有正在办理"):
        propose(users, h)
    assert Application.objects.filter(household=h).count() == 1


def test_a_household_that_does_not_agree_is_not_exited(in_registry, users):
    app = propose(users, in_registry())
    services.application_deliberate(
        user=users["village_a"], application=app, meeting_on=timezone.localdate(), attendance=30,
        votes_for=26, votes_against=2,
    )  # fmt: skip
    services.application_verify(user=users["village_a"], application=app, passed=True, findings="属实")
    with pytest.raises(ValidationError, match="必须填写理由"):
        services.application_consent(user=users["village_a"], application=app, agreed=False)
    services.application_consent(
        user=users["village_a"], application=app, agreed=False, note="户主认为收入不稳定"
    )
    assert stage(app) == Stage.REJECTED and status(app.household) == "registered"


def test_an_open_objection_holds_the_exit_and_is_refused_until_decided(in_registry, users):
    h = in_registry()
    app = propose(users, h)
    village_steps(app, users)
    listing = exit_list(app, users)
    objection = services.objection_file(
        user=None, entry=listing.entries.get(), text="他家收入是借来的钱", ip="10.0.0.9"
    )
    period_passes(listing)
    assert services.publicity_close(user=users["village_a"], publicity=listing) == []  # held
    with pytest.raises(ValidationError, match="该户有 1 条异议尚未处理，处理完毕前不能退出"):
        services.application_review(user=users["town_a"], application=app, passed=True)
    services.objection_resolve(
        user=users["town_a"], objection=objection, upheld=False, reason="经核实为务工工资"
    )
    assert stage(app) == Stage.TOWNSHIP_REVIEW
    services.application_review(user=users["town_a"], application=app, passed=True)
    announce([app], users)
    assert status(h) == "exited"


def test_an_open_objection_refuses_the_announcement(in_registry, users):
    """However an objection is left open against the household, the 公告 does not 销号 it."""
    h = in_registry()
    app = propose(users, h)
    to_announcement(app, users)
    entry = app.entries.get()
    entry.objections.create(
        region_id=VILLAGE_A, reference="YYTEST0001", source="staff", text="收入不实，请复核"
    )
    with pytest.raises(ValidationError, match="异议尚未处理"):
        announce([app], users)
    assert status(h) == "registered" and stage(app) == Stage.COUNTY_APPROVED


def test_an_upheld_objection_sends_the_exit_back_to_verification(in_registry, users):
    app = propose(users, in_registry())
    village_steps(app, users)
    listing = exit_list(app, users)
    objection = services.objection_file(
        user=None, entry=listing.entries.get(), text="家里还有危房没有改造", ip="10.0.0.9"
    )
    services.objection_resolve(
        user=users["town_a"], objection=objection, upheld=True, reason="需重新核实住房"
    )
    assert stage(app) == Stage.EXIT_DELIBERATED  # 待核实（退出）
    assert objection.__class__.objects.get(pk=objection.pk).status == ObjectionStatus.UPHELD


def test_a_member_waiting_in_a_transfer_refuses_the_exit(in_registry, users, county_b):
    h = in_registry()
    app = propose(users, h)
    to_announcement(app, users)
    spouse = h.members.get(relationship="spouse")
    transfer = mc.transfer_request(
        user=users["county"], household=h, members=[spouse], to_county=COUNTY_B, reason="婚迁"
    )
    with pytest.raises(ValidationError, match="吴秀英") as refused:
        announce([app], users)
    assert "迁往麻江县的迁移申请尚未办结" in str(refused.value)
    assert status(h) == "registered"
    mc.transfer_cancel(user=users["county"], transfer=transfer, reason="暂不迁移")
    announce([app], users)
    assert status(h) == "exited"
    other = in_registry()
    mc.transfer_request(
        user=users["county"], household=other, members=[other.members.get(relationship="spouse")],
        to_county=COUNTY_B, reason="婚迁",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="人口变动办结前不能退出"):
        propose(users, other)


def test_an_exit_the_rule_does_not_support_needs_the_countys_reason(in_registry, users):
    h = in_registry(wage="7999.98", house_grade="C")  # 3999.99 per person: one fen below, and a C-grade house
    app = propose(users, h)
    to_announcement(app, users)
    with pytest.raises(ValidationError) as refused:
        announce([app], users)
    text = " ".join(refused.value.messages)
    assert (
        "按规则不支持退出" in text
        and "3999.99" in text
        and "C 级危房" in text
        and "须先由县级填写审定理由" in text
    )
    with pytest.raises(ValidationError, match="请填写审定理由"):
        services.exit_override(user=users["county"], application=app, reason=" ")
    with pytest.raises(PermissionDenied):
        services.exit_override(user=users["town_a"], application=app, reason="乡镇说可以")
    step = services.exit_override(
        user=users["county"], application=app, reason="危房已于 12 月改造完成，待更新记录"
    )
    assert step.details["override"].startswith("危房已于") and any(
        "C 级危房" in r for r in step.details["reasons"]
    )
    assert stage(app) == Stage.COUNTY_APPROVED
    announce([app], users)
    assert status(h) == "exited"


def test_no_override_for_an_exit_the_rule_supports_nor_before_the_townships_review(in_registry, users):
    app = propose(users, in_registry())
    with pytest.raises(ValidationError, match="不能办理"):
        services.exit_override(user=users["county"], application=app, reason="提前审定")
    to_announcement(app, users)
    with pytest.raises(ValidationError, match="无需县级审定"):
        services.exit_override(user=users["county"], application=app, reason="多余")


def test_an_exited_household_falls_back_through_the_return_procedure(register, line_2026, users):
    h = register(status="exited", identified_year=2014, exit_year=2019)
    with pytest.raises(ValidationError, match="请写明返贫原因"):
        propose(users, h, kind=RETURN)
    app = propose(users, h, kind=RETURN, reason="户主突发重病，医疗支出大")
    assert stage(app) == Stage.APPLIED
    with pytest.raises(ValidationError, match="没有「民主评议」"):
        services.application_deliberate(
            user=users["village_a"], application=app, meeting_on=timezone.localdate(), attendance=30,
            votes_for=26, votes_against=2,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="请填写入户核实情况"):
        services.application_verify(user=users["village_a"], application=app, passed=True, findings="")
    services.application_verify(
        user=users["village_a"], application=app, passed=True, findings="住院花费 6 万元"
    )
    assert stage(app) == Stage.TOWNSHIP_REVIEW
    with pytest.raises(PermissionDenied):
        services.application_review(user=users["county"], application=app, passed=True)
    services.application_review(user=users["town_a"], application=app, passed=True)
    assert stage(app) == Stage.COUNTY_APPROVED
    with pytest.raises(ValidationError, match="申请是「返贫」，不能列入脱贫户公告"):  # not on an exit's 公告
        announce([app], users)
    notice = announce([app], users, procedure=Procedure.RETURN)
    assert notice.title == "返贫户公告"
    h.refresh_from_db()
    assert h.status == "returned" and h.exit_year == 2019  # the earlier exit stays on the record
    change = StatusChange.objects.filter(household=h).latest("id")
    assert (change.to_status, change.source, change.business_year) == ("returned", "return", 2026)
    assert "户主突发重病" in Step.objects.get(application=app, kind="apply").note
    propose(users, h)  # a returned household may exit again


def test_open_exits_and_returns_hold_the_year_apart(in_registry, register, users):
    propose(users, in_registry())
    propose(users, in_registry())
    propose(users, register(status="exited", identified_year=2014), kind=RETURN, reason="因灾")
    items = {i.label: i for i in open_in_year(county=COUNTY, year=2026)}
    assert items["未办结的退出申请"].per_village == {VILLAGE_A: 2}
    assert items["未办结的返贫申请"].per_village == {VILLAGE_A: 1}
    assert items["未办结的识别申请"].total == 0
    assert items["未办结的退出申请"].url.endswith("?kind=exit")


def test_identification_lists_stay_as_they_were(applicant, users):
    """纳入 still goes through 两公示一公告 on lists of its own procedure."""
    app = services.application_create(user=users["village_a"], household=applicant(), year=2026)
    assert stage(app) == Stage.APPLIED and app.kind == "include"
    services.application_verify(user=users["village_a"], application=app, passed=True, findings="属实")
    services.application_deliberate(
        user=users["village_a"], application=app, meeting_on=timezone.localdate() - dt.timedelta(days=1),
        attendance=30, votes_for=26, votes_against=2,
    )  # fmt: skip
    listing = services.publicity_open(
        user=users["village_a"], region=village(), round=Round.FIRST, applications=[app]
    )
    assert listing.procedure == "identification" and listing.title == "第一次公示"
    with pytest.raises(
        ValidationError, match="申请是「纳入」，不能列入拟脱贫户公示"
    ):  # nor on an exit's list
        exit_list(app, users)


def test_pages_offer_the_exit_to_the_village_and_the_override_to_the_county(client, in_registry, users):
    from tests.conftest import PASSWORD

    h = in_registry(wage="7000")  # 3500 per person: below the line
    client.login(username="village_a", password=PASSWORD)
    card = client.get(f"/households/{h.pk}/").content.decode()
    assert "提出脱贫退出" in card and "未达到脱贫退出标准" in card and "提出返贫" not in card
    page = client.post(f"/identification/exit/{h.pk}/", {"year": 2026, "reason": "务工"}, follow=True)
    app = Application.objects.get(household=h)
    assert (
        app.kind == "exit" and "脱贫退出申请" in page.content.decode() and "民主评议" in page.content.decode()
    )
    to_announcement(app, users)
    client.login(username="county", password=PASSWORD)
    page = client.get(f"/identification/{app.pk}/").content.decode()
    assert 'id="override-form"' in page and "低于扶贫标准 4000.00 元" in page
    client.post(f"/identification/{app.pk}/override/", {"override": "年底分红到账后达标"})
    assert Step.objects.filter(application=app, kind="override").exists()
    page = client.get(f"/identification/publicity/new/?procedure=exit&village={VILLAGE_A}").content.decode()
    assert "发起脱贫户公告" in page and h.head_name in page
    client.post(
        "/identification/publicity/new/",
        {"procedure": "exit", "village": VILLAGE_A, "applications": [app.pk]},
    )
    assert status(h) == "exited"
    listing = client.get("/identification/publicity/").content.decode()
    assert "脱贫户公告" in listing and "拟脱贫户公示" in listing


def test_the_portal_shows_exit_lists_beside_entry_lists_told_apart(client, in_registry, applicant, users):
    entry = services.application_create(
        user=users["village_a"], household=applicant(head="张纳入"), year=2026
    )
    services.application_verify(user=users["village_a"], application=entry, passed=True, findings="属实")
    services.application_deliberate(
        user=users["village_a"], application=entry, meeting_on=timezone.localdate(), attendance=30,
        votes_for=26, votes_against=2,
    )  # fmt: skip
    services.publicity_open(
        user=users["village_a"], region=village(), round=Round.FIRST, applications=[entry]
    )
    h = in_registry()
    app = propose(users, h)
    village_steps(app, users)
    listing = exit_list(app, users)

    page = client.get(f"/public/r/{VILLAGE_A}/").content.decode()
    assert "2026 年度第一次公示" in page and "2026 年度拟脱贫户公示" in page
    assert 'class="list-exit"' in page and 'class="badge exit">脱贫退出<' in page
    page = client.get(f"/public/p/{listing.pk}/").content.decode()
    assert "拟脱贫户公示" in page and "以下农户拟脱贫退出" in page and ">拟脱贫<" in page
    assert 'id="objection-form"' in page  # objections as on any 公示
    assert "扶贫对象第一次公示" not in page and h.head_name in page

    period_passes(listing)
    services.publicity_close(user=users["village_a"], publicity=listing)
    services.application_review(user=users["town_a"], application=app, passed=True)
    notice = announce([app], users)
    page = client.get(f"/public/p/{notice.pk}/").content.decode()
    assert "脱贫户公告" in page and "脱贫退出（销号），特此公告" in page and 'id="objection-form"' not in page


def test_the_exit_through_the_api(in_registry, users):
    from rest_framework.test import APIClient

    def as_(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    h = in_registry(wage="7000")  # below the line: needs the county's 审定
    village_api, api = as_(users["village_a"]), "/api/v1/identification"
    made = village_api.post(
        f"{api}/applications/", {"household": h.pk, "year": 2026, "kind": "exit"}, format="json"
    )
    assert made.status_code == 201, made.content
    app = Application.objects.get(pk=made.json()["id"])
    services.application_deliberate(
        user=users["village_a"], application=app, meeting_on=timezone.localdate(), attendance=30,
        votes_for=26, votes_against=2,
    )  # fmt: skip
    services.application_verify(user=users["village_a"], application=app, passed=True, findings="属实")
    answer = village_api.post(
        f"{api}/applications/{app.pk}/consent/", {"agreed": True, "note": "认可"}, format="json"
    )
    assert answer.status_code == 200 and stage(app) == Stage.EXIT_CONSENTED
    opened = village_api.post(
        f"{api}/publicities/", {"region": VILLAGE_A, "round": "first", "procedure": "exit", "applications": [app.pk]},
        format="json",
    )  # fmt: skip
    assert opened.status_code == 201 and opened.json()["title"] == "拟脱贫户公示"
    listing = Publicity.objects.get(pk=opened.json()["id"])
    period_passes(listing)
    services.publicity_close(user=users["village_a"], publicity=listing)
    services.application_review(user=users["town_a"], application=app, passed=True)
    county = as_(users["county"])
    notice = {"region": VILLAGE_A, "round": "announcement", "procedure": "exit", "applications": [app.pk]}
    refused = county.post(f"{api}/publicities/", notice, format="json")
    assert refused.status_code == 400 and "须先由县级填写审定理由" in refused.content.decode()
    assert (
        county.post(
            f"{api}/applications/{app.pk}/override/", {"reason": "分红到账"}, format="json"
        ).status_code
        == 200
    )
    assert county.post(f"{api}/publicities/", notice, format="json").status_code == 201
    assert status(h) == "exited"


def test_the_township_records_the_households_consent_by_proxy_with_the_signed_paper(
    client, in_registry, users
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jingzhun.regions.choices import RegionLevel

    app = propose(users, in_registry())
    services.application_deliberate(
        user=users["village_a"], application=app, meeting_on=timezone.localdate(), attendance=30,
        votes_for=26, votes_against=2,
    )  # fmt: skip
    services.application_verify(user=users["village_a"], application=app, passed=True, findings="属实")
    client.force_login(users["town_a"])
    page = client.get(f"/identification/{app.pk}/").content.decode()
    assert "农户认可" in page and 'id="on-behalf"' in page
    scan = SimpleUploadedFile(
        "认可书.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )
    client.post(
        f"/identification/{app.pk}/consent/",
        {"on": timezone.localdate().isoformat(), "passed": "1", "note": "户主签字", "proxy_scan": scan},
    )
    step = Step.objects.get(application=app, kind="consent")
    assert step.on_behalf_of == RegionLevel.VILLAGE and step.proxy_scan and step.details == {"agreed": True}
    assert stage(app) == Stage.EXIT_CONSENTED
