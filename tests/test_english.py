"""English mode: the catalogue is complete (no empty, no fuzzy entry) and the main pages, walked in English,
show no Chinese except the data (region names, people's names and other values that live in the database).

When the walk fails, its message lists each page with the Chinese snippets left on it: wrap them in
{% translate %} / gettext (with placeholders rather than concatenation), run ``makemessages -l en``, translate
the new entries in locale/en/LC_MESSAGES/django.po and ``compilemessages``.
"""

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.analytics.models import RuralPopulation
from jingzhun.analytics.services import rollup_refresh
from jingzhun.assessment import services as assessment
from jingzhun.assessment.services import FINDING_COLUMNS
from jingzhun.assistance import plans
from jingzhun.assistance import services as assistance
from jingzhun.core.models import AuditLog
from jingzhun.funds import services as funds
from jingzhun.identification import campaigns
from jingzhun.identification import services as identification
from jingzhun.identification.models import Objection
from jingzhun.monitoring import services as monitoring
from jingzhun.projects import services as projects
from jingzhun.projects.models import LibraryRevision, LibraryRevisionItem
from jingzhun.quality import services as quality
from jingzhun.regions.models import Region
from jingzhun.registry import yearcycle
from tests.analytics.conftest import YEAR as ANALYTICS_YEAR
from tests.analytics.conftest import small_registry  # noqa: F401 (a fixture)
from tests.conftest import COUNTY, VILLAGE_A, VILLAGE_B, make_user, member, new_id, year
from tests.monitoring import conftest as monitoring_fixtures
from tests.projects.conftest import draft_of

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"

# Chinese that belongs on an English page: the switch back to Chinese names its language in Chinese, and the
# columns a file must literally have (a department list, a list of findings: the files are Chinese) are quoted
# as they are written.
ALLOWED = tuple(sorted(("中文", "公民身份号码", *FINDING_COLUMNS), key=len, reverse=True))  # longest first


def po_entries(text: str):
    """(msgid, msgstrs, flags) of each live entry of a .po file; enough of the format for this check."""
    entries = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid") for line in lines):
            continue
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        entries.append(
            (fields.get("msgid", ""), [v for k, v in fields.items() if k.startswith("msgstr")], flags)
        )
    return entries


