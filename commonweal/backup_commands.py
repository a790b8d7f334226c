"""``commonweal node backup|restore|export|import`` and ``commonweal consortium
backup|restore`` (commonweal.backup does the work)."""

import argparse
from pathlib import Path
from typing import Any


def add_commands(node: Any, consortium: Any) -> None:
    """Register the commands on the ``node`` and ``consortium`` subparsers."""
    for name, help_text in (
        ("backup", "snapshot the running node's store, config and sealed secrets"),
        ("export", "the same as backup: the node, its config and keys, to move it"),
    ):
        command = node.add_parser(name, help=help_text)
        command.add_argument("--config", type=Path, default=Path("node.toml"))
        command.add_argument("--to", type=Path, required=True, help="a new folder")
        command.set_defaults(handler=_node_backup)
    for name, help_text in (
        ("restore", "restore a node backup into a new folder"),
        ("import", "restore an exported node on this machine, in a new folder"),
    ):
        command = node.add_parser(name, help=help_text)
        command.add_argument("--from", dest="source", type=Path, required=True)
        command.add_argument("--to", type=Path, required=True, help="a new folder")
        command.add_argument(
            "--broker", action="append", help="broker URL here (repeat for several)"
        )
        command.add_argument("--http-port", type=int, help="HTTP port here")
        command.add_argument("--schema", help="PostgreSQL store: an empty schema")
        command.add_argument(
            "--erasures",
            action="append",
            type=Path,
            default=[],
            help="the erasure register of the node this replaces (erasure-register"
            ".txt beside its node.toml; repeat for several): the keys it lists are "
            "destroyed again before the node starts",
        )
        command.set_defaults(handler=_node_restore)

    backup = consortium.add_parser("backup", help="snapshot the consortium's stores")
    backup.add_argument("--config", type=Path, default=Path("consortium.toml"))
    backup.add_argument("--to", type=Path, required=True, help="a new folder")
    backup.set_defaults(handler=_consortium_backup)
    restore = consortium.add_parser("restore", help="restore it into a new folder")
    restore.add_argument("--from", dest="source", type=Path, required=True)
    restore.add_argument("--to", type=Path, required=True, help="a new folder")
    restore.add_argument("--schema", help="PostgreSQL stores: an empty schema")
    restore.set_defaults(handler=_consortium_restore)


def _node_backup(args: argparse.Namespace) -> int:
    from commonweal.backup import backup_node
    from commonweal.backup_secrets import passphrase

    manifest = backup_node(args.config, args.to, passphrase(confirm=True))
    store = manifest.stores["store"]
    print(
        f"backed up co-op {manifest.coop_id} to {args.to} (up to notification "
        f"{store.last_notification_id}); keep the passphrase: without it the "
        "backup cannot be restored"
    )
    return 0


def _node_restore(args: argparse.Namespace) -> int:
    from commonweal.backup import restore_node
    from commonweal.backup_secrets import passphrase

    config = restore_node(
        args.source,
        args.to,
        passphrase(confirm=False),
        servers=args.broker,
        http_port=args.http_port,
        schema=args.schema,
        erasures=args.erasures,
    )
    print(
        f"restored into {args.to}; start it with: commonweal node run --config "
        f"{config}\nBefore it publishes, it checks the consortium has received "
        "nothing newer from this co-op than the backup holds"
    )
    return 0


def _consortium_backup(args: argparse.Namespace) -> int:
    from commonweal.backup import backup_consortium
    from commonweal.backup_secrets import passphrase

    manifest = backup_consortium(args.config, args.to, passphrase(confirm=True))
    print(f"backed up consortium {manifest.coop_id} to {args.to}")
    return 0


def _consortium_restore(args: argparse.Namespace) -> int:
    from commonweal.backup import restore_consortium
    from commonweal.backup_secrets import passphrase

    config = restore_consortium(
        args.source, args.to, passphrase(confirm=False), schema=args.schema
    )
    print(
        f"restored into {args.to}; start it with: commonweal consortium run "
        f"--config {config}"
    )
    return 0
