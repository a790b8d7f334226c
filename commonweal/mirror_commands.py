"""CLI commands for the network's mirror (added to commonweal.cli).

- ``commonweal consortium publish-mirrors``: compute and publish every registered
  co-op's mirror now (the running consortium does it daily by itself).

The public key a node checks mirrors by (``consortium_key`` in node.toml) is
printed by ``commonweal consortium statement-key`` (commonweal.attestation_commands).
"""

import argparse
import asyncio
from pathlib import Path
from typing import Any

from toolkit.config import load_config


def add_commands(consortium_actions: Any) -> None:
    publish = consortium_actions.add_parser(
        "publish-mirrors", help="publish every co-op's comparison with the network"
    )
    publish.add_argument("--config", type=Path, default=Path("consortium.toml"))
    publish.set_defaults(handler=_publish_mirrors)


def _publish_mirrors(args: argparse.Namespace) -> int:
    import nats

    from federation.config import ConsortiumConfig
    from federation.ingest import ConsortiumViews
    from federation.mirror_publisher import publish_mirrors
    from federation.registry import ConsortiumRegistry

    config = load_config(args.config, ConsortiumConfig)

    async def run() -> int:
        views = ConsortiumViews.construct(config.store_env())
        registry = ConsortiumRegistry(config.registry_env())
        nc = await nats.connect(
            config.broker.servers,
            allow_reconnect=False,
            **config.broker.connect_options(),
        )
        try:
            return await publish_mirrors(nc, config, views, registry)
        finally:
            await nc.close()
            views.factory.close()
            registry.close()

    published = asyncio.run(run())
    print(f"published {published} network mirrors")
    return 0
