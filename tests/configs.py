"""Configs for the nodes tests start."""

from node.config import NodeConfig, new_secret
from tests.keys import coop_seed
from toolkit.config import BrokerConfig, StoreConfig


def node_config(
    coop_id: str,
    store: StoreConfig,
    servers: list[str],
    *,
    profile: str = "uk_multi_stakeholder",
    share: list[str] | None = None,
) -> NodeConfig:
    return NodeConfig(
        coop_id=coop_id,
        name=f"{coop_id.title()} Care Co-op",
        secret=new_secret(),
        profile=profile,
        share=share or ["membership"],
        store=store,
        broker=BrokerConfig(servers=servers, nkey_seed=coop_seed(coop_id)),
    )
