"""The attestation a consortium gives a co-op: a signed, dated statement of what
the co-op's shared data shows, which a commissioner checks offline with the
consortium's statement key (``commonweal attestation verify FILE --key U...``).

It leaves the consortium, not a node, and says only what the consortium's views
hold: counts (those of people below 5 read "<5"), dates and the co-op's name as
registered. The signature is over ``signed_bytes(statement)``, msgspec's compact
JSON of the statement with its fields in declared order, so a file laid out for
reading (or re-indented by an editor) still checks, while any changed value does
not.
"""

import datetime as dt
from typing import Annotated, Literal

import msgspec

Format = Literal["commonweal.attestation/1"]
FORMAT: Format = "commonweal.attestation/1"

# An nkey user public key: "U" and 55 more base32 characters.
PublicKey = Annotated[str, msgspec.Meta(pattern=r"^U[A-Z2-7]{55}$")]
# base64 of the 64 bytes of an ed25519 signature.
Signature = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9+/]{86}==$")]
Words = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Count = Annotated[int, msgspec.Meta(ge=0)]

ClaimName = Literal[
    "board_within_rules",
    "membership_caps_respected",
    "general_meeting_quorate",
    "member_classes_represented",
    "type_b_share",
]
# "not_shown": the shared data cannot tell (``does_not_cover`` says why);
# "not_applicable": the rule does not bind this co-op.
Holds = Literal["true", "false", "not_shown", "not_applicable"]


class Claim(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: ClaimName
    title: Words  # the claim in plain words
    holds: Holds
    figures: list[Words]  # what it rests on, in plain words


class Statement(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: Format
    consortium: Words
    consortium_key: PublicKey
    coop_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    coop_name: Words  # as the consortium's registry has it
    issued_at: Annotated[dt.datetime, msgspec.Meta(tz=True)]
    # The day the consortium last applied the co-op's shared data: what it shows
    # is as of then.
    as_of: dt.date
    # The co-op's chain up to this envelope is what the claims rest on.
    chain_position: Count
    claims: list[Claim]
    covers: list[Words]
    does_not_cover: list[Words]


class Attestation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The file a commissioner is given: the statement and, beside it, the
    consortium's signature of ``signed_bytes(statement)``."""

    statement: Statement
    signature: Signature


def signed_bytes(statement: Statement) -> bytes:
    return msgspec.json.encode(statement)
