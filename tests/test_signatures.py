"""Signatures at the consortium: only what a co-op's own key signed is that co-op's.

Unsigned, wrongly signed or unknown-key messages are dead letters that name no
co-op and move no position; a co-op's real envelopes after them still apply. The
keys come from the registry (rotation with an overlap, revocation, the signed-from
horizon of a co-op upgraded from release 0.1.0), judged by when the broker stored
each message.
"""

import datetime as dt
from pathlib import Path

import msgspec

from federation.ingest import ConsortiumViews, Message, Outcome
from federation.keyring import CoopKeys, Keyring
from federation.registry import ConsortiumRegistry
from federation.report import build_report
from schemas import Envelope
from tests.keys import coop_public_key, coop_seed, signed_message
from tests.streams import FOUNDED, ChainWriter, admitted
from toolkit.config import StoreConfig
from toolkit.signing import Signer

SUBJECT = "cw.coop.alpha.membership"


class Sender:
    """Numbers messages as the stream would."""

    def __init__(self, views: ConsortiumViews) -> None:
        self.views = views
        self.stream_seq = 0

    def signed(self, envelope: Envelope, subject: str = SUBJECT) -> Outcome:
        self.stream_seq += 1
        data = msgspec.json.encode(envelope)
        return self.views.apply([signed_message(subject, data, self.stream_seq)])

    def raw(
        self,
        envelope: Envelope,
        signature: str = "",
        stored_at: dt.datetime | None = None,
        subject: str = SUBJECT,
    ) -> Outcome:
        self.stream_seq += 1
        data = msgspec.json.encode(envelope)
        message = Message(subject, data, self.stream_seq, signature, stored_at)
        return self.views.apply([message])


def letters(views: ConsortiumViews) -> list[tuple[object, object, str]]:
    return [(d["coop_id"], d["seq"], str(d["reason"])) for d in views.dead_letters()]


def members(views: ConsortiumViews) -> int:
    return build_report(views).membership.members


def test_a_forged_envelope_continuing_the_chain_is_a_dead_letter_of_no_coop(
    views: ConsortiumViews,
) -> None:
    """Issue 12's forgery: anyone who has seen alpha's last envelope can extend
    its chain (the hash is unkeyed). Unsigned, or signed by beta, it moves
    nothing, and alpha's real envelopes after it apply."""
    send = Sender(views)
    alpha = ChainWriter("alpha")
    send.signed(alpha.next(FOUNDED))
    forger = ChainWriter("alpha")
    forger.seq, forger.hash = alpha.seq + 999, alpha.hash
    forged = forger.next(admitted(666))
    forged = msgspec.structs.replace(forged, prev_seq=alpha.seq)  # at seq + 1000
    send.raw(forged)
    beta_signs = Signer(coop_seed("beta")).sign(msgspec.json.encode(forged))
    send.raw(forged, beta_signs)
    assert letters(views) == [
        (None, None, "unsigned message"),
        (None, None, "signature does not verify with the subject's co-op's keys"),
    ]
    assert views.position("alpha") == 1
    for n in range(3):
        assert send.signed(alpha.next(admitted(n))).applied == 1
    assert views.position("alpha") == 4
    assert members(views) == 3


def test_a_coop_with_no_registered_key_is_not_heard(views: ConsortiumViews) -> None:
    send = Sender(views)
    gamma = ChainWriter("gamma")
    send.signed(gamma.next(FOUNDED), subject="cw.coop.gamma.membership")
    assert letters(views) == [(None, None, "no key registered for the subject's co-op")]
    assert views.position("gamma") == 0


def test_a_signed_envelope_claiming_another_coop_is_the_signers_dead_letter(
    views: ConsortiumViews,
) -> None:
    """Alpha signs, on its own subject, an envelope claiming to be beta's: the
    dead letter is alpha's, never beta's."""
    send = Sender(views)
    send.signed(ChainWriter("beta").next(FOUNDED))
    assert letters(views) == [
        ("alpha", None, f"subject {SUBJECT} does not belong to co-op beta")
    ]


