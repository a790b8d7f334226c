"""The wire contract: every event that may leave a node, as versioned msgspec Structs.

This package imports nothing else of commonweal's, so that nodes and the consortium
depend on it and never on each other.
"""

from schemas import care, consortium, funding, governance, hours, membership, timebank
from schemas.envelope import (
    GENESIS_HASH,
    STREAMS,
    Envelope,
    chain_hash,
    subject,
)
from schemas.payloads import (
    PAYLOAD_TYPES,
    Payload,
    UnknownSchema,
    decode_payload,
    encode_payload,
)

__all__ = [
    "GENESIS_HASH",
    "PAYLOAD_TYPES",
    "STREAMS",
    "Envelope",
    "Payload",
    "UnknownSchema",
    "care",
    "chain_hash",
    "consortium",
    "decode_payload",
    "encode_payload",
    "funding",
    "governance",
    "hours",
    "membership",
    "subject",
    "timebank",
]
