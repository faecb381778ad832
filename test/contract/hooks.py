"""Schemathesis hooks of the contract test (scripts/contract.sh): a bearer token per operation, by role.

Each operation of docs/openapi.json lists the roles that may call it (`x-roles`). The token sent is the first
role of ROLE_PREFERENCE the operation accepts (coordinator for the parcours, reports and tasks, finance for the
conventions, admin for the schedules); public operations get none. The tokens come from CONTRACT_TOKENS
(a JSON object role -> token) that scripts/contract.sh mints against the running service.
"""
import json
import os

import schemathesis

TOKENS = json.loads(os.environ.get("CONTRACT_TOKENS", "{}"))
ROLE_PREFERENCE = ["coordinator", "finance", "admin", "supervisor", "referent"]


def role_for(operation):
    definition = operation.definition.raw
    if definition.get("security") == []:
        return None
    roles = definition.get("x-roles")
    if not roles:
        return "coordinator"  # any valid token (GET /me) or the codec's readers
    for role in ROLE_PREFERENCE:
        if role in roles:
            return role
    return roles[0]


@schemathesis.auth(refresh_interval=None)
class RoleToken:
    """Signs every request with the token of the operation's role."""

    def get(self, case, ctx):
        role = role_for(case.operation)
        return TOKENS.get(role) if role else None

    def set(self, case, data, ctx):
        if data:
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"
