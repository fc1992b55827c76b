"""Schemathesis hooks of `cargo xtask fuzz` (loaded through SCHEMATHESIS_HOOKS).

Every POST of the platform takes an `Idempotency-Key`. Generated data repeats the same few
keys (the documented example, "0", ...) across different bodies, and the services rightly
refuse a key used before with another request (422 idempotency-key-reused). Left alone, most
generated writes would never reach the service's own validation and rules. So every valid
key is replaced by a fresh one before the request is sent; invalid keys (empty, too long,
spaces) are kept, so the header's own validation is still tried.
"""

import re
import uuid

import schemathesis

HEADER = "Idempotency-Key"
# The pattern the OpenAPI documents state for the header.
VALID_KEY = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def before_call(context, case, **kwargs):
    headers = case.headers
    if not headers:
        return
    for name in list(headers):
        if name.lower() == HEADER.lower():
            value = headers[name]
            if isinstance(value, str) and VALID_KEY.match(value):
                headers[name] = str(uuid.uuid4())
