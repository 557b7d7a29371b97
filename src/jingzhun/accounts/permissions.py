"""The one permission check: what each role may do. Region scope is applied by ``ScopedQuerySet.for_user``.

Actions:
- ``view``: read records (personal data masked unless the role ``sees_personal_data``)
- ``change``: create, edit, cancel records
- ``export``: download lists
- ``reveal``: show a full ID number on demand (each reveal is logged)
- ``manage_users``: create accounts within one's own region
"""

from .choices import Role

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({"view", "change", "export", "reveal", "manage_users"}),
    Role.OPERATOR: frozenset({"view", "change", "export", "reveal"}),
    Role.VIEWER: frozenset({"view", "export"}),
}

# Roles that see ID numbers and phones in full without asking; every other role sees them masked.
UNMASKED_ROLES = frozenset({Role.ADMIN})


def role_allows(role: str, action: str) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())
