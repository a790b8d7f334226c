"""The upward commands as an operator runs them: register a consortium at the
federation, share its report once (twice: the second time there is nothing
new), and print the federation's report, with the federation's aggregator
applying what was shared in between."""

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import msgspec

from federation.broker import NatsServer
from federation.config import ConsortiumConfig, UpwardConfig
from federation.consortium_snapshots import latest_snapshots
from federation.ingest import ConsortiumViews
from federation.service import ConsortiumService
from tests.keys import coop_seed, keyring_for, signed_message
from tests.streams import FOUNDED, ChainWriter, admitted
from toolkit.config import BrokerConfig, StoreConfig, load_config, write_config


def commonweal(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "commonweal", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_register_publish_and_report_from_the_command_line(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    federation_toml, north_toml = tmp_path / "federation.toml", tmp_path / "north.toml"
    write_config(
        federation_toml,
        ConsortiumConfig(
            name="Federation",
            store=StoreConfig(path=str(tmp_path / "federation.db")),
            registry=StoreConfig(path=str(tmp_path / "federation-registry.db")),
            broker=BrokerConfig(servers=[nats_server.url]),
        ),
    )
    north_store = StoreConfig(path=str(tmp_path / "north.db"))
    write_config(
        north_toml,
        ConsortiumConfig(
            name="Consortium North",
            store=north_store,
            registry=StoreConfig(path=str(tmp_path / "north-registry.db")),
            broker=BrokerConfig(servers=["nats://127.0.0.1:1"]),  # not needed here
            upward=UpwardConfig(
                member_id="north",
                broker=BrokerConfig(
                    servers=[nats_server.url], nkey_seed=coop_seed("north")
                ),
            ),
        ),
    )
    north = ConsortiumViews.construct(north_store.env())
    north.keyring = keyring_for("alpha")
    writer = ChainWriter("alpha")
    envelopes = [writer.next(FOUNDED), *(writer.next(admitted(n)) for n in range(8))]
    north.apply(
        [signed_message("cw.coop.alpha.membership", msgspec.json.encode(envelopes), 1)]
    )
    north.factory.close()

    registered = commonweal(
        "consortium", "register-consortium", "--config", str(federation_toml),
        "--member-config", str(north_toml),
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    assert "registered consortium north (Consortium North)" in registered.stdout

    federation = ConsortiumService(load_config(federation_toml, ConsortiumConfig))
    federation.start()
    try:
        while not federation.aggregator.ready:  # it makes the stream
            await asyncio.sleep(0.05)
        shared = await asyncio.to_thread(
            commonweal, "consortium", "publish-upward", "--config", str(north_toml)
        )
        assert shared.returncode == 0, shared.stderr
        assert "shared report 1 with the federation as north" in shared.stdout
        again = await asyncio.to_thread(
            commonweal, "consortium", "publish-upward", "--config", str(north_toml)
        )
        assert "nothing sent" in again.stdout
        deadline = time.monotonic() + 10
        while True:
            with federation.views.transaction() as cursor:
                if latest_snapshots(cursor):
                    break
            assert time.monotonic() < deadline, "the report never arrived"
            await asyncio.sleep(0.1)
    finally:
        await federation.stop()

    printed = commonweal(
        "consortium", "federation-report", "--config", str(federation_toml), "--json"
    )
    assert printed.returncode == 0, printed.stderr
    report = json.loads(printed.stdout)
    assert [(c["consortium_id"], c["name"], c["seq"]) for c in report["consortia"]] == [
        ("north", "Consortium North", 1)
    ]
    assert report["totals"]["members"] == {"known": 8, "suppressed_parts": 0}
    assert report["dead_letters"] == 0
    table = commonweal(
        "consortium", "federation-report", "--config", str(federation_toml)
    )
    assert "Consortium North (north): report 1" in table.stdout
    assert "Members: 8" in table.stdout

    no_upward = commonweal(
        "consortium", "publish-upward", "--config", str(federation_toml)
    )
    assert no_upward.returncode == 2
    assert "no [upward] section" in no_upward.stderr
