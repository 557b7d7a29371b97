"""Who may act, decided in one place (accounts.permissions): roles × actions × levels as data, 代录 by the
township for a village with the paper scanned, the checked actor the audited one, and links shown only to those
who may use them."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.accounts import permissions
from jingzhun.accounts.choices import Role
from jingzhun.core.context import acting_as
from jingzhun.regions.choices import RegionLevel
from tests.conftest import COUNTY, VILLAGE_A, VILLAGE_B, make_user

SRC = Path(__file__).resolve().parents[2] / "src" / "jingzhun"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_every_role_names_only_known_actions_and_every_role_has_a_row():
    assert set(permissions.ROLE_ACTIONS) == set(Role.values)
    for role, actions in permissions.ROLE_ACTIONS.items():
        assert actions <= set(permissions.ACTIONS), role
    # the new roles are narrow: a department user uploads lists and reads nothing, an assessor sees no registry
    assert permissions.ROLE_ACTIONS[Role.DEPARTMENT] == {"upload_list", "appraise_project"}
    assert "view" not in permissions.ROLE_ACTIONS[Role.ASSESSOR]


def test_levels_decide_with_the_reason_in_chinese(users):
    county, town, village, viewer = (
        users["county"],
        users["town_a"],
        users["village_a"],
        users["town_a_viewer"],
    )
    verify = {"level": RegionLevel.VILLAGE, "region": VILLAGE_A, "what": "入户核实"}
    assert permissions.decide(village, "take_step", **verify)
    refused = permissions.decide(county, "take_step", **verify)
    assert not refused and refused.reason == "「入户核实」须由村级用户办理，您是县级用户。"
    assert "代录时请上传签字的纸质记录扫描件" in permissions.decide(town, "take_step", **verify).reason
    assert permissions.decide(town, "take_step", on_behalf=True, **verify).on_behalf_of == RegionLevel.VILLAGE
    assert not permissions.decide(
        county, "take_step", on_behalf=True, **verify
    )  # 代录 is the township's only
    assert "不是代录" in permissions.decide(village, "take_step", on_behalf=True, **verify).reason
    assert (
        "不在您的管辖范围内"
        in permissions.decide(town, "take_step", level=5, region=VILLAGE_B, on_behalf=True).reason
    )
    assert "角色不能办理" in permissions.decide(viewer, "take_step", **verify).reason
    assert permissions.may(county, "register_unit") and not permissions.may(town, "register_unit")
    assert permissions.may(town, "register_cadre") and not permissions.may(village, "register_cadre")
    assert permissions.may(users["national"], "set_policy", region=permissions.NATIONAL_CODE)
    assert not permissions.may(county, "set_policy", region=permissions.NATIONAL_CODE)


def test_new_roles_act_within_their_rows(users, regions):
    department = make_user("yibao", Role.DEPARTMENT, regions[COUNTY])
    assessor = make_user("assessor", Role.ASSESSOR, regions[COUNTY])
    assert permissions.may(department, "upload_list", region=COUNTY)
    assert not permissions.may(department, "view") and not permissions.may(assessor, "view")
    finance = make_user("caiwu", Role.FINANCE, regions[COUNTY])
    assert permissions.may(finance, "manage_funds") and not permissions.may(finance, "change")


def test_a_check_of_one_user_inside_another_users_request_is_refused(users):
    with (
        acting_as(users["county"], source="web"),
        pytest.raises(PermissionDenied, match="办理人与当前登录用户不一致"),
    ):
        permissions.require(users["village_a"], "change", region=VILLAGE_A)


@pytest.mark.parametrize(
    ("user", "shown", "hidden"),
    [
        ("town_a", [], ["规模控制", "部门比对", "程序参数"]),
        ("village_a", [], ["规模控制", "部门比对", "程序参数"]),
        ("county", ["规模控制", "部门比对"], ["程序参数"]),
        ("national", ["规模控制", "部门比对", "程序参数"], []),
    ],
)
def test_links_are_shown_to_those_who_may_use_them(client, users, user, shown, hidden):
    client.force_login(users[user])
    page = client.get("/identification/").content.decode()
    for link in shown:
        assert f">{link}</a>" in page
    for link in hidden:
        assert f">{link}</a>" not in page


# --- the rule is kept in one place: no role or user-level comparison outside accounts -------------------------


def _names_a_user(node: ast.AST) -> bool:
    """``user`` / ``request.user`` / ``self.request.user`` / ``manager`` …: an expression that is a user."""
    if isinstance(node, ast.Name):
        return node.id in {"user", "manager", "actor"} or node.id.endswith("_user")
    return isinstance(node, ast.Attribute) and node.attr == "user"


def _compares_role_or_level(node: ast.Compare) -> bool:
    for side in [node.left, *node.comparators]:
        if isinstance(side, ast.Attribute) and side.attr in {"role", "level"} and _names_a_user(side.value):
            return True
        if isinstance(side, ast.Attribute) and side.attr in {"is_staff"} and _names_a_user(side.value):
            return True
    return False


def test_no_role_or_level_comparison_of_a_user_outside_accounts():
    """A view or service that compares ``user.role`` or ``user.level`` itself decides who may act on its own;
    it asks ``accounts.permissions`` instead (a new role or level rule then changes one table)."""
    found = []
    for path in SRC.rglob("*.py"):
        if "accounts" in path.relative_to(SRC).parts[:1] or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [
            f"{path.relative_to(SRC)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Compare) and _compares_role_or_level(node)
        ]
    templates = [
        f"{path.relative_to(SRC)}"
        for path in SRC.rglob("*.html")
        if "user.role" in path.read_text(encoding="utf-8") or "user.level" in path.read_text(encoding="utf-8")
    ]
    assert not found and not templates, found + templates


def test_the_guard_sees_a_comparison_written_the_usual_ways():
    for source in ('user.role == "admin"', "request.user.level <= 3", "x in (1, 2) and user.level > 4"):
        tree = ast.parse(source)
        assert any(isinstance(n, ast.Compare) and _compares_role_or_level(n) for n in ast.walk(tree)), source


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("village_a", "/identification/quotas/"),
        ("town_a", "/identification/crosscheck/"),
    ],
)
def test_pages_behind_hidden_links_refuse_with_the_reason_in_chinese(client, users, user, url):
    client.force_login(users[user])
    page = client.get(url)
    assert page.status_code == 403 and 'id="refusal"' in page.content.decode()
    assert "须由县级及以上用户办理" in page.content.decode()


def test_roles_that_read_no_registry_get_no_figures_of_it(client, users, regions):
    auditor = make_user("auditor2", Role.AUDITOR, regions[COUNTY])
    client.force_login(auditor)
    assert client.get("/assistance/equity/").status_code == 403
    assert client.get("/regions/").status_code == 403
