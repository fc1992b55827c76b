"""Schemathesis hooks of `cargo xtask fuzz` (loaded through SCHEMATHESIS_HOOKS).

Every POST of the platform takes an `Idempotency-Key`. Generated data repeats the same few
keys (the documented example, "0", ...) across different bodies, and the services rightly
refuse a key used before with another request (422 idempotency-key-reused). Left alone, most
generated writes would never reach the service's own validation and rules. So every valid
key is replaced by a fresh one before the request is sent; invalid keys (empty, too long,
non-ASCII) are kept, so the header's own validation is still tried.

The stateful phase starts its scenarios only at "root" operations. Schemathesis 4.32.5
(`specs/openapi/stateful/__init__.py`, `is_likely_root_transition`) takes every POST as one,
unless its dependency analysis finds a field naming a resource nothing returns. That sorts our
documents the wrong way round: the creations are set aside (`organization_id` names an
"Organization" while the responses are `OrganizationResponse`s, `external_ids` an "External"),
while the actions on an existing resource (`POST /v1/organizations/{id}/deactivate`) count as
roots, and once there is any such root the set-aside ones are never called. Every scenario
then sends random ids to the actions (404/412/428) and no link is ever followed. So a POST is
a root exactly when it has no path parameters, i.e. creates something; the others are reached
through the links from what created their resource.

Names are unique where the services say so (organisations), and the stateful phase draws them
from a few values (the documented example, "000", ...) that the earlier phases have already
used: nearly every creation it generates would be refused with 409. So there the `name` of a
POST body ends in a fresh suffix; the earlier phases keep their names and still try the rule.
"""

import re
import uuid

import schemathesis
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi import stateful as _stateful

HEADER = "Idempotency-Key"
# The pattern the OpenAPI documents state for the header.
VALID_KEY = re.compile(r"^[ -~]{1,255}$")


@schemathesis.hook
def before_call(context, case, **kwargs):
    _unique_name(case)
    headers = case.headers
    if not headers:
        return
    for name in list(headers):
        if name.lower() == HEADER.lower():
            value = headers[name]
            if isinstance(value, str) and VALID_KEY.match(value):
                headers[name] = str(uuid.uuid4())


def _unique_name(case):
    phase = case.meta.phase.name if case.meta is not None else None
    body = case.body
    if phase != TestPhase.STATEFUL or case.method.upper() != "POST" or not isinstance(body, dict):
        return
    name = body.get("name")
    if isinstance(name, str):
        # As long as before (a name of 10 or more characters), or at most 18 characters.
        suffix = " " + uuid.uuid4().hex[:8]
        body["name"] = (name[: -len(suffix)] if len(name) > len(suffix) else name) + suffix


_is_likely_root_transition = _stateful.is_likely_root_transition


def _is_root(operation, node, produced_anywhere):
    if operation.method == "post":
        return not operation.path_parameters
    return _is_likely_root_transition(operation, node, produced_anywhere)


_stateful.is_likely_root_transition = _is_root
