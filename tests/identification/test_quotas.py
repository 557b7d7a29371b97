"""规模控制: quotas entered at the top, split level by level within the margins, shown against approvals, and a
county override with a reason to approve beyond its quota."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.identification import quotas, services
from jingzhun.identification.models import Quota, Step
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, make_user

from .conftest import to_county_approval

PROVINCE, PREFECTURE = "520000000000", "522600000000"


@pytest.fixture
def split(users):
    """全国 1,000 → 贵州 1,100 (the national 10 % margin) → 黔东南 1,100 → 雷山县 2 persons."""
    region = Region.objects.get
    quotas.quota_set(user=users["national"], year=2026, persons=1000)
    quotas.quota_set(user=users["national"], year=2026, persons=1100, region=region(code=PROVINCE))
    province_admin = make_user("gz", "admin", region(code=PROVINCE))
    quotas.quota_set(user=province_admin, year=2026, persons=1100, region=region(code=PREFECTURE))
    prefecture = make_user("qdn", "operator", region(code=PREFECTURE))
    quotas.quota_set(user=prefecture, year=2026, persons=2, region=region(code=COUNTY))
    return {"province": province_admin, "prefecture": prefecture}


def test_split_stays_within_the_margins(users, split):
    region = Region.objects.get
    with pytest.raises(ValidationError, match="上浮 10% 后的上限 1,100 人"):
        quotas.quota_set(user=users["national"], year=2026, persons=1101, region=region(code=PROVINCE))
    with pytest.raises(
        ValidationError, match="上浮 0% 后的上限 1,100 人"
    ):  # below a province: no margin by default
        quotas.quota_set(user=split["province"], year=2026, persons=1101, region=region(code=PREFECTURE))
    with pytest.raises(PermissionDenied, match="应由其上级设定"):
        quotas.quota_set(user=users["county"], year=2026, persons=5, region=region(code=COUNTY))
    with pytest.raises(ValidationError, match="分解到县为止"):
        quotas.quota_set(user=users["county"], year=2026, persons=5, region=region(code="522634100000"))
    assert Quota.objects.get(region_id=PROVINCE).persons == 1100


def test_approving_beyond_the_quota_needs_an_override(applicant, users, split, client):
    first = services.application_create(user=users["village_a"], household=applicant(head="甲"), year=2026)
    second = services.application_create(user=users["village_a"], household=applicant(head="乙"), year=2026)
    for app in (first, second):
        to_county_approval(app, users)
    services.application_approve(user=users["county"], application=first, passed=True)  # 2 of 2 persons
    with pytest.raises(ValidationError, match="已审批 2 人，再纳入该户 2 人将超出规模"):
        services.application_approve(user=users["county"], application=second, passed=True)
    assert not Step.objects.filter(application=second, kind="county_approval").exists()
    services.application_approve(
        user=users["county"], application=second, passed=True, override="因灾新增，报州同意"
    )
    step = Step.objects.get(application=second, kind="county_approval")
    assert step.details["quota_override"] == "因灾新增，报州同意"

    client.force_login(split["prefecture"])
    page = client.get("/identification/quotas/?year=2026").content.decode()
    assert "雷山县" in page and "200%" in page  # 4 persons approved against a quota of 2
