"""Hours between co-ops on a hub as production runs it: each co-op's own nkey
user, allowed only its own subjects, reads what the consortium relays it by the
renamed direct get (``cw.own-relay``), and an exchange goes there and back."""

from pathlib import Path

import msgspec
import pytest

from federation.service import ConsortiumService
from federation.statement_key import statement_public_key
from node.config import NodeConfig
from node.service import NodeService
from node.timebank import time_account_id
from tests.configs import node_config
from tests.secured import SecuredHub
from tests.test_governance import admit
from tests.test_mirror_delivery import with_key
from tests.waiting import wait_for
from toolkit.config import BrokerConfig, StoreConfig


def secured_node(
    tmp_path: Path, coop_id: str, broker: BrokerConfig, consortium_key: str
) -> NodeService:
    config: NodeConfig = node_config(
        coop_id, StoreConfig(path=str(tmp_path / f"{coop_id}.db")), broker.servers
    )
    node = NodeService(
        msgspec.structs.replace(
            config, broker=broker, consortium_key=consortium_key, relay_every=0.2
        )
    )
    node.found_if_new()
    node.start()
    return node


@pytest.mark.slow
async def test_hours_go_there_and_back_on_a_secured_hub(
    secured_hub: SecuredHub, tmp_path: Path
) -> None:
    config = with_key(secured_hub.consortium, tmp_path)
    alpha_broker = secured_hub.register("alpha")
    beta_broker = secured_hub.register("beta")
    consortium = ConsortiumService(config)
    consortium.start()
    key = statement_public_key(config)
    alpha = secured_node(tmp_path, "alpha", alpha_broker, key)
    beta = secured_node(tmp_path, "beta", beta_broker, key)
    try:
        (volunteer,) = admit(alpha.coop_node, "worker")
        (mother,) = admit(beta.coop_node, "service_user")
        alpha.coop_node.open_time_account(volunteer)
        beta.coop_node.open_time_account(mother)
        reference = beta.coop_node.reference_of(mother)
        sent = alpha.coop_node.send_hours(volunteer, "beta", 90, reference)
        # And one to a co-op the consortium does not know: refunded.
        lost = alpha.coop_node.send_hours(volunteer, "gamma", 30)
        alpha.wake_replicators()

        def states() -> dict[object, str]:
            return {o.id: o.state for o in alpha.coop_node.hours_out()}

        await wait_for(
            lambda: states() == {sent: "confirmed", lost: "refunded"},
            timeout=30,
            what="both answers, relayed through the secured hub",
        )
        assert beta.coop_node.time_account_of(mother).balance == 90
        assert alpha.coop_node.time_account(time_account_id(volunteer)).balance == -90
        (owed,) = alpha.coop_node.clearing_accounts()
        (owing,) = beta.coop_node.clearing_accounts()
        assert (owed.partner, owed.balance) == ("beta", 90)
        assert (owing.partner, owing.balance) == ("alpha", -90)
        assert alpha.coop_node.transit_balance() == 0
        # Each node read its own relays, one each way, and nothing else.
        assert (alpha.coop_node.relay_position(), beta.coop_node.relay_position()) == (
            2,
            1,
        )
    finally:
        await alpha.stop()
        await beta.stop()
        await consortium.stop()