def test_signed_seqs_are_dense(views: ConsortiumViews) -> None:
    send = Sender(views)
    alpha = ChainWriter("alpha")
    send.signed(alpha.next(FOUNDED))
    alpha.seq += 4  # a gap: seq 6 after 1
    sparse = msgspec.structs.replace(alpha.next(admitted(1)), prev_seq=1)
    send.signed(sparse)
    assert letters(views) == [("alpha", 6, "seq does not follow prev_seq by one")]
    assert views.position("alpha") == 1


def test_unsigned_envelopes_apply_only_up_to_the_signed_from_horizon(
    views: ConsortiumViews,
) -> None:
    """A co-op upgraded from release 0.1.0 (unsigned, sparse seqs up to 7)."""
    keys = {"alpha": CoopKeys(((coop_public_key("alpha"), None),), 7)}
    views.keyring = Keyring(lambda: keys)
    send = Sender(views)
    old = ChainWriter("alpha")
    send.raw(old.next(FOUNDED))
    old.seq = 4  # release 0.1.0 numbered by notification id
    send.raw(msgspec.structs.replace(old.next(admitted(1)), prev_seq=1))
    old.seq = 6
    send.raw(msgspec.structs.replace(old.next(admitted(2)), prev_seq=5))
    assert views.position("alpha") == 7
    assert members(views) == 2
    # After the horizon an unsigned one is nobody's, however well it chains ...
    late = old.next(admitted(3))
    send.raw(late)
    assert letters(views) == [
        (None, None, "unsigned envelope after seq 7, from where the co-op signs")
    ]
    # ... and the node's signed continuation applies.
    assert send.signed(late).applied == 1
    assert views.position("alpha") == 8


def test_a_rotated_out_key_signs_until_its_overlap_ends(
    views: ConsortiumViews,
) -> None:
    """Judged by when the broker stored the message, so a rebuild long after the
    overlap still takes what the old key signed during it."""
    old_key, new_key = Signer(coop_seed("alpha")), Signer(coop_seed("alpha-next"))
    ends = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    keys = {
        "alpha": CoopKeys(((old_key.public_key, ends), (new_key.public_key, None)), 0)
    }
    views.keyring = Keyring(lambda: keys)
    send = Sender(views)
    alpha = ChainWriter("alpha")

    def data(envelope: Envelope) -> bytes:
        return msgspec.json.encode(envelope)

    founded = alpha.next(FOUNDED)
    before = ends - dt.timedelta(seconds=1)
    assert send.raw(founded, old_key.sign(data(founded)), before).applied == 1
    first = alpha.next(admitted(1))
    assert send.raw(first, new_key.sign(data(first)), before).applied == 1
    second = alpha.next(admitted(2))
    assert send.raw(second, old_key.sign(data(second)), ends).dead_letters == 1
    assert send.raw(second, new_key.sign(data(second)), ends).applied == 1
    assert letters(views) == [
        (None, None, "signature does not verify with the subject's co-op's keys")
    ]


def test_the_registry_keeps_key_ends_and_the_keyring_reloads_on_a_miss(
    tmp_path: Path, views: ConsortiumViews
) -> None:
    """A co-op registered after the keys were loaded is known by the time its
    first message is checked: a miss reloads the registry once per batch."""
    registry = ConsortiumRegistry(StoreConfig(path=f"{tmp_path}/registry.db").env())
    try:
        views.keyring = Keyring(registry.signing_keys)
        views.keyring.refresh()
        first, second = coop_public_key("alpha"), coop_public_key("alpha-2")
        registry.register("alpha", "Alpha Care", public_key=first, unsigned_until=0)
        send = Sender(views)
        alpha = ChainWriter("alpha")
        assert send.signed(alpha.next(FOUNDED)).applied == 1

        ends = registry.rotate_key("alpha", second, dt.timedelta(hours=1))
        now = dt.datetime.now(dt.UTC)
        assert now + dt.timedelta(minutes=59) < ends < now + dt.timedelta(hours=1)
        registry.revoke_credentials("alpha")
        keys = dict(registry.signing_keys()["alpha"].keys)
        assert keys[first] == ends
        assert keys[second] is not None and keys[second] <= dt.datetime.now(dt.UTC)
        assert registry.publishing_keys() == {}
    finally:
        registry.close()
