"""The ``commonweal`` command line."""

import argparse
import asyncio
import logging
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from commonweal.attestation_commands import add_commands as add_attestation_commands
from commonweal.backup_commands import add_commands as add_backup_commands
from commonweal.mirror_commands import add_commands as add_mirror_commands
from commonweal.spinoff_commands import add_commands as add_spinoff_commands
from commonweal.upward_commands import add_commands as add_upward_commands
from node.errors import DomainError
from toolkit.config import (
    ConfigError,
    StoreConfig,
    load_config,
    write_config,
)
from toolkit.private_files import private_folder

if TYPE_CHECKING:
    from federation.config import ConsortiumConfig


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    if getattr(args, "json_logs", False):
        from toolkit.logs import configure

        configure(args.verbose)
    else:
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    try:
        return int(args.handler(args) or 0)
    except (ConfigError, DomainError, ValueError) as error:
        print(f"commonweal: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commonweal", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(metavar="command")

    demo = commands.add_parser("demo", help="run a whole consortium on this machine")
    demo.add_argument("--data-dir", type=Path, help="keep the data here (empty dir)")
    demo.add_argument("--members", type=int, default=60, help="applicants per co-op")
    demo.add_argument("--json", action="store_true", help="print the report as JSON")
    demo.add_argument(
        "--serve",
        action="store_true",
        help="keep it running: the dashboard, each co-op's pages, sign-in links",
    )
    demo.set_defaults(handler=_demo)

    report = commands.add_parser("report", help="print the consortium report")
    report.add_argument("--config", type=Path, default=Path("consortium.toml"))
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler=_report)

    node = commands.add_parser("node", help="run a co-op node").add_subparsers(
        metavar="action"
    )
    init = node.add_parser("init", help="write node.toml and found the co-op")
    init.add_argument("--config", type=Path, required=True, help="node.toml to write")
    init.add_argument("--coop-id", required=True)
    init.add_argument("--name", required=True)
    init.add_argument("--profile", default="uk_multi_stakeholder")
    init.add_argument("--broker", default="nats://127.0.0.1:4222")
    init.add_argument("--store-path", default="node.db")
    init.add_argument("--http-port", type=int, default=8080)
    init.set_defaults(handler=_node_init)
    run_node = node.add_parser("run", help="run the node and its replicator")
    run_node.add_argument("--config", type=Path, default=Path("node.toml"))
    run_node.add_argument(
        "--json-logs", action="store_true", help="JSON log lines, with access logs"
    )
    run_node.set_defaults(handler=_node_run)

    consortium = commands.add_parser("consortium", help="run the consortium")
    consortium_actions = consortium.add_subparsers(metavar="action")
    run_consortium = consortium_actions.add_parser("run", help="run the aggregator")
    run_consortium.add_argument("--config", type=Path, default=Path("consortium.toml"))
    run_consortium.add_argument(
        "--json-logs", action="store_true", help="JSON log lines, with access logs"
    )
    run_consortium.add_argument(
        "--partition",
        type=int,
        help="the partition of the co-ops this process applies (0 to partitions - 1)",
    )
    run_consortium.add_argument(
        "--partitions",
        type=int,
        help="how many aggregator processes share the co-ops (else the config's)",
    )
    run_consortium.add_argument(
        "--port", type=int, help="the HTTP port (else the config's [http] port)"
    )
    run_consortium.set_defaults(handler=_consortium_run)

    broker = commands.add_parser("broker", help="run the embedded nats-server")
    broker_actions = broker.add_subparsers(metavar="action")
    run_broker = broker_actions.add_parser("run", help="run nats-server with JetStream")
    run_broker.add_argument("--port", type=int, default=4222)
    run_broker.add_argument(
        "--store-dir", type=Path, required=True, help="JetStream's data and the log"
    )
    run_broker.add_argument("--config", type=Path, help="a nats-server config file")
    run_broker.add_argument(
        "--complete", action="store_true", help="the config sets listen and JetStream"
    )
    run_broker.set_defaults(handler=_broker_run)

    add_spinoff_commands(commands, node, consortium_actions)
    add_backup_commands(node, consortium_actions)
    add_attestation_commands(commands, consortium_actions)
    add_upward_commands(consortium_actions)
    add_mirror_commands(consortium_actions)

    schemas = commands.add_parser("schemas", help="regenerate schemas/json")
    schemas.add_argument("--check", action="store_true", help="fail if stale")
    schemas.set_defaults(handler=_schemas)

    translations = commands.add_parser(
        "translations", help="keep the pages' language catalogs in step with the code"
    )
    translations.add_argument(
        "action",
        choices=["update", "check"],
        help="update: add new strings to each catalog; check: fail on any missing",
    )
    translations.set_defaults(handler=_translations)
    return parser


def _translations(args: argparse.Namespace) -> int:
    from commonweal import translations

    if args.action == "update":
        for language, left in translations.update().items():
            path = translations.catalog_path(language)
            print(f"{path}: {left} string(s) to translate")
        return 0
    failed = False
    for language, problems in translations.check().items():
        for problem in problems:
            print(f"{language}: {problem}", file=sys.stderr)
            failed = True
    if not failed:
        print("every string is translated")
    return 1 if failed else 0


def _demo(args: argparse.Namespace) -> int:
    from commonweal.demo import run_demo, serve_demo
    from federation.report import render_table, report_json

    def demo(data_dir: Path) -> None:
        if args.serve:
            asyncio.run(serve_demo(data_dir, members=args.members))
            return
        report = asyncio.run(run_demo(data_dir, members=args.members))
        if args.json:
            sys.stdout.buffer.write(report_json(report) + b"\n")
        else:
            print(render_table(report), end="")

    if args.data_dir is not None:
        if args.data_dir.exists() and any(args.data_dir.iterdir()):
            raise ConfigError(f"--data-dir {args.data_dir} is not empty")
        private_folder(args.data_dir)
        demo(args.data_dir)
    else:
        with tempfile.TemporaryDirectory(prefix="commonweal-demo-") as tmp:
            demo(Path(tmp))
    return 0


