"""The envelope that carries one shared event from a node to the consortium."""

import datetime as dt
import hashlib
import re
from typing import Annotated

import msgspec

STREAMS = ("membership", "governance", "care", "timebank", "lineage")
GENESIS_HASH = "0" * 64
COOP_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_COOP_ID = re.compile(COOP_ID_PATTERN)

CoopId = Annotated[
    str, msgspec.Meta(pattern=COOP_ID_PATTERN, description="lower-case co-op id")
]
Sha256Hex = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]


class Envelope(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One shared event, hash-chained to the co-op's previous shared event.

    ``seq`` is dense per co-op (1, 2, 3 ... over what it shares; release 0.1.0
    used the node's notification ids, so older envelopes have gaps).

    ``payload`` stays as the raw JSON bytes the node encoded: the chain hash is taken
    over exactly those bytes, so the consortium checks what it received, not a
    re-encoding of it.
    """

    coop_id: CoopId
    seq: Annotated[int, msgspec.Meta(ge=1)]
    prev_seq: Annotated[int, msgspec.Meta(ge=0)]
    event_id: str
    occurred_at: dt.date
    schema: Annotated[str, msgspec.Meta(pattern=r"^[a-z_.]+/[0-9]+$")]
    payload: msgspec.Raw
    prev_hash: Sha256Hex
    hash: Sha256Hex

    def __post_init__(self) -> None:
        if self.prev_seq >= self.seq:
            raise ValueError(f"seq {self.seq} must follow prev_seq {self.prev_seq}")

    @property
    def hash_is_valid(self) -> bool:
        # ``chain_hash`` over the payload in place, without copying it to bytes.
        digest = hashlib.sha256(self.prev_hash.encode("ascii"))
        digest.update(self.payload)
        return digest.hexdigest() == self.hash


def chain_hash(prev_hash: str, payload: bytes) -> str:
    """sha256 over the previous link's hash and the canonical payload bytes."""
    return hashlib.sha256(prev_hash.encode("ascii") + payload).hexdigest()


def subject(coop_id: str, stream: str) -> str:
    if stream not in STREAMS:
        raise ValueError(f"unknown stream {stream!r}; expected one of {STREAMS}")
    return f"cw.coop.{coop_id}.{stream}"


# A message on the stream carries one envelope, or a JSON array of several.
WireBody = Envelope | list[Envelope]


def is_valid_coop_id(coop_id: str) -> bool:
    return bool(_COOP_ID.match(coop_id))
