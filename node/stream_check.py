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
from nats.errors import NoRespondersError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from schemas import STREAMS, subject
from schemas.envelope import WireBody

# federation.broker.FEDERATION_STREAM (the node may not import federation; a test
# checks the two agree).
FEDERATION_STREAM = "CW_FEDERATION"


class StreamEnd(NamedTuple):
    seq: int
    hash: str


class StreamAhead(Exception):
    """The stream holds envelopes of this co-op that this store cannot continue."""


async def stream_end(js: JetStreamContext, coop_id: str) -> StreamEnd | None:
    """The highest-numbered envelope of ``coop_id`` on the federation stream, or
    None if it holds none. Reads the last message on each of the co-op's
    subjects (a direct get, which the broker can allow per co-op)."""
    end: StreamEnd | None = None
    for stream in STREAMS:
        try:
            message = await _last_message(js, subject(coop_id, stream))
        except NotFoundError:
            continue
        if message is None:
            continue
        body = msgspec.json.decode(message, type=WireBody)
        last = body[-1] if isinstance(body, list) else body
        if end is None or last.seq > end.seq:
            end = StreamEnd(last.seq, last.hash)
    return end


async def _last_message(js: JetStreamContext, on_subject: str) -> bytes | None:
    try:
        message = await js.get_last_msg(FEDERATION_STREAM, on_subject, direct=True)
    except NoRespondersError:
        # A stream made before direct gets were allowed: the API form.
        message = await js.get_last_msg(FEDERATION_STREAM, on_subject)
    return message.data
