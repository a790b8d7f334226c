"""CLI commands for spin-offs and the consortium registry (added to commonweal.cli).

- ``commonweal node spinoff propose|runner|consent|approve|depart``: the parent
  node's side, run against its node.toml.
- ``commonweal spinoff``: provision the new node of an approved spin-off.
- ``commonweal consortium init``: a new consortium's folder, keys and users file.
- ``commonweal consortium register|revoke|suspend|reinstate``: the registry.
- ``commonweal consortium sync-users``: rewrite the hub's users from the registry.
- ``commonweal consortium rotate-key``: a co-op's new signing key, with an overlap.
"""

import argparse
import datetime as dt
from pathlib import Path
from typing import Any
from uuid import UUID

from toolkit.config import load_config

# What each registry action did, as the operator reads it.
DONE = {"revoke": "revoked", "suspend": "suspended", "reinstate": "reinstated"}


def add_commands(commands: Any, node_actions: Any, consortium_actions: Any) -> None:
    spinoff = commands.add_parser(
        "spinoff", help="provision the new node of an approved spin-off"
    )
    spinoff.add_argument("--parent-config", type=Path, required=True, help="node.toml")
    spinoff.add_argument("--spinoff", type=UUID, required=True, help="spin-off id")
    spinoff.add_argument("--consortium-config", type=Path, required=True)
    spinoff.add_argument("--out", type=Path, required=True, help="where its dir goes")
    spinoff.add_argument("--profile", help="rules profile (default: the parent's)")
    spinoff.add_argument("--broker", action="append", help="broker URL for the node")
    spinoff.add_argument(
        "--http-port", type=int, help="the node's HTTP port (default: a free one)"
    )
    spinoff.set_defaults(handler=_provision)

    node = node_actions.add_parser("spinoff", help="propose and approve a spin-off")
    steps = node.add_subparsers(metavar="step")
    for step, help_text in (
        ("propose", "propose a new co-op; prints the spin-off's id"),
        ("runner", "name an admitted member as a runner"),
        ("consent", "record a runner's consent to go"),
        ("approve", "approve the spin-off, naming the motion the members carried"),
        ("depart", "record a runner's departure from this co-op"),
    ):
        parser = steps.add_parser(step, help=help_text)
        parser.add_argument("--config", type=Path, default=Path("node.toml"))
        if step == "propose":
            parser.add_argument("--name", required=True)
        else:
            parser.add_argument("--spinoff", type=UUID, required=True)
        if step in ("runner", "consent", "depart"):
            parser.add_argument("--member", type=UUID, required=True)
        if step == "approve":
            parser.add_argument(
                "--motion",
                type=UUID,
                required=True,
                help="the spin-off approval motion the members carried (motion pages)",
            )
        parser.set_defaults(handler=_node_step, step=step)

    init = consortium_actions.add_parser(
        "init", help="write a new consortium's config, keys and the hub's users file"
    )
    init.add_argument("--dir", type=Path, required=True, help="the folder to write")
    init.add_argument("--broker", action="append", help="the hub's URL (repeatable)")
    init.add_argument("--http-port", type=int, default=8090)
    init.add_argument(
        "--monitor-port",
        type=int,
        default=8222,
        help="the hub's monitoring port (loopback), read to confirm reloads",
    )
    init.set_defaults(handler=_init)

    register = consortium_actions.add_parser(
        "register",
        help="register a co-op with its key (its broker user and signing key)",
    )
    register.add_argument("--config", type=Path, default=Path("consortium.toml"))
    register.add_argument("--node-config", type=Path, required=True)
    register.add_argument("--parent", help="the co-op it spun off from")
    register.set_defaults(handler=_register)
    rotate = consortium_actions.add_parser(
        "rotate-key", help="give a co-op a new key; the old one signs on a while"
    )
    rotate.add_argument("--config", type=Path, default=Path("consortium.toml"))
    rotate.add_argument("--node-config", type=Path, required=True)
    rotate.add_argument(
        "--overlap-hours",
        type=float,
        default=24.0,
        help="how long the old key stays valid (default 24)",
    )
    rotate.set_defaults(handler=_rotate)
    for action in ("revoke", "suspend", "reinstate"):
        parser = consortium_actions.add_parser(
            action, help=f"{action} a co-op's broker credentials"
        )
        parser.add_argument("--config", type=Path, default=Path("consortium.toml"))
        parser.add_argument("--coop-id", required=True)
        if action == "suspend":
            parser.add_argument("--reason", required=True)
        parser.set_defaults(handler=_registry_action, action=action)
    sync = consortium_actions.add_parser(
        "sync-users",
        help="rewrite the hub's users file from the registry and have it reload",
    )
    sync.add_argument("--config", type=Path, default=Path("consortium.toml"))
    sync.add_argument(
        "--offline", action="store_true", help="only write it: the broker is stopped"
    )
    sync.set_defaults(handler=_sync_users)


