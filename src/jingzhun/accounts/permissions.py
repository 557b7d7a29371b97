"""The one permission check: what each role may do. Region scope is applied by ``ScopedQuerySet.for_user``.

Actions:
- ``view``: read records (personal data masked unless the role ``sees_personal_data``)
- ``change``: create, edit, cancel records
- ``export``: download lists
- ``reveal``: show a full ID number on demand (each reveal is logged)
- ``manage_users``: create, deactivate and reset accounts within one's own region (安全管理员 only)
- ``audit``: read the audit trail of one's region (安全审计员 only)

The three administrator duties of 等保 level 3 (三员分立) are separate roles: the administrator (系统管理员)
works with the data, the security administrator (安全管理员) with accounts, the auditor (安全审计员) reads
the trail of both; neither of the latter two reads households.
"""

from .choices import Role

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({"view", "change", "export", "reveal"}),
    Role.OPERATOR: frozenset({"view", "change", "export", "reveal"}),
    Role.VIEWER: frozenset({"view", "export"}),
    Role.SECURITY: frozenset({"manage_users"}),
    Role.AUDITOR: frozenset({"audit"}),
}

# Roles that see ID numbers and phones in full without asking; every other role sees them masked.
UNMASKED_ROLES = frozenset({Role.ADMIN})


def role_allows(role: str, action: str) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())
