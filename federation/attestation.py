"""Issuing and checking attestations (schemas.attestation).

``issue_attestation`` reads one co-op's facts from the consortium's views and its
registration, judges the claims (federation.attestation_claims) and signs the
statement with the consortium's statement key (federation.statement_key).
``verify`` needs only the file and the public key a commissioner was given: no
broker and no store, so it works offline.
"""

import datetime as dt

import msgspec

from federation.activity import last_applied
from federation.attestation_claims import (
    ClosedBallot,
    CoopFacts,
    build_statement,
)
from federation.config import ConsortiumConfig
from federation.ingest import ConsortiumViews
from federation.membership import membership_report
from federation.registry import ConsortiumRegistry
from federation.rules_facts import held_meetings, membership_caps
from federation.statement_key import statement_signer
from federation.workforce import workforce_report
from schemas.attestation import Attestation, Statement, signed_bytes
from schemas.governance import BoardRules
from toolkit.signing import InvalidKey, Signer, is_signed_by, verify_key
from toolkit.storage import Cursor
from toolkit.web.errors import invalid_input


class UnknownCoop(LookupError):
    """No co-op of that id is registered with the consortium."""


class AttestationInvalid(ValueError):
    """What is wrong with an attestation file, in words a commissioner reads."""


def coop_facts(cursor: Cursor, coop_id: str, as_of: dt.date) -> CoopFacts:
    membership = membership_report(cursor, [coop_id]).coops
    workforce = workforce_report(cursor, as_of, [coop_id]).coops
    board = cursor.execute(
        "SELECT board FROM gov_boards WHERE coop_id = ?", (coop_id,)
    ).fetchone()
    rules = cursor.execute(
        "SELECT rules FROM gov_rules WHERE coop_id = ?", (coop_id,)
    ).fetchone()
    ballots = cursor.execute(
        "SELECT closed_on, quorate FROM gov_ballots WHERE coop_id = ?", (coop_id,)
    ).fetchall()
    return CoopFacts(
        as_of=as_of,
        members_by_class=dict(membership[0].members_by_class) if membership else None,
        board_by_class=(
            msgspec.json.decode(board["board"], type=dict[str, int])
            if board is not None
            else None
        ),
        board_rules=(
            msgspec.json.decode(rules["rules"], type=BoardRules)
            if rules is not None
            else None
        ),
        ballots=[
            ClosedBallot(dt.date.fromisoformat(r["closed_on"]), bool(r["quorate"]))
            for r in ballots
        ],
        workforce=workforce[0] if workforce else None,
        membership_caps=membership_caps(cursor, coop_id),
        meetings=held_meetings(cursor, coop_id),
    )


def issue_attestation(
    config: ConsortiumConfig,
    views: ConsortiumViews,
    registry: ConsortiumRegistry,
    coop_id: str,
    now: dt.datetime | None = None,
) -> Attestation:
    """The signed attestation of the registered co-op ``coop_id``, on its data as
    of the day the consortium last applied any of it."""
    coop = registry.find(coop_id)
    if coop is None:
        raise UnknownCoop(f"no co-op {coop_id!r} is registered with the consortium")
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    # One transaction: the position is that of exactly the data the facts hold.
    with views.transaction() as cursor:
        applied = last_applied(cursor).get(coop_id)
        as_of = applied.date() if applied is not None else now.date()
        facts = coop_facts(cursor, coop_id, as_of)
        position = cursor.execute(
            f"SELECT MAX(notification_id) AS position FROM {views.tracking_table} "
            "WHERE application_name = ?",
            (coop_id,),
        ).fetchone()
    signer = statement_signer(config)
    statement = build_statement(
        consortium=config.name,
        consortium_key=signer.public_key,
        coop_id=coop_id,
        coop_name=coop.name,
        issued_at=now,
        chain_position=int(position["position"] or 0),
        unsigned_until=coop.unsigned_until or 0,
        facts=facts,
    )
    return sign(statement, signer)


def sign(statement: Statement, signer: Signer) -> Attestation:
    return Attestation(statement, signer.sign(signed_bytes(statement)))


def attestation_file(attestation: Attestation) -> bytes:
    """The file as a commissioner is given it: JSON laid out for reading."""
    return msgspec.json.format(msgspec.json.encode(attestation), indent=2) + b"\n"


def verify(data: bytes, public_key: str, coop_id: str | None = None) -> Statement:
    """The statement of the attestation file ``data`` once it checks against the
    consortium's statement key ``public_key`` (and is about ``coop_id``, when
    given); else AttestationInvalid naming what is wrong."""
    try:
        key = verify_key(public_key)
    except InvalidKey as error:
        raise AttestationInvalid(f"the key to check with: {error}") from None
    try:
        attestation = msgspec.json.decode(data, type=Attestation)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        message = invalid_input(error, "malformed file").detail.message
        raise AttestationInvalid(message) from None
    statement = attestation.statement
    if statement.consortium_key != public_key:
        raise AttestationInvalid(
            f"wrong key: the file says it was signed with the statement key "
            f"{statement.consortium_key} of {statement.consortium!r}, not with the "
            f"key {public_key} you were given"
        )
    if not is_signed_by(key, signed_bytes(statement), attestation.signature):
        raise AttestationInvalid(
            "bad signature: the statement does not match the consortium's "
            "signature, so it was altered after it was signed (a claim, a figure, "
            "a date or the co-op it names), or the signature was"
        )
    if coop_id is not None and statement.coop_id != coop_id:
        raise AttestationInvalid(
            f"wrong co-op: this attestation is about co-op {statement.coop_id!r} "
            f"({statement.coop_name}), not {coop_id!r}"
        )
    return statement
