"""A parent co-op ready to spin off Riverside Care: its config on disk and the
members, runners and approval in its store."""

import datetime as dt
from pathlib import Path
from uuid import UUID

import msgspec

from node.application import CoopNode
from node.config import NodeConfig, new_secret
from tests.carried import carried_motion
from toolkit.config import BrokerConfig, StoreConfig, load_config, write_config

DAY = dt.date(2026, 1, 12)
RUNNERS = [
    ("Aisha Okafor", "aisha@example.org", "worker"),
    ("Tomasz Novak", "tomasz@example.org", "service_user"),
]


def write_parent(base: Path, servers: list[str]) -> Path:
    path = base / "alpha" / "node.toml"
    config = NodeConfig(
        coop_id="alpha",
        name="Alpha Care",
        secret=new_secret(),
        store=StoreConfig(path="node.db"),
        broker=BrokerConfig(servers=servers),
    )
    write_config(path, config)
    return path


def load_node(path: Path) -> NodeConfig:
    config = load_config(path, NodeConfig)
    return msgspec.structs.replace(config, base_dir=str(path.parent))


def prepare_parent(
    app: CoopNode, *, consent: bool = True, spinoff_name: str = "Riverside Care"
) -> tuple[UUID, list[UUID]]:
    """Alpha admits members, proposes ``spinoff_name`` with two runners, approves
    it."""
    runners = []
    for name, email, member_class in RUNNERS:
        member = app.apply_for_membership(
            name=name, email=email, phone="07700", member_class=member_class
        )
        app.admit_member(member, DAY)
        runners.append(member)
    stayer = app.apply_for_membership(
        name="Stay Put", email="stay@example.org", member_class="volunteer"
    )
    app.admit_member(stayer, DAY)
    spinoff = app.propose_spinoff(spinoff_name)
    for runner in runners:
        app.name_runner(spinoff, runner)
        if consent:
            app.record_runner_consent(spinoff, runner)
    app.approve_spinoff(spinoff, motion_id=carried_motion(app, "spinoff_approval"))
    return spinoff, runners
