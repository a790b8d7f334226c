"""Hours relayed on a secured hub (federation.credentials): a co-op reads the
relays addressed to it and no other co-op's, however it asks, and no co-op can
put a relay in the stream."""

import asyncio

import nats
import pytest
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from federation.broker import ensure_relay_stream
from schemas import hours as h
from tests.hours_wire import relayed
from tests.secured import SecuredHub

OFFER = b'{"type":"hours.offer/1"}'  # what is relayed does not matter here


@pytest.mark.slow
async def test_each_coop_reads_only_its_own_relays_and_none_can_write_them(
    secured_hub: SecuredHub,
) -> None:
    alpha_broker = secured_hub.register("alpha")
    beta_broker = secured_hub.register("beta")
    consortium = secured_hub.consortium
    nc = await nats.connect(
        consortium.broker.servers, **consortium.broker.connect_options()
    )
    try:
        js = nc.jetstream(timeout=5)
        await ensure_relay_stream(js)
        for subject in (h.relay_subject("alpha", 1), h.relay_subject("beta", 1)):
            await js.publish(subject, OFFER + subject.encode())
    finally:
        await nc.close()

    # Alpha reads its own, through its renamed direct get.
    alpha = await nats.connect(
        alpha_broker.servers, allow_reconnect=False, **alpha_broker.connect_options()
    )
    try:
        own = await relayed(alpha, "alpha", 1, own=True)
        assert own is not None and own[0] == OFFER + b"cw.relay.alpha.1"
        assert await relayed(alpha, "alpha", 2, own=True) is None
    finally:
        await alpha.close()

    errors: list[str] = []

    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    beta = await nats.connect(
        beta_broker.servers,
        error_cb=on_error,
        allow_reconnect=False,
        **beta_broker.connect_options(),
    )
    alpha_subject = h.relay_subject("alpha", 1)
    try:
        assert await relayed(beta, "beta", 1, own=True) is not None
        # Alpha's relays, every way beta might ask for them.
        assert await relayed(beta, "alpha", 1, own=True, timeout=1) is None
        assert await relayed(beta, "alpha", 1, timeout=1) is None
        for request in (
            f"{h.OWN_RELAY_PREFIX}.{alpha_subject}",
            f"$JS.API.DIRECT.GET.{h.RELAY_STREAM}.{alpha_subject}",
            f"$JS.API.DIRECT.GET.{h.RELAY_STREAM}",
            f"$JS.API.STREAM.MSG.GET.{h.RELAY_STREAM}",
        ):
            with pytest.raises((NoRespondersError, NatsTimeout)):
                await beta.request(request, b'{"seq": 1}', timeout=1)
        # Its own subjects, asked for alpha's message by stream sequence or
        # with alpha's subject tacked on: never alpha's bytes.
        for request, body in (
            (f"{h.OWN_RELAY_PREFIX}.cw.relay.beta.1", b'{"seq": 1}'),
            (
                f"{h.OWN_RELAY_PREFIX}.cw.relay.beta.1",
                b'{"last_by_subj": "%s"}' % alpha_subject.encode(),
            ),
            (f"{h.OWN_RELAY_PREFIX}.cw.relay.beta.1.{alpha_subject}", b""),
        ):
            reply = await beta.request(request, body, timeout=1)
            assert b"cw.relay.alpha" not in reply.data
        with pytest.raises((NoRespondersError, NatsTimeout)):
            await beta.jetstream(timeout=1).get_last_msg(h.RELAY_STREAM, alpha_subject)
        await beta.subscribe("cw.relay.>")
        # Nor may it write a relay, to alpha or to itself.
        for subject in (h.relay_subject("alpha", 2), h.relay_subject("beta", 2)):
            await beta.publish(subject, OFFER)
            with pytest.raises((NoRespondersError, NatsTimeout)):
                await beta.jetstream(timeout=1).publish(subject, OFFER)
        await beta.flush()
        await asyncio.sleep(0.2)
    finally:
        await beta.close()
    assert any(
        f'publish to "{h.OWN_RELAY_PREFIX}.{alpha_subject}"' in e for e in errors
    )
    assert any('subscription to "cw.relay.>"' in e for e in errors)
    assert any('publish to "cw.relay.alpha.2"' in e for e in errors)

    # The stream holds the consortium's two relays and nothing else.
    nc = await nats.connect(
        consortium.broker.servers, **consortium.broker.connect_options()
    )
    try:
        info = await nc.jetstream(timeout=5).stream_info(h.RELAY_STREAM)
        assert info.state.messages == 2
        assert await relayed(nc, "alpha", 2) is None
    finally:
        await nc.close()
