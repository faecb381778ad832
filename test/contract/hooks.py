"""Schemathesis hooks of the contract test (scripts/contract.sh): a bearer token per operation, by role.

Each operation of docs/openapi.json lists the roles that may call it (`x-roles`). The token sent is the first
role of ROLE_PREFERENCE the operation accepts (coordinator for the parcours, reports and tasks, finance for the
conventions, admin for the schedules); public operations get none. The tokens come from CONTRACT_TOKENS
(a JSON object role -> token) that scripts/contract.sh mints against the running service.
"""
import datetime
import json
import os
import re
import uuid

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


# Rules JSON Schema cannot state (each named in its DTO's decorators and in docs/openapi.json's descriptions).
# A schema-valid request breaking one is refused, rightly; so that the valid requests the fuzzer generates are
# valid for them too, each positive case is brought within them here — never a negative one, which must
# still be refused. Whatever else the generator drew is sent as drawn.


def _tranches(body):
    """CreateConventionDto.tranches: the shares add up to 1 (SharesAddUpToOne)."""
    tranches = body.get("tranches")
    if isinstance(tranches, list) and tranches and all(isinstance(t, dict) for t in tranches):
        n = len(tranches)
        share = round(1 / n, 4)
        for t in tranches:
            t["share"] = share
        tranches[-1]["share"] = round(1 - share * (n - 1), 4)


def _years(body):
    """CreateConventionDto.years: consecutive, ascending (ConsecutiveYears)."""
    years = body.get("years")
    if isinstance(years, list) and years and all(isinstance(y, int) for y in years):
        first = min(min(years), 2100 - len(years) + 1)
        body["years"] = [first + i for i in range(len(years))]


def _financial_report(body):
    """FinancialReportDto: spentCents with SUBMITTED, comment with RETURNED (ValidateIf)."""
    if body.get("status") == "SUBMITTED" and body.get("spentCents") is None:
        body["spentCents"] = 0
    if body.get("status") == "RETURNED" and body.get("comment") is None:
        body["comment"] = "Pièces justificatives manquantes"


DATE = re.compile(r"^(\d{4})(-\d{2}-\d{2})")
THIS_YEAR = datetime.date.today().year


def _in_window(value):
    """Plausible dates (src/common/calendar-date.ts): from 2000 (1900 for a birth) to today, or months ahead."""
    match = DATE.match(value)
    if not match:
        return value
    year, rest = int(match.group(1)), match.group(2)
    # the last two years: inside every window, after every child's birth (_child_age)
    year = THIS_YEAR - 2 + year % 2
    if rest == "-02-29" and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        rest = "-02-28"
    return f"{year}{rest}{value[match.end():]}"


def _child_age(value):
    """A child's birth date, 6 to 14 years before this year: an ineligible referral is closed (and purged) at once."""
    match = DATE.match(value)
    if not match or match.group(2) == "-02-29":
        return value
    return f"{THIS_YEAR - 6 - int(match.group(1)) % 9}{match.group(2)}{value[match.end():]}"


def _dates(node):
    """Every date and instant of the body, into its window: the window moves with today, no static schema says it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                node[key] = _child_age(value) if key == "birthDate" else _in_window(value)
            _dates(node[key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            node[i] = _in_window(value) if isinstance(value, str) else value
            _dates(node[i])


IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

RULES = {
    ("POST", "/conventions"): [_tranches, _years],
    ("POST", "/conventions/{ref}/years/{year}/financial-report"): [_financial_report],
}


# The stateful phase follows the links from POST /parcours into the case's operations, but a drawn referral is
# seldom eligible and a drawn consent or EPS review seldom fits the case, so its chains would stop before an ACTIVE
# case and never reach what only an active case answers (an action's change, via the link from POST .../actions).
# In that phase, every second positive referral and every positive consent, EPS review and new action send the
# bodies that take a case to ACTIVE (scripts/contract-fixtures.js, dates from today); the other referrals are sent
# as drawn, and the fuzzing phase draws the bodies of all of them.
CASE_BODIES = json.loads(os.environ.get("CONTRACT_CASE_BODIES", "{}"))
STATEFUL_VALID = {
    ("POST", "/parcours"): "referral",
    ("POST", "/parcours/{dossierId}/consent"): "consent",
    ("POST", "/parcours/{dossierId}/team-reviews"): "teamReview",
    ("POST", "/parcours/{dossierId}/actions"): "action",
}
_stateful_calls = {}


def _letters(n):
    """0 → 'a', 25 → 'z', 26 → 'ba': a name part that makes each referred child a new one."""
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if n == 0:
            return out


def _stateful_valid_body(case):
    name = STATEFUL_VALID.get((case.method.upper(), case.operation.path))
    if name is None or name not in CASE_BODIES:
        return None
    count = _stateful_calls.get(name, 0)
    _stateful_calls[name] = count + 1
    if name == "referral" and count % 2 == 1:
        return None
    body = json.loads(json.dumps(CASE_BODIES[name]))
    if name == "referral":
        body["child"]["firstName"] = f"{body['child']['firstName']}{_letters(count // 2)}"
    return body


@schemathesis.hook
def before_call(context, case, **kwargs):
    # a client sends a fresh Idempotency-Key per logical request (API.md "Idempotency-Key"); a drawn well-formed key
    # ("0") would be shared by unrelated requests, and the API replays the first answer for a reused key even to
    # another operation (reported apart). A malformed key, the header's negative test, is sent as drawn.
    if isinstance(case.headers, dict) and IDEMPOTENCY_KEY.match(str(case.headers.get("Idempotency-Key", ""))):
        case.headers["Idempotency-Key"] = f"contract-{uuid.uuid4().hex}"
    meta = getattr(case, "meta", None)
    positive = meta is not None and meta.generation.mode.is_positive
    if not positive:
        return
    # a page token is opaque and signed: only a previous page issues one, the fuzzer cannot draw a valid one
    if isinstance(case.query, dict):
        for name in ("pageToken", "nextPageToken"):
            case.query.pop(name, None)
    phase = getattr(getattr(meta, "phase", None), "name", None)
    if phase == "stateful":
        valid = _stateful_valid_body(case)
        if valid is not None:
            case.body = valid
            return
    if isinstance(case.body, dict):
        _dates(case.body)
        for rule in RULES.get((case.method.upper(), case.operation.path), []):
            rule(case.body)


TRACE = os.environ.get("CONTRACT_TRACE")


@schemathesis.hook
def after_call(context, case, response):
    """With CONTRACT_TRACE=<file>: every schema-valid request refused with 400, one JSON line each (debugging)."""
    meta = getattr(case, "meta", None)
    if not TRACE or meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return
    with open(TRACE, "a", encoding="utf-8") as out:
        out.write(json.dumps({"op": f"{case.method} {case.operation.path}", "body": case.body if not callable(case.body) else None,
                              "query": case.query, "answer": response.text[:600]}, default=str) + "\n")
