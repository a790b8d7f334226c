"""What an unauthenticated health check may say: ok, or not ok (503). Counts,
positions and errors are for /metrics, which is guarded (toolkit.web.observe)."""

from typing import Literal

import msgspec

from toolkit.web.errors import ApiError


class Health(msgspec.Struct, frozen=True):
    status: Literal["ok"] = "ok"


def health(ok: bool) -> Health:
    if not ok:
        raise ApiError(503, "not_ok", "not ok")
    return Health()
