"""Spin-offs: the parent's side, provisioning with `commonweal spinoff`, and the new
node reporting to the consortium with its lineage."""

import datetime as dt
import sqlite3
import time
from pathlib import Path
from uuid import UUID

import pytest

from commonweal.provisioning import allocate_coop_id, provision_spinoff
from federation.config import ConsortiumConfig
from federation.errors import DuplicateCoop, UnknownCoop
from federation.registry import ConsortiumRegistry
from federation.service import ConsortiumService
from node.application import CoopNode
from node.errors import (
    InvalidTransition,
    RunnerNotMember,
    SpinOffNotReady,
    UnknownMemberClass,
    UnknownSpinOff,
)
from node.rules import profile_named
from node.service import NodeService
from tests.carried import carried_motion
from tests.commands import commonweal
from tests.secured import SecuredHub
from tests.spinoff_parent import (
    DAY,
    RUNNERS,
    load_node,
    prepare_parent,
    write_parent,
)
from tests.streams import stream_messages
from tests.waiting import wait_for
from toolkit.config import StoreConfig, load_config


def test_spinoff_lifecycle_in_the_parent(tmp_path: Path, store: StoreConfig) -> None:
    app = CoopNode("alpha", store.env())
    app.found_coop("Alpha Care", profile_named("uk_multi_stakeholder"))
    applicant = app.apply_for_membership(
        name="Not Yet", email="n@example.org", member_class="worker"
    )
    spinoff, runners = prepare_parent(app)
    so = app.spinoff(spinoff)
    assert (so.status, so.runners) == ("approved", runners)
    assert app.ballot(UUID(so.ballot_id)).status == "closed"  # the motion's
    assert [f.name for f in app.founders(spinoff)] == [n for n, _, _ in RUNNERS]

    other = app.propose_spinoff("Hillside Care")
    with pytest.raises(RunnerNotMember, match="only admitted members"):
        app.name_runner(other, applicant)
    with pytest.raises(SpinOffNotReady, match="names no runner"):
        app.approve_spinoff(other, motion_id=carried_motion(app, "spinoff_approval"))
    with pytest.raises(InvalidTransition, match="not a runner"):
        app.record_runner_consent(spinoff, applicant)
    version = app.spinoff(spinoff).version
    with pytest.raises(InvalidTransition):
        app.name_runner(spinoff, runners[0])  # approved: the runners are fixed
    assert app.spinoff(spinoff).version == version

    app.record_runner_departure(spinoff, runners[0], DAY)
    assert app.member(runners[0]).status == "withdrawn"
    assert runners[0] in app.spinoff(spinoff).departed
    # A runner who left for the spin-off is still one of its founders.
    assert len(app.founders(spinoff)) == 2
    app.close()


def test_allocate_coop_id_is_readable_and_unique() -> None:
    assert allocate_coop_id("Riverside Care", set()) == "riverside-care"
    assert allocate_coop_id("Coopérative Été", set()) == "cooperative-ete"
    taken = {"riverside-care", "riverside-care-2"}
    assert allocate_coop_id("Riverside  Care!", taken) == "riverside-care-3"


def snapshot(base: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(base)): p.read_bytes()
        for p in sorted(base.rglob("*"))
        if p.is_file()
        and p.suffix not in (".db", ".log", ".pid")
        and "-wal" not in p.name
        and "-shm" not in p.name
        and "jetstream" not in p.parts
    }


def test_bad_spinoff_input_is_refused_and_provisions_nothing(
    tmp_path: Path, secured_hub: SecuredHub
) -> None:
    consortium = secured_hub.consortium
    parent_path = write_parent(tmp_path, [secured_hub.server.url])
    parent = load_node(parent_path)
    node = NodeService(parent)
    node.found_if_new()
    spinoff, runners = prepare_parent(node.coop_node)
    unconsented, _ = prepare_parent(node.coop_node, consent=False)
    node.coop_node.close()
    out = tmp_path / "nodes"
    users_file = consortium.path(consortium.auth.users_file)

    def refused(error: type[Exception], match: str, **kwargs: object) -> None:
        before_users = users_file.read_text()
        registry = ConsortiumRegistry(consortium.registry_env())
        before_registry = registry.recorder.max_notification_id()
        registry.close()
        with pytest.raises(error, match=match):
            provision_spinoff(
                kwargs.pop("parent", parent),  # type: ignore[arg-type]
                kwargs.pop("spinoff", spinoff),  # type: ignore[arg-type]
                consortium,
                out,
                **kwargs,  # type: ignore[arg-type]
            )
        assert not out.exists()  # no config file, no data directory
        assert users_file.read_text() == before_users  # no credentials
        registry = ConsortiumRegistry(consortium.registry_env())
        assert registry.recorder.max_notification_id() == before_registry
        registry.close()

    # Unknown parent: alpha is not registered in the consortium.
    refused(UnknownCoop, "parent co-op 'alpha' is not registered")
    secured_hub.register("alpha", "Alpha Care")
    # No consent from the runners.
    refused(SpinOffNotReady, "have not consented", spinoff=unconsented)
    # An unknown spin-off, and a profile without the runners' class.
    refused(UnknownSpinOff, "no spin-off", spinoff=UUID(int=7))
    refused(UnknownMemberClass, "does not have", profile="quebec_solidarity")
    # Duplicate name: a co-op called Riverside Care exists.
    secured_hub.register("river", "Riverside Care")
    refused(DuplicateCoop, "named 'Riverside Care' is registered already")
    # A runner who is no longer a member.
    app = CoopNode("alpha", parent.store_env())
    app.withdraw_member(runners[1], DAY)
    app.close()
    refused(RunnerNotMember, f"runner {runners[1]} is withdrawn")

    # The same refusals through the command line: exit 2, a clear message.
    run = commonweal(
        "spinoff", "--parent-config", str(parent_path), "--spinoff", str(unconsented),
        "--consortium-config", str(secured_hub.config_path), "--out", str(out),
    )  # fmt: skip
    assert run.returncode == 2
    assert "have not consented" in run.stderr
    assert not out.exists()


