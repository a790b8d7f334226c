"""Signing keys for the co-ops tests start, and a consortium that knows them.

A test co-op's key is derived from its id, so a node restarted in a test, a chaos
worker in another process and the consortium all agree on it without passing it
around. ``KeyBook`` registers each node's key in every consortium a test starts,
in whichever order the test starts them (the consortium's keyring reloads the
registry when a key is missing).
"""

import hashlib

import nkeys

from federation.ingest import Message
from federation.keyring import CoopKeys, Keyring
from federation.registry import ConsortiumRegistry
from toolkit.signing import Signer


def coop_seed(coop_id: str) -> str:
    raw = hashlib.sha256(f"commonweal test key {coop_id}".encode()).digest()
    seed: bytes = nkeys.encode_seed(raw, nkeys.PREFIX_BYTE_USER)
    return seed.decode()


def coop_public_key(coop_id: str) -> str:
    return Signer(coop_seed(coop_id)).public_key


def keyring_for(*coop_ids: str) -> Keyring:
    """A keyring holding the test keys of ``coop_ids`` (views built in a test)."""
    keys = {c: CoopKeys(((coop_public_key(c), None),), 0) for c in coop_ids}
    return Keyring(lambda: keys)


def signed_message(subject: str, data: bytes, stream_seq: int) -> Message:
    """``data`` as it comes off the stream, signed with the test key of the co-op
    its subject names."""
    coop_id = subject.split(".")[2]
    return Message(subject, data, stream_seq, Signer(coop_seed(coop_id)).sign(data))


def register_coop_key(registry: ConsortiumRegistry, coop_id: str, name: str) -> None:
    """Register ``coop_id`` with its test key, unless it is registered already."""
    if registry.find(coop_id) is None:
        registry.register(
            coop_id, name, public_key=coop_public_key(coop_id), unsigned_until=0
        )


class KeyBook:
    """The co-ops and the consortium registries of one test."""

    def __init__(self) -> None:
        self.coops: dict[str, str] = {}  # id -> name
        self.registries: list[ConsortiumRegistry] = []

    def add_coop(self, coop_id: str, name: str) -> None:
        self.coops[coop_id] = name
        for registry in self.registries:
            register_coop_key(registry, coop_id, name)

    def add_registry(self, registry: ConsortiumRegistry) -> None:
        self.registries.append(registry)
        for coop_id, name in self.coops.items():
            register_coop_key(registry, coop_id, name)
