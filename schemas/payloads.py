"""The registry of payload types, and decoding with upcasting of older versions."""

from collections.abc import Callable
from typing import Any, ClassVar

import msgspec

PAYLOAD_TYPES: dict[str, type["Payload"]] = {}

# An upcaster turns the decoded JSON object of one schema version into the next one:
# (old schema tag) -> (new schema tag, function on the raw object).
UPCASTERS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {}


class Payload(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every shared payload. ``SCHEMA`` is its type tag with version."""

    SCHEMA: ClassVar[str]
    STREAM: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.SCHEMA in PAYLOAD_TYPES:
            raise TypeError(f"schema {cls.SCHEMA} is registered twice")
        PAYLOAD_TYPES[cls.SCHEMA] = cls


# A decoder per schema tag, made on first use: ``msgspec.json.decode(type=...)``
# looks the type up again on every call, once per envelope at ingest.
_DECODERS: dict[str, "msgspec.json.Decoder[Payload]"] = {}


class UnknownSchema(Exception):
    """The payload's schema tag is not one this version of commonweal knows."""


def decode_payload(schema: str, raw: bytes | msgspec.Raw) -> Payload:
    """Decode ``raw`` as the payload type tagged ``schema``, upcasting old versions.

    Raises UnknownSchema for a tag we do not know (e.g. a newer node's type) and
    msgspec.ValidationError / DecodeError for a payload that does not match its tag.
    """
    decoder = _DECODERS.get(schema)
    if decoder is None and schema in PAYLOAD_TYPES:
        decoder = _DECODERS[schema] = msgspec.json.Decoder(PAYLOAD_TYPES[schema])
    if decoder is not None:
        return decoder.decode(raw)
    if schema not in UPCASTERS:
        raise UnknownSchema(schema)
    obj = msgspec.json.decode(raw, type=dict[str, Any])
    while schema in UPCASTERS:
        schema, upcast = UPCASTERS[schema]
        obj = upcast(obj)
    if schema not in PAYLOAD_TYPES:
        raise UnknownSchema(schema)
    return msgspec.convert(obj, type=PAYLOAD_TYPES[schema])


def encode_payload(payload: Payload) -> bytes:
    """The canonical bytes of a payload: compact JSON, fields in declared order."""
    return msgspec.json.encode(payload)
