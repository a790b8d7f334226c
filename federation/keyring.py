"""The co-ops' public keys as the ingest checks them, loaded from the registry.

Every message on ``cw.coop.<id>.<stream>`` must be signed with a key the registry
holds for ``<id>`` (``toolkit.signing``), valid when the broker stored the
message: a key rotated out signs until its overlap ends, a revoked key until it
was revoked. Judging by the broker's store time, not by the clock at ingest, keeps
a rebuild from the stream giving the same answer as the live consortium.

The one exception is the upgrade from release 0.1.0, whose nodes did not sign: a
co-op that adopted signing with ``unsigned_until = N`` may still have unsigned
envelopes up to seq N, which it published before it had a key (and which a
rebuild needs); never one after.

The keys are loaded once, and again before a batch whenever the registry has
changed since (``version``: one indexed read of its event log's last id) or
when a message fails to verify (at most once per batch). So a rotation or a
revocation holds from the next batch on, a co-op registered a moment ago is
known by the time its first message is checked, and no message costs a registry
read.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import NamedTuple

import nacl.signing

from toolkit.signing import is_signed_by, verify_key


class CoopKeys(NamedTuple):
    """One co-op's keys (public key -> until when it signs; None: live) and the
    last seq it published unsigned (0: none)."""

    keys: tuple[tuple[str, dt.datetime | None], ...]
    unsigned_until: int


class Unverified(Exception):
    """The message is not the subject's co-op's: the message says why."""


class Keyring:
    def __init__(
        self,
        load: Callable[[], Mapping[str, CoopKeys]] = dict,
        version: Callable[[], int] = lambda: 0,
    ) -> None:
        self.load = load
        self.version = version
        self._keys: dict[str, list[tuple[nacl.signing.VerifyKey, dt.datetime]]] = {}
        self._unsigned_until: dict[str, int] = {}
        self._loaded_version: int | None = None
        self._fresh = False  # loaded during the current batch

    def new_batch(self) -> None:
        self._fresh = False
        if self.version() != self._loaded_version:
            self.refresh()

    def refresh(self) -> None:
        never = dt.datetime.max.replace(tzinfo=dt.UTC)
        self._loaded_version = self.version()
        loaded = self.load()
        self._keys = {
            coop_id: [(verify_key(key), until or never) for key, until in coop.keys]
            for coop_id, coop in loaded.items()
        }
        self._unsigned_until = {c: coop.unsigned_until for c, coop in loaded.items()}
        self._fresh = True

    def check(
        self, coop_id: str, data: bytes, signature: str, stored_at: dt.datetime
    ) -> int | None:
        """None when ``data`` is signed by one of the co-op's keys valid at
        ``stored_at``; for an unsigned message of a co-op that has unsigned
        history, the last seq its envelopes may have. Raises ``Unverified``."""
        try:
            return self._check(coop_id, data, signature, stored_at)
        except Unverified:
            if self._fresh:
                raise
        self.refresh()  # registered or rotated a moment ago?
        return self._check(coop_id, data, signature, stored_at)

    def _check(
        self, coop_id: str, data: bytes, signature: str, stored_at: dt.datetime
    ) -> int | None:
        if coop_id not in self._keys:
            raise Unverified("no key registered for the subject's co-op")
        if not signature:
            unsigned_until = self._unsigned_until[coop_id]
            if unsigned_until:
                return unsigned_until
            raise Unverified("unsigned message")
        for key, until in self._keys[coop_id]:
            if stored_at < until and is_signed_by(key, data, signature):
                return None
        raise Unverified("signature does not verify with the subject's co-op's keys")
