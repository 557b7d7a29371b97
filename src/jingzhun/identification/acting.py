"""Who may act in identification: the one check of every procedure write (decisions in docs/decisions.md #14)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import rules


def require_acting(user, *, level: int, region_code: str, what: str) -> None:
    """A role that may change records, the user's own level the one the step belongs to (a county user does not
    verify, a village one does not approve), and the region in scope. ``user`` None is the system (commands,
    data migrations)."""
    if user is None:
        return
    if not user.can("change"):
        raise PermissionDenied(_("您的角色不能办理识别业务。"))
    if user.level != level:
        raise PermissionDenied(
            _("「%(what)s」须由%(level)s用户办理，您是%(mine)s用户。")
            % {"what": what, "level": rules.level_name(level), "mine": rules.level_name(user.level)}
        )
    if not user.in_scope(region_code):
        raise PermissionDenied(_("「%(what)s」的对象不在您的管辖范围内。") % {"what": what})