async def test_spinoff_command_provisions_a_node_that_reports_with_its_lineage(
    tmp_path: Path, secured_hub: SecuredHub
) -> None:
    consortium = ConsortiumService(secured_hub.consortium)
    consortium.start()
    parent_path = write_parent(tmp_path, [secured_hub.server.url])
    register = commonweal(
        "consortium", "register", "--config", str(secured_hub.config_path),
        "--node-config", str(parent_path),
    )  # fmt: skip
    assert register.returncode == 0, register.stderr
    parent = NodeService(load_node(parent_path))
    parent.found_if_new()
    parent.start()
    new_node: NodeService | None = None
    try:
        spinoff, runners = prepare_parent(parent.coop_node)
        await wait_for(lambda: consortium.views.position("alpha") > 0, what="alpha")

        started = time.monotonic()
        run = commonweal(
            "spinoff", "--parent-config", str(parent_path), "--spinoff", str(spinoff),
            "--consortium-config", str(secured_hub.config_path),
            "--out", str(tmp_path / "nodes"),
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert "provisioned riverside-care" in run.stdout
        node_dir = tmp_path / "nodes" / "riverside-care"
        config = load_node(node_dir / "node.toml")
        assert (config.coop_id, config.name, config.profile) == (
            "riverside-care", "Riverside Care", "uk_multi_stakeholder",
        )  # fmt: skip
        assert config.broker.nkey_seed.startswith("SU")
        assert (node_dir / "founders.json").exists()

        new_node = NodeService(config)
        new_node.found_if_new()
        new_node.start()
        await wait_for(
            lambda: consortium.views.position("riverside-care") > 0,
            what="the new node's first event",
        )
        first_event_after = time.monotonic() - started
        await wait_for(
            lambda: (
                new_node.caught_up
                and consortium.views.position("riverside-care")
                >= new_node.replicator.published.seq
            ),
            what="the new node to catch up",
        )
        assert first_event_after < 30  # the benchmark measures it properly

        # The runners are its founding members, with their details, in its store.
        members = list(new_node.coop_node.members())
        assert sorted(m.name for m in members) == sorted(n for n, _, _ in RUNNERS)
        assert all(m.is_admitted for m in members)
        assert sorted(m.member_class for m in members) == ["service_user", "worker"]
        assert not (node_dir / "founders.json").exists()

        report = consortium.report()
        growth = {c.coop_id: c for c in report.growth.coops}
        assert growth["riverside-care"].parent == "alpha"
        assert growth["riverside-care"].depth == 1
        assert growth["riverside-care"].members == 2
        assert growth["riverside-care"].spun_off_on == dt.date.today()
        assert growth["alpha"].runners_sent == 1
        assert growth["alpha"].members == 3
        assert [c.coop_id for c in report.growth.coops] == ["alpha", "riverside-care"]
        assert "riverside-care" not in report.growth.no_runner_yet
        assert parent.coop_node.spinoff(spinoff).coop_id == "riverside-care"

        # The runners leave alpha: the parent records their departure.
        for runner in runners:
            parent.coop_node.record_runner_departure(spinoff, runner)
        parent.replicator.wake()
        await wait_for(
            lambda: consortium.report().growth.coops[0].members == 1,
            what="alpha's size to drop",
        )

        # Personal details never went through the consortium or the stream.
        messages = await stream_messages(
            secured_hub.server.url, **secured_hub.consortium.broker.connect_options()
        )
        registry_db = secured_hub.consortium.registry.path
        for name, email, _ in RUNNERS:
            for _, data in messages:
                assert name.encode() not in data and email.encode() not in data
            assert name.encode() not in Path(registry_db).read_bytes()
            assert email.encode() not in Path(registry_db).read_bytes()
        rows = (
            sqlite3.connect(secured_hub.consortium.store.path)
            .execute("SELECT * FROM members")
            .fetchall()
        )
        assert all(RUNNERS[0][0] not in str(row) for row in rows)

        # Provisioned once: a second run is refused.
        with pytest.raises(SpinOffNotReady, match="is provisioned"):
            provision_spinoff(
                load_node(parent_path), spinoff, secured_hub.consortium, tmp_path / "x"
            )
    finally:
        if new_node is not None:
            await new_node.stop()
        await parent.stop()
        await consortium.stop()


def test_consortium_config_loads_registry_and_auth(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[auth]\nusers_file = "u.conf"\n[registry]\npath = "r.db"\n')
    config = load_config(path, ConsortiumConfig)
    assert config.registry.path == "r.db"
    assert config.auth.users_file == "u.conf"