def _report(args: argparse.Namespace) -> int:
    from federation.config import ConsortiumConfig
    from federation.ingest import ConsortiumViews
    from federation.registry import ConsortiumRegistry
    from federation.report import build_report, render_table, report_json

    config = load_config(args.config, ConsortiumConfig)
    views = ConsortiumViews.construct(config.store_env())
    registry = ConsortiumRegistry(config.registry_env())
    report = build_report(views, registry.lineage())
    if args.json:
        sys.stdout.buffer.write(report_json(report) + b"\n")
    else:
        print(render_table(report), end="")
    return 0


def _node_init(args: argparse.Namespace) -> int:
    from commonweal.provisioning import new_node_http, show_admin_token
    from federation.credentials import new_user_seed, public_key
    from node.config import NodeConfig, new_secret
    from node.service import NodeService
    from toolkit.config import BrokerConfig

    if args.config.exists():
        raise ConfigError(f"{args.config} exists already; refusing to overwrite it")
    http, admin_token = new_node_http(args.http_port)
    config = msgspec.convert(
        {
            "coop_id": args.coop_id,
            "name": args.name,
            "secret": new_secret(),
            "profile": args.profile,
            "store": msgspec.to_builtins(StoreConfig(path=args.store_path)),
            "broker": msgspec.to_builtins(
                # The node's key: its broker user and what it signs with.
                BrokerConfig(servers=[args.broker], nkey_seed=new_user_seed())
            ),
            "http": msgspec.to_builtins(http),
        },
        NodeConfig,
    )
    _check_profile(config.profile)
    folder = args.config.parent
    private_folder(folder)
    NodeService(msgspec.structs.replace(config, base_dir=str(folder))).found_if_new()
    write_config(args.config, config)  # 0600: the node's secret and key's seed
    print(
        f"wrote {args.config}; co-op {config.coop_id} founded; its public key "
        f"{public_key(config.broker.nkey_seed)}"
    )
    show_admin_token(admin_token)
    return 0


def _node_run(args: argparse.Namespace) -> int:
    from node.config import NodeConfig
    from node.service import NodeService

    config = load_config(args.config, NodeConfig)

    async def run() -> None:
        from node.http import make_app
        from toolkit.running import serve, until_signalled

        node = NodeService(config)
        node.found_if_new()
        node.start()
        runner, url = await serve(make_app(node), config.http.host, config.http.port)
        print(f"serving {url}/", flush=True)
        await until_signalled()
        await runner.cleanup()
        await node.stop()

    asyncio.run(run())
    return 0


def _consortium_run(args: argparse.Namespace) -> int:
    from federation.config import ConsortiumConfig
    from federation.service import ConsortiumService

    config = _partitioned(load_config(args.config, ConsortiumConfig), args)

    async def run() -> None:
        from federation.http import make_consortium_app
        from toolkit.running import serve, until_signalled

        consortium = ConsortiumService(config)
        consortium.start()
        app = make_consortium_app(consortium)
        runner, url = await serve(app, config.http.host, config.http.port)
        print(f"serving {url}/", flush=True)
        await until_signalled()
        await runner.cleanup()
        await consortium.stop()

    asyncio.run(run())
    return 0


def _partitioned(
    config: "ConsortiumConfig", args: argparse.Namespace
) -> "ConsortiumConfig":
    """The config with the command line's partition, partitions and port, checked
    as the config file's own would be. Partition K of a partitioned consortium
    serves HTTP on the configured port + K, so the processes of one config (a
    systemd template's instances) never want the same port."""
    from federation.config import ConsortiumConfig

    fields = msgspec.structs.asdict(config)
    if args.partition is not None:
        fields["partition"] = args.partition
    if args.partitions is not None:
        fields["partitions"] = args.partitions
    port = args.port
    if port is None and fields["partitions"] > 1 and config.http.port:
        port = config.http.port + fields["partition"]
    if port is not None:
        fields["http"] = msgspec.structs.replace(config.http, port=port)
    try:
        return msgspec.convert(fields, ConsortiumConfig, from_attributes=True)
    except msgspec.ValidationError as error:
        raise ConfigError(f"{args.config}: {error}") from None


def _broker_run(args: argparse.Namespace) -> int:
    from federation.broker import NatsServer, PortInUse

    server = NatsServer(
        args.store_dir,
        port=args.port,
        config_file=args.config,
        complete_config=args.complete,
    )
    # nats-server runs in a session of its own (a Ctrl-C in the terminal is not
    # sent to it), so this process stops it on SIGINT and SIGTERM alike.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.default_int_handler)
    try:
        server.start()
        print(f"nats-server listening on {server.url}; Ctrl-C stops it", flush=True)
        assert server.process is not None
        returncode = server.process.wait()
        print(f"nats-server exited ({returncode})", file=sys.stderr)
        return 1
    except PortInUse as error:
        print(
            f"commonweal: {error}; is a broker running there already?", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


def _schemas(args: argparse.Namespace) -> int:
    from schemas import jsonschema

    if args.check:
        stale = jsonschema.stale_files()
        if stale:
            print("stale JSON Schema files: " + ", ".join(stale), file=sys.stderr)
            print("run: commonweal schemas", file=sys.stderr)
            return 1
        print("schemas/json is up to date")
        return 0
    for name in jsonschema.write():
        print(f"wrote schemas/json/{name}")
    return 0


def _check_profile(name: str) -> None:
    from node.rules import profile_named

    profile_named(name)
