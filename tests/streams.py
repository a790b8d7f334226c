"""Reading and writing the federation stream directly, as an outsider would."""

import datetime as dt

import msgspec
import nats
from nats.js.errors import NotFoundError

from federation.broker import FEDERATION_STREAM
from schemas import GENESIS_HASH, Envelope, Payload, chain_hash, encode_payload
from schemas import membership as m
from schemas.envelope import WireBody
from tests.keys import coop_seed
from toolkit.signing import SIGNATURE_HEADER, Signer

DAY = dt.date(2026, 1, 5)
FOUNDED = m.CoopFounded(
    name="Alpha Care", profile="uk", member_classes=["worker"], founded_on=DAY
)


def admitted(n: int) -> m.MemberAdmitted:
    """The admission of member ``n`` (a made-up pseudonym), as a payload."""
    return m.MemberAdmitted(member=f"{n:032x}", member_class="worker", admitted_on=DAY)


async def stream_messages(url: str, **connect: object) -> list[tuple[str, bytes]]:
    """Every message in the federation stream, in order, as (subject, data)."""
    nc = await nats.connect(url, **connect)  # type: ignore[arg-type]
    try:
        js = nc.jetstream()
        info = await js.stream_info(FEDERATION_STREAM)
        messages = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg(FEDERATION_STREAM, seq)
            except NotFoundError:
                continue
            messages.append((msg.subject, msg.data or b""))
        return messages
    finally:
        await nc.close()


async def publish_raw(url: str, subject: str, data: bytes, **connect: object) -> None:
    """Publish straight onto the stream, bypassing every node (a forger's view)."""
    nc = await nats.connect(url, **connect)  # type: ignore[arg-type]
    try:
        await nc.jetstream().publish(subject, data)
    finally:
        await nc.close()


async def publish_signed(
    url: str, subject: str, data: bytes, **connect: object
) -> None:
    """Publish ``data`` signed with the test key of the subject's co-op: what that
    co-op's own node would send, broken chain or not."""
    signature = Signer(coop_seed(subject.split(".")[2])).sign(data)
    nc = await nats.connect(url, **connect)  # type: ignore[arg-type]
    try:
        await nc.jetstream().publish(
            subject, data, headers={SIGNATURE_HEADER: signature}
        )
    finally:
        await nc.close()


async def stream_envelopes(url: str, **connect: object) -> list[Envelope]:
    """Every envelope in the federation stream, unpacking batched messages."""
    envelopes: list[Envelope] = []
    for _, data in await stream_messages(url, **connect):
        body = msgspec.json.decode(data, type=WireBody)
        envelopes += body if isinstance(body, list) else [body]
    return envelopes


class ChainWriter:
    """Builds a co-op's envelopes by hand, the way a node would (or a forger)."""

    def __init__(self, coop_id: str) -> None:
        self.coop_id = coop_id
        self.seq = 0
        self.hash = GENESIS_HASH

    def next(self, payload: Payload | bytes, schema: str | None = None) -> Envelope:
        """The envelope after the last one; ``payload`` as a Struct or raw bytes."""
        data = payload if isinstance(payload, bytes) else encode_payload(payload)
        envelope = Envelope(
            coop_id=self.coop_id,
            seq=self.seq + 1,
            prev_seq=self.seq,
            event_id=f"e{self.seq + 1}",
            occurred_at=dt.date(2026, 1, 1),
            schema=schema or payload.SCHEMA,  # type: ignore[union-attr]
            payload=msgspec.Raw(data),
            prev_hash=self.hash,
            hash=chain_hash(self.hash, data),
        )
        self.seq, self.hash = envelope.seq, envelope.hash
        return envelope
