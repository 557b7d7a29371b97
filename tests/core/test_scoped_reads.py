"""Views and API read scoped models only through ``for_user`` (or, on the public portal, ``public()``): a read
that skips both would show rows of any region. Found by reading the code (AST), so a new view is checked the day
it lands; the few exceptions are listed with why."""

import ast
from pathlib import Path

from django.core import checks

from jingzhun.core.checks import scope_lookups
from jingzhun.core.scoping import ScopedModel, lookup_target, scoped_models

SRC = Path(__file__).resolve().parents[2] / "src" / "jingzhun"
SCOPED_WAYS = {"for_user", "public", "create"}  # create: a write, checked by its service

# (module, model, manager method): why the read needs no scope of its own
EXCEPTIONS = {
    ("registry/api.py", "Member", "filter"): "prefetch of the members of households read through for_user",
}


def request_modules() -> dict[str, str]:
    """The source of every module that answers requests (pages, API), by path under src/jingzhun."""
    names = ("views.py", "api.py", "api_urls.py")
    paths = sorted(p for p in SRC.rglob("*.py") if p.name in names or p.name.endswith("_views.py"))
    return {p.relative_to(SRC).as_posix(): p.read_text(encoding="utf-8") for p in paths}


def unscoped_reads(sources: dict[str, str]) -> set[tuple[str, str, str, int]]:
    """(module, model, how, line) of every read of a scoped model in ``sources`` that bypasses the scope."""
    models = {m.__name__ for m in scoped_models()}
    found = set()
    for module, source in sources.items():
        for node in ast.walk(ast.parse(source, module)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            # get_object_or_404(Model, …) / get_list_or_404(Model, …)
            if isinstance(func, ast.Name) and func.id in {"get_object_or_404", "get_list_or_404"}:
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Name) and first.id in models:
                    found.add((module, first.id, func.id, node.lineno))
            # Model.objects.<method>(…) / Model._default_manager.<method>(…)
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Attribute)
                and func.value.attr in {"objects", "_default_manager", "_base_manager"}
                and isinstance(func.value.value, ast.Name)
                and func.value.value.id in models
                and func.attr not in SCOPED_WAYS
            ):
                found.add((module, func.value.value.id, func.attr, node.lineno))
    return found


def test_views_and_api_read_scoped_models_through_for_user_or_public():
    found = {(m, model, how): line for m, model, how, line in unscoped_reads(request_modules())}
    unexplained = {f"{m}:{line} {model}.objects.{how}" for (m, model, how), line in found.items()
                   if (m, model, how) not in EXCEPTIONS}  # fmt: skip
    assert not unexplained, "read through Model.objects.for_user(user) (or .public() on the portal)"
    assert set(EXCEPTIONS) <= set(found), "an exception no longer needed: remove it"


def test_the_walk_finds_reads_that_skip_the_scope():
    leaks = {
        "registry/views.py": "def leak(request, pk):\n    return Household.objects.filter(pk=pk)\n",
        "identification/views.py": "def leak(request, pk):\n    return get_object_or_404(Step, pk=pk)\n",
        "portal/views.py": "def fine(request):\n    return Publicity.objects.public().filter(pk=1)\n",
    }
    assert {(m, model, how) for m, model, how, _ in unscoped_reads(leaks)} == {
        ("registry/views.py", "Household", "filter"),
        ("identification/views.py", "Step", "get_object_or_404"),
    }


def test_every_scoped_model_names_a_region_code_column():
    assert scope_lookups(None) == []
    for model in scoped_models():
        field = lookup_target(model, model.scope_lookup)
        assert field.max_length == 12, model


def test_a_wrong_scope_lookup_is_a_system_error(monkeypatch):
    from jingzhun.identification.models import Step

    monkeypatch.setattr(Step, "scope_lookup", "application__year")
    errors = scope_lookups(None)
    assert [e.obj for e in errors] == [Step] and all(isinstance(e, checks.Error) for e in errors)


def test_portal_reads_are_declared_public():
    """The portal has no user: its reads of scoped models (published lists, the region tree) say ``public()``."""
    portal = request_modules()["portal/views.py"]
    # the lists, objections and printed notices; monitoring's self-report; the projects' notices and objections;
    # a fund notice and its objections' status (funds' list of a region is funds.selectors.notices_public,
    # public() too); the self-report form naming the village its link filled in (a region page's lists: one
    # read, narrowed to the 贫困村退出 lists above a village); a county exit's 公示 (the county's list, the notice,
    # its objections' status)
    assert portal.count(".objects.public()") == 18
    assert all(issubclass(m, ScopedModel) and not m._meta.abstract for m in scoped_models())


def test_the_scope_stays_one_range_condition_with_at_most_the_parents_join():
    from jingzhun.accounts.models import User
    from jingzhun.core.scoping import SharedDownQuerySet
    from jingzhun.regions.models import Region

    user = User(username="t", role="operator", region=Region(code="522634100000", level=4))
    for model in scoped_models():
        if isinstance(model.objects.all(), SharedDownQuerySet):
            continue  # its own range, or its ancestors' codes: still one index, tested in tests/assistance
        sql = str(model.objects.for_user(user).query)
        where = sql.split(" WHERE ", 1)[1]
        if getattr(
            model.objects.all(), "second_scope", None
        ):  # a transfer: the sender's range or the receiver's
            assert where.count("BETWEEN") == 2 and where.count(" OR ") == 1, model
            continue
        assert where.count("BETWEEN") == 1 and " OR " not in where, model
        parents = max(model.scope_lookup.count("__") - 1, 0)  # region__code reads the region_id column
        assert sql.count(" JOIN ") == parents <= 1, model
