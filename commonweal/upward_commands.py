"""CLI commands for consortia of consortia (added to commonweal.cli).

- ``commonweal consortium publish-upward``: share the consortium's published
  report with its federation once, now (the running consortium also does, after
  new data and on a schedule).
- ``commonweal consortium register-consortium``: at the federation, register a
  member consortium with the key of its ``[upward]`` section.
- ``commonweal consortium federation-report``: the federation's report, summed
  over its consortia.
"""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import msgspec

from toolkit.config import ConfigError, load_config


def add_commands(consortium_actions: Any) -> None:
    publish = consortium_actions.add_parser(
        "publish-upward", help="share the published report with the federation now"
    )
    publish.add_argument("--config", type=Path, default=Path("consortium.toml"))
    publish.set_defaults(handler=_publish_upward)
    register = consortium_actions.add_parser(
        "register-consortium",
        help="at a federation: register a member consortium with its upward key",
    )
    register.add_argument(
        "--config", type=Path, default=Path("federation.toml"), help="the federation's"
    )
    register.add_argument(
        "--member-config", type=Path, required=True, help="the consortium's"
    )
    register.set_defaults(handler=_register_consortium)
    report = consortium_actions.add_parser(
        "federation-report", help="a federation's report, summed over its consortia"
    )
    report.add_argument("--config", type=Path, default=Path("federation.toml"))
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler=_federation_report)


def _publish_upward(args: argparse.Namespace) -> int:
    from federation.config import ConsortiumConfig
    from federation.ingest import ConsortiumViews
    from federation.registry import ConsortiumRegistry
    from federation.upward import UpwardPublisher, publish_upward_once
    from federation.upward_log import UpwardLog

    config = load_config(args.config, ConsortiumConfig)
    if config.upward is None:
        raise ConfigError(f"{args.config} has no [upward] section: no federation")
    views = ConsortiumViews.construct(config.store_env())
    registry = ConsortiumRegistry(config.registry_env())
    publisher = UpwardPublisher(
        views, registry.lineage, UpwardLog(views), config.upward
    )
    try:
        seq = asyncio.run(publish_upward_once(publisher))
    finally:
        views.factory.close()
        registry.close()
    if seq is None:
        print("the federation has these figures already: nothing sent")
    else:
        print(f"shared report {seq} with the federation as {config.upward.member_id}")
    return 0


def _register_consortium(args: argparse.Namespace) -> int:
    from federation.config import ConsortiumConfig
    from federation.registry import ConsortiumRegistry
    from toolkit.signing import Signer

    federation = load_config(args.config, ConsortiumConfig)
    member = load_config(args.member_config, ConsortiumConfig)
    if member.upward is None:
        raise ConfigError(f"{args.member_config} has no [upward] section")
    registry = ConsortiumRegistry(federation.registry_env())
    try:
        registry.register(
            member.upward.member_id,
            member.name,
            public_key=Signer(member.upward.broker.nkey_seed).public_key,
            unsigned_until=0,
        )
    finally:
        registry.close()
    print(f"registered consortium {member.upward.member_id} ({member.name})")
    return 0


def _federation_report(args: argparse.Namespace) -> int:
    from federation.config import ConsortiumConfig
    from federation.federation_report import build_federation_report, render_federation
    from federation.ingest import ConsortiumViews
    from federation.registry import ConsortiumRegistry
    from federation.suppression import published

    config = load_config(args.config, ConsortiumConfig)
    views = ConsortiumViews.construct(config.store_env())
    registry = ConsortiumRegistry(config.registry_env())
    try:
        report = build_federation_report(views, registry.lineage())
    finally:
        views.factory.close()
        registry.close()
    if args.json:
        encoded = msgspec.json.encode(published(report))
        sys.stdout.buffer.write(msgspec.json.format(encoded, indent=2) + b"\n")
    else:
        print(render_federation(report), end="")
    return 0