def test_the_english_catalogue_has_no_empty_and_no_fuzzy_entry():
    entries = po_entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 1000
    header = [e for e in entries if e[0] == ""]
    assert len(header) == 1
    empty = [msgid for msgid, msgstrs, _ in entries if msgid and not all(msgstrs)]
    fuzzy = [msgid for msgid, _, flags in entries if msgid and "fuzzy" in flags]
    assert not empty, f"{len(empty)} entries without a translation: {empty[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (check, correct, remove the flag): {fuzzy[:20]}"
    chinese = [msgid for msgid, msgstrs, _ in entries if msgid and any(HAN.search(s) for s in msgstrs)]
    chinese = [m for m in chinese if not any(a in m for a in ALLOWED)]
    assert not chinese, f"translations still in Chinese: {chinese[:20]}"


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside <script>/<style>/<template>, and the attributes shown
    on screen (placeholders, titles, alternative texts, labels of buttons)."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
            return
        attrs = dict(attrs)
        for name in ("placeholder", "title", "alt", "aria-label"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


# Tables whose text is not the users' data: permission names are model names (interface). The audit trail is
# data: what it recorded (objects' descriptions, changes) stays as it was written, in the language of the time.
FRAMEWORK_APPS = {"auth", "contenttypes", "sessions", "admin"}


def json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from json_strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from json_strings(v)


def data_strings() -> list[str]:
    """Every text value with Chinese in the database (names of regions, people, units; reasons, notes...):
    data, not interface. Longest first, so that a name is removed before any shorter name inside it."""
    found = set()
    for model in apps.get_models():
        if model._meta.app_label in FRAMEWORK_APPS:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            for value in row:
                if isinstance(value, str) and HAN.search(value):
                    found.add(value.strip())
    for changes in AuditLog.objects.values_list("changes", flat=True):
        found.update(v.strip() for v in json_strings(changes) if HAN.search(v))
    return sorted((s for s in found if s), key=len, reverse=True)


def chinese_left(text: str, data: list[str]) -> list[str]:
    for value in (*data, *ALLOWED):
        text = text.replace(value, " ")
    snippets = []
    for line in text.splitlines():
        if CJK.search(line) and HAN.search(line):
            snippets.append(re.sub(r"\s+", " ", line).strip()[:120])
    return sorted(set(snippets))


@pytest.fixture
def world(register, users, regions):
    """A county with something on every page: registered and applying households, a cadre with a plan,
    measures and a visit, a running 公示 with an objection, an open yearly adjustment."""
    from jingzhun.assistance.models import HelpingUnit

    county = Region.objects.get(code=COUNTY)
    village = Region.objects.get(code=VILLAGE_A)
    this_year = timezone.localdate().year
    poor = register(
        identified_year=2014,
        main_cause="illness",
        other_causes=["lack_capital"],
        members=[
            member(name="杨老汉", labour="lost", health="serious"),
            member("spouse", name="吴秀英", id_number=new_id(male=False)),
            member("daughter", name="杨小妹", id_number=new_id(birth=dt.date(2012, 3, 1), male=False)),
        ],
        years=[year(year=this_year - 1), year(year=this_year)],
    )
    register(status="exited", identified_year=2014, members=[member(name="龙已脱")])
    unit = assistance.unit_create(user=None, name="县卫健局", unit_type="health", level=3, region=county)
    assert isinstance(unit, HelpingUnit)
    cadre = assistance.cadre_create(
        user=None, name="王医生", unit=unit, region=Region.objects.get(code="522634100000"), skills=["health"]
    )
    assistance.household_pair(user=None, household=poor, cadre=cadre)
    plan = plans.plan_create(user=None, household=poor, year=this_year, goal="医疗费用有保障")
    plans.measure_add(
        user=None,
        plan=plan,
        category="health",
        item="medical_aid",
        responsible="县医保局",
        planned_amount=500,
    )
    plans.visit_record(
        user=None, household=poor, cadre=cadre, visited_on=timezone.localdate(), content="了解病情和用药"
    )
    assistance.village_pair(user=None, village=village, unit=unit, form="fixed")

    identification.poverty_line_set(user=None, year=this_year, amount=4000, source="测试用")
    applying = register(
        status="unidentified",
        members=[member(name="王老实"), member("spouse", name="李桂花", id_number=new_id(male=False))],
        years=[year(year=this_year, wage="1000", business="0", business_expense="0", transfer_dibao="0")],
    )
    app = identification.application_create(
        user=users["village_a"], household=applying, year=this_year, reason="因病致贫"
    )
    identification.application_verify(
        user=users["village_a"], application=app, passed=True, findings="收入属实"
    )
    identification.application_deliberate(
        user=users["village_a"], application=app, meeting_on=timezone.localdate(), attendance=30,
        votes_for=25, votes_against=3,
    )  # fmt: skip
    publicity = identification.publicity_open(
        user=users["village_a"], region=village, round="first", applications=[app]
    )
    objection = identification.objection_file(
        user=None, entry=publicity.entries.get(), text="家里有小轿车不符合条件", name="张三"
    )
    yearcycle.year_open(user=users["county"], county=county, year=this_year)
    unidentified = register(status="unidentified", members=[member(name="石未识")])
    monitoring.monitoring_line_set(user=None, year=this_year, amount=6000, source="测试用")
    at_risk = register(status="exited", identified_year=2014, members=[member(name="潘返险")])
    case = monitoring_fixtures.deliberated(monitoring_fixtures.accepted(at_risk, users), users)
    clue = monitoring.clue_report(
        user=None,
        village=village,
        name="龙自报",
        id_number=new_id(),
        text="家里遭了水灾，房子受损",
        risk_types=["disaster"],
    )
    campaign = campaigns.campaign_open(
        user=users["county"], county=county, title="回头看测试", year=this_year, mode="all"
    )
    # projects, funds, assessment and quality: a project in the library's procedure, a central fund passed down
    # to the county, a finding to rectify and a quality run of the county
    project = draft_of(users["village_a"], households=[poor])
    fund = funds.fund_register(
        user=users["national"], source="central", year=this_year, document_number="财农〔2026〕1号",
        title="中央衔接资金", amount="1000000",
    )  # fmt: skip
    (allocation,) = funds.allocations_fix(
        user=users["national"],
        holder=fund,
        amounts={"520000000000": "400000"},
        document_number="财农〔2026〕1号",
    )
    batch = _paid_batch(users["national"], allocation, poor, this_year)
    finding = assessment.finding_raise(
        user=users["county"], region=village, source="hotline", title="12317 反映低保未落实",
        responsible_unit="民政局", deadline=timezone.localdate() + dt.timedelta(days=10),
    )  # fmt: skip
    run = quality.quality_check(user=users["county"], region=county, year=this_year)
    exit_notice = _county_exit(county, this_year)
    # 项目库年度调整: the county's revision of its library, published on the portal
    revision = LibraryRevision.objects.create(county=county, year=this_year)
    LibraryRevisionItem.objects.create(
        revision=revision, project=project, proposed="carry", decision="withdraw", reason="选址变更"
    )
    revision_notice = projects.revision_publish(user=users["county"], revision=revision)
    return {
        "revision": revision,
        "revision_notice": revision_notice,
        "project": project,
        "fund": fund,
        "allocation": allocation,
        "finding": finding,
        "run": run,
        "case": case,
        "clue": clue,
        "unidentified": unidentified,
        "campaign": campaign,
        "check": campaign.checks.filter(region_id=VILLAGE_A).first(),
        "household": poor,
        "application": app,
        "publicity": publicity,
        "objection": objection,
        "year": this_year,
        "exit_notice": exit_notice,
        "batch": batch,
    }


def _paid_batch(admin, province_allocation, household, year):
    """The money down to the county, one 一卡通 subsidy to the household, approved, sent to the bank in a batch
    and returned paid: the batch page with its payments, its return and its notices to publish."""
    from jingzhun.registry.services import household_bank_account_set

    (city,) = funds.allocations_fix(
        user=admin,
        holder=province_allocation,
        amounts={"522600000000": "200000"},
        document_number="黔财农〔2026〕3号",
    )
    (county,) = funds.allocations_fix(
        user=admin, holder=city, amounts={COUNTY: "100000"}, document_number="州财农〔2026〕5号"
    )
    funds.allocation_arrive(user=admin, allocation=county, arrived_on=dt.date(year, 1, 1))
    household_bank_account_set(
        user=admin, household=household, bank_name="雷山县农村信用社", bank_account="6217002870012345678"
    )
    head = household.members.get(relationship="head")
    payment = funds.household_payment_create(
        user=admin, allocation=county, id_number=head.id_number, amount="1200", purpose="产业奖补"
    )
    funds.payments_approve(user=admin, payments=[payment])
    batch = funds.batch_create(user=admin, county=county.region)
    payment.refresh_from_db()
    funds.batch_return(
        user=admin, batch=batch, rows=[["流水号", "结果", "银行流水号", "支付日期"],
                                       [payment.reference, "成功", "B1", f"{year}-05-01"]],
    )  # fmt: skip
    return batch


def _county_exit(county, year):
    """The county's exit on its 省级公示 with an objection, and drawn in the national check, failed."""
    from jingzhun.assessment.models import CountyExitStep, ExitNotice, ExitObjection, NationalCheck

    step = CountyExitStep.objects.create(county=county, year=year, kind="publicity", level=1)
    figures = [
        {"key": k, "threshold": t, "below": b, "value": 1.0, "low": 0.5, "high": 1.5, "passed": True}
        for k, t, b in (("incidence", 2, True), ("wrong_exit", 2, True), ("missed", 2, True), ("satisfaction", 90, False))
    ]  # fmt: skip
    today = timezone.localdate()
    notice = ExitNotice.objects.create(region=county, year=year, step=step, starts_on=today, last_day=today,
                                       facts={"name": county.name, "figures": figures})  # fmt: skip
    ExitObjection.objects.create(
        notice=notice, region=county, reference="TCEN0001", source="public", text="异议内容"
    )
    NationalCheck.objects.create(county=county, year=year, seed=1, stratum="520000000000", frame=1, drawn=1,
                                 weight=1, result="failed", findings="错退 3 户", reason="错退率超标",
                                 figures={"wrong_exit": 7.5})  # fmt: skip
    return notice


def pages(world) -> list[tuple[str, str]]:
    """(user, url) of the walk: each page as the user who works on it."""
    h = world["household"].pk
    y = world["year"]
    return [
        ("county", "/"),
        ("village_a", "/"),
        ("town_a", "/"),
        ("county", "/households/"),
        ("village_a", "/households/"),
        ("county", f"/households/?year={y}&status=registered"),
        ("county", f"/households/{h}/"),
        ("village_a", f"/households/{h}/edit/"),
        ("village_a", "/households/new/"),
        *[
            ("county" if change == "transfer" else "village_a", f"/households/{h}/members/{change}/")
            for change in (
                "birth",
                "death",
                "marry_in",
                "marry_out",
                "head",
                "move",
                "split",
                "merge",
                "transfer",
            )
        ],
        ("village_a", f"/identification/exit/{h}/"),
        ("village_a", f"/identification/apply/{world['unidentified'].pk}/"),
        ("county", "/households/transfers/"),
        ("county", "/households/split-reviews/"),
        ("county", "/regions/"),
        ("county", f"/regions/{COUNTY}/"),
        ("county", f"/regions/{VILLAGE_A}/"),
        ("county", "/identification/"),
        ("county", f"/identification/{world['application'].pk}/"),
        ("county", "/identification/publicity/"),
        ("village_a", "/identification/publicity/new/"),
        ("county", f"/identification/publicity/{world['publicity'].pk}/"),
        ("town_a", "/identification/objections/"),
        ("county", "/identification/overdue/"),
        ("county", "/identification/policy/"),
        ("county", "/identification/crosscheck/"),
        ("county", "/identification/quotas/"),
        ("county", "/identification/campaigns/"),
        ("county", f"/identification/campaigns/{world['campaign'].pk}/"),
        ("village_a", f"/identification/campaigns/checks/{world['check'].pk}/"),
        ("village_a", f"/identification/publicity/new/?village={VILLAGE_A}"),
        ("security", "/accounts/users/"),
        ("security", "/accounts/users/new/"),
        ("auditor", "/accounts/audit/"),
        ("county", "/identification/villages/"),
        ("county", f"/identification/villages/{COUNTY}/"),
        ("county", f"/identification/village/{VILLAGE_A}/"),
        ("county", "/identification/policy/villages/"),
        ("county", "/assistance/"),
        ("village_a", f"/assistance/households/{h}/"),
        ("county", f"/assistance/equity/?region={COUNTY}&year={y}"),
        ("county", "/assistance/visits/"),
        ("county", f"/assistance/villages/{VILLAGE_A}/"),
        ("county", "/assistance/matching/"),
        ("county", "/imports/"),
        ("county", "/analytics/"),
        ("county", "/reports/"),
        ("county", f"/years/{COUNTY}/{y}/"),
        ("county", "/monitoring/"),
        ("town_a", "/monitoring/clues/"),
        ("town_a", f"/monitoring/clues/{world['clue'].pk}/"),
        ("county", "/monitoring/cases/"),
        ("county", f"/monitoring/cases/{world['case'].pk}/"),
        ("village_a", f"/monitoring/cases/{world['case'].pk}/"),
        ("village_a", "/monitoring/publicity/new/"),
        ("village_a", f"/monitoring/households/{world['household'].pk}/clue/"),
        ("county", "/monitoring/screening/"),
        ("county", "/monitoring/policy/"),
        ("county", "/monitoring/warning/"),
        (None, "/public/monitoring/"),
        (None, "/public/monitoring/status/"),
        (None, f"/public/monitoring/status/{world['clue'].reference}/"),
        (None, f"/public/p/{world['publicity'].pk}/print/"),
        ("county", "/projects/"),
        ("county", f"/projects/{world['project'].pk}/"),
        ("village_a", f"/projects/{world['project'].pk}/"),
        ("village_a", "/projects/new/"),
        ("county", "/projects/assets/"),
        ("county", "/projects/revisions/"),
        ("county", f"/projects/revisions/{world['revision'].pk}/"),
        (None, f"/public/project/{world['revision_notice'].pk}/"),
        ("finance", "/funds/"),
        ("finance", "/funds/funds/"),
        ("national", f"/funds/funds/{world['fund'].pk}/"),
        ("national", f"/funds/allocations/{world['allocation'].pk}/"),
        ("finance", "/funds/payments/"),
        ("finance", "/funds/idle/"),
        ("finance", "/funds/alerts/"),
        ("finance", "/funds/cadres/"),
        ("finance", "/funds/notices/"),
        ("finance", f"/funds/batches/{world['batch'].pk}/"),
        ("national", "/funds/policy/"),
        ("county", "/assessment/"),
        ("county", "/assessment/scores/"),
        ("county", f"/assessment/counties/{COUNTY}/{y}/"),
        ("county", f"/assessment/scores/{COUNTY}/years/"),
        ("county", "/assessment/poor-counties/"),
        ("national", f"/assessment/national-checks/?year={y}"),
        ("county", f"/assessment/national-checks/?year={y}"),
        (None, f"/public/county-exit/{world['exit_notice'].pk}/"),
        ("county", "/assessment/cadres/"),
        ("county", "/assessment/findings/"),
        ("county", f"/assessment/findings/{world['finding'].pk}/"),
        ("town_a", f"/assessment/findings/{world['finding'].pk}/"),
        ("county", "/quality/"),
        ("county", f"/quality/runs/{world['run'].pk}/rules/Q07/"),
        ("town_a", "/quality/"),
        ("security", "/regions/"),  # 403: the friendly page with the reason
        ("county", "/accounts/password/"),
        ("county", "/accounts/second-factor/"),
        ("county", "/no-such-page/"),
        (None, "/accounts/login/"),
        (None, "/public/"),
        (None, f"/public/r/{COUNTY}/"),
        (None, f"/public/r/{VILLAGE_A}/"),
        (None, f"/public/p/{world['publicity'].pk}/"),
        (None, "/public/objection/"),
        (None, f"/public/objection/{world['objection'].reference}/"),
    ]


# pages that answer with the friendly refusal (its reason, in English here)
REFUSED = {("county", "/no-such-page/"): 404, ("security", "/regions/"): 403}


def test_the_pages_in_english_show_no_chinese_but_the_data(client, users, regions, world):
    assert Objection.objects.exists()
    users = {
        **users,
        "security": make_user("security", Role.SECURITY, regions[COUNTY]),
        "auditor": make_user("auditor", Role.AUDITOR, regions[COUNTY]),
        "finance": make_user("finance", Role.FINANCE, regions[COUNTY]),
    }
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = data_strings()
    failures = []
    walked = 0
    for who, url in pages(world):
        client.logout()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        if who:
            client.force_login(users[who])
        response = client.get(url, follow=True)
        if (who, url) in REFUSED:
            assert response.status_code == REFUSED[who, url], f"{url} as {who}: {response.status_code}"
            if response.status_code == 403:  # the reason, in the reader's language, and a way back
                page = response.content.decode()
                assert "Your role does not view regions and records." in page and "Go to home page" in page
        else:
            assert response.status_code == 200, f"{url} as {who}: {response.status_code}"
        assert response.headers.get("Content-Language") == "en", url
        walked += 1
        left = chinese_left(visible_text(response.content.decode()), data)
        if left:
            failures.append(f"{url} (as {who or 'the public'}):\n    " + "\n    ".join(left))
    assert walked >= 40
    assert not failures, "Chinese left in English mode:\n" + "\n".join(failures)


def test_the_language_switch_sets_english(client, users):
    client.force_login(users["county"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    assert "Workbench" in response.content.decode()


@pytest.mark.usefixtures("small_registry")
def test_the_dashboard_in_english_shows_no_chinese_but_the_data(client, users, settings, tmp_path):
    """The statistics pages with figures rolled up (the walk above sees them empty)."""
    settings.SNAPSHOT_DIR = tmp_path
    for code, persons in ((VILLAGE_A, 40), (VILLAGE_B, 60)):
        RuralPopulation.objects.create(
            region=Region.objects.get(code=code), year=ANALYTICS_YEAR, persons=persons
        )
    rollup_refresh(year=ANALYTICS_YEAR)
    data = data_strings()
    failures = []
    for who, url in (
        ("county", "/analytics/"),
        ("county", f"/analytics/?region={VILLAGE_B}"),
        ("town_a", "/analytics/"),
        ("county", f"/regions/{COUNTY}/"),
    ):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(users[who])
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert 'id="no-figures"' not in page, url
        left = chinese_left(visible_text(page), data)
        if left:
            failures.append(f"{url} (as {who}):\n    " + "\n    ".join(left))
    assert not failures, "Chinese left in English mode:\n" + "\n".join(failures)