def _init(args: argparse.Namespace) -> int:
    from commonweal.consortium_init import init_consortium

    config = init_consortium(
        args.dir,
        servers=args.broker or ["nats://127.0.0.1:4222"],
        http_port=args.http_port,
        monitor_port=args.monitor_port,
    )
    print(
        f"wrote {config} (with the consortium's nkey seed), and the hub's "
        f"{args.dir / 'users.conf'} and {args.dir / 'hub.conf'}"
    )
    return 0


def _provision(args: argparse.Namespace) -> int:
    from commonweal.provisioning import provision_spinoff, show_admin_token
    from federation.config import ConsortiumConfig
    from node.config import NodeConfig

    result = provision_spinoff(
        load_config(args.parent_config, NodeConfig),
        args.spinoff,
        load_config(args.consortium_config, ConsortiumConfig),
        args.out,
        profile=args.profile,
        servers=args.broker,
        http_port=args.http_port,
    )
    print(
        f"provisioned {result.coop_id} ({result.name}), spun off from "
        f"{result.parent}, {result.founders} founding member(s), HTTP on port "
        f"{result.http_port}: commonweal node run --config {result.config_path}"
    )
    show_admin_token(result.admin_token)
    return 0


def _node_step(args: argparse.Namespace) -> int:
    from node.application import CoopNode
    from node.config import NodeConfig

    config = load_config(args.config, NodeConfig)
    app = CoopNode(config.coop_id, config.store_env())
    try:
        if args.step == "propose":
            print(app.propose_spinoff(args.name))
        elif args.step == "runner":
            app.name_runner(args.spinoff, args.member)
        elif args.step == "consent":
            app.record_runner_consent(args.spinoff, args.member)
        elif args.step == "approve":
            app.approve_spinoff(args.spinoff, motion_id=args.motion)
        elif args.step == "depart":
            app.record_runner_departure(args.spinoff, args.member)
    finally:
        app.close()
    return 0


def _register(args: argparse.Namespace) -> int:
    from commonweal.provisioning import register_existing
    from federation.config import ConsortiumConfig
    from node.config import NodeConfig

    node_config = load_config(args.node_config, NodeConfig)
    key = register_existing(
        load_config(args.config, ConsortiumConfig),
        args.node_config,
        node_config,
        parent=args.parent,
    )
    print(f"registered {node_config.coop_id}; its key (broker user, signing) {key}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from commonweal.coop_keys import rotate_key
    from federation.config import ConsortiumConfig
    from node.config import NodeConfig

    node_config = load_config(args.node_config, NodeConfig)
    key, until = rotate_key(
        load_config(args.config, ConsortiumConfig),
        args.node_config,
        node_config,
        dt.timedelta(hours=args.overlap_hours),
    )
    print(
        f"{node_config.coop_id}: new key {key}, written into {args.node_config}; "
        f"the old key signs until {until:%Y-%m-%d %H:%M} UTC: restart the node"
    )
    return 0


def _registry_action(args: argparse.Namespace) -> int:
    from federation.config import ConsortiumConfig
    from federation.credentials import sync_broker_users
    from federation.registry import ConsortiumRegistry

    config = load_config(args.config, ConsortiumConfig)
    registry = ConsortiumRegistry(config.registry_env())
    try:
        if args.action == "revoke":
            registry.revoke_credentials(args.coop_id)
        elif args.action == "suspend":
            registry.suspend(args.coop_id, args.reason)
        else:
            registry.reinstate(args.coop_id)
        sync_broker_users(config, registry)
    finally:
        registry.close()
    print(f"{args.coop_id}: {DONE[args.action]}")
    return 0


def _sync_users(args: argparse.Namespace) -> int:
    from federation.config import ConsortiumConfig
    from federation.credentials import sync_broker_users
    from federation.registry import ConsortiumRegistry

    config = load_config(args.config, ConsortiumConfig)
    registry = ConsortiumRegistry(config.registry_env())
    try:
        sync_broker_users(config, registry, reload=not args.offline)
    finally:
        registry.close()
    print(f"wrote {config.path(config.auth.users_file)}")
    return 0
