"""Before a restored node publishes: does the co-op's chain on the broker still
continue from where this store stands?

A backup taken at notification N of a node that went on publishing up to M > N
leaves envelopes on the stream that the restored store cannot re-create: the
events behind them are not in it. Publishing from the backup's chain head would
write different envelopes under sequence numbers the consortium has applied
already (it ignores them as duplicates, silently losing them) and then break the
chain (dead letters). So a restored node reads the last envelope the stream
holds for its co-op first:

- at or behind its own chain head: it publishes on as usual;
- ahead, but every envelope up to it can be rebuilt from this store with the
  same hash (the backup was taken between a write and its publish): it moves its
  head there and publishes on, sending nothing twice;
- ahead with envelopes this store does not hold, or a different hash: it
  publishes nothing and says why (``StreamAhead``).
"""

from typing import NamedTuple

import msgspec
from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.js.errors import NotFoundError

from schemas import STREAMS, subject
from schemas.envelope import WireBody

# federation.broker.FEDERATION_STREAM and federation.credentials's name for a
# co-op's direct gets (the node may not import federation; a test checks them).
FEDERATION_STREAM = "CW_FEDERATION"
LAST_ENVELOPE_PREFIX = "cw.last"


class StreamEnd(NamedTuple):
    seq: int
    hash: str


class StreamAhead(Exception):
    """The stream holds envelopes of this co-op that this store cannot continue."""


async def stream_end(nc: NATS, coop_id: str, timeout: float = 5.0) -> StreamEnd | None:
    """The highest-numbered envelope of ``coop_id`` on the federation stream, or
    None if it holds none: the last message on each of the co-op's subjects."""
    end: StreamEnd | None = None
    for stream in STREAMS:
        # A partitioned consortium's stream stores the subject with the co-op's
        # partition after it (federation.partitions); one that became
        # partitioned holds the co-op's older messages without it.
        for on_subject in (subject(coop_id, stream), f"{subject(coop_id, stream)}.*"):
            message = await _last_message(nc, on_subject, timeout)
            if message is None:
                continue
            body = msgspec.json.decode(message, type=WireBody)
            last = body[-1] if isinstance(body, list) else body
            if end is None or last.seq > end.seq:
                end = StreamEnd(last.seq, last.hash)
    return end


async def _last_message(nc: NATS, on_subject: str, timeout: float) -> bytes | None:
    """A direct get of the last message on ``on_subject``: under the name the
    consortium's users file gives co-ops for it (``cw.last.<subject>``, which
    reaches the hub through a co-op's leaf broker too), else JetStream's own
    (an open broker), else the JetStream API (a stream without direct gets)."""
    for request in (
        f"{LAST_ENVELOPE_PREFIX}.{on_subject}",
        f"$JS.API.DIRECT.GET.{FEDERATION_STREAM}.{on_subject}",
    ):
        try:
            reply = await nc.request(request, b"", timeout=timeout)
        except NoRespondersError:
            continue
        status = (reply.headers or {}).get("Status")
        if status == "404":
            return None
        if status == "503":
            continue
        if status:
            raise RuntimeError(f"direct get of {on_subject}: status {status}")
        data: bytes = reply.data
        return data
    try:
        message = await nc.jetstream(timeout=timeout).get_last_msg(
            FEDERATION_STREAM, on_subject
        )
    except NotFoundError:
        return None
    return message.data
