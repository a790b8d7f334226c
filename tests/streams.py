"""Reading and writing the federation stream directly, as an outsider would."""

import msgspec
import nats
from nats.js.errors import NotFoundError

from federation.broker import FEDERATION_STREAM
from schemas import Envelope
from schemas.envelope import WireBody


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


async def stream_envelopes(url: str, **connect: object) -> list[Envelope]:
    """Every envelope in the federation stream, unpacking batched messages."""
    envelopes: list[Envelope] = []
    for _, data in await stream_messages(url, **connect):
        body = msgspec.json.decode(data, type=WireBody)
        envelopes += body if isinstance(body, list) else [body]
    return envelopes
