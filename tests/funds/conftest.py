"""Fixtures of 扶贫资金: finance users of the county, a central fund passed down nation → province → city →
county and arrived there, a project of 村 A, and a registered household with its 一卡通 account."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.core.uploads import tiny_pdf
from jingzhun.funds import services
from jingzhun.projects.models import Project
from jingzhun.regions.models import Region
from jingzhun.registry.services import household_bank_account_set
from tests.conftest import COUNTY, VILLAGE_A, make_user

YEAR = timezone.localdate().year
ACCOUNT = "6217002870012345678"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # receipts of 报账 stay in the test's folder


def receipt(name: str = "发票.pdf") -> dict:
    """The receipts of a 报账 payment (required by default): one small valid PDF and what it is."""
    return {"receipts": [SimpleUploadedFile(name, tiny_pdf("invoice"))], "receipts_note": "工程款发票一张"}


@pytest.fixture
def finance(regions):
    return make_user("finance", Role.FINANCE, regions[COUNTY])


@pytest.fixture
def chain(users, regions):
    """A central fund of 10,000,000 元: 4,000,000 to 贵州, 1,000,000 of it to 黔东南州, 600,000 of that to 雷山县,
    arrived at the county."""
    admin = users["national"]
    fund = services.fund_register(
        user=admin, source="central", year=YEAR, document_number="财农〔2026〕1号", title="中央衔接资金",
        amount="10000000",
    )  # fmt: skip
    (province,) = services.allocations_fix(
        user=admin, holder=fund, amounts={"520000000000": "4000000"}, document_number="财农〔2026〕1号"
    )
    (city,) = services.allocations_fix(
        user=admin, holder=province, amounts={"522600000000": "1000000"}, document_number="黔财农〔2026〕3号"
    )
    (county,) = services.allocations_fix(
        user=admin, holder=city, amounts={COUNTY: "600000"}, document_number="州财农〔2026〕5号"
    )
    services.allocation_arrive(user=admin, allocation=county, arrived_on=dt.date(YEAR, 1, 1))
    county.refresh_from_db()
    return {"fund": fund, "province": province, "city": city, "county": county}


@pytest.fixture
def project(regions):
    return Project.objects.create(
        region=Region.objects.get(code=VILLAGE_A), year=YEAR, name="村集体茶叶加工厂", category="industry",
        budget=Decimal("200000"), stage="implementing",
    )  # fmt: skip


@pytest.fixture
def paid_household(register, users):
    h = register()
    household_bank_account_set(
        user=users["national"], household=h, bank_name="雷山县农村信用社", bank_account=ACCOUNT
    )
    h.refresh_from_db()
    h.head_id = h.members.get(relationship="head").id_number
    return h
