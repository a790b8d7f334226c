"""README's "A secured hub, step by step", followed as a new operator would: from an
empty folder, only the commands README shows, each a real process through the
installed console script, on free ports. The report must equal what each node's
own store holds, and the spin-off must be a node its operator can administer."""

import json
import re
import urllib.request
from pathlib import Path

import pytest

from federation.config import ConsortiumConfig
from federation.registry import ConsortiumRegistry
from node.config import NodeConfig
from tests.readme_blocks import (
    Reader,
    commands,
    held,
    reported,
    settle,
    shell_blocks,
)
from toolkit.config import load_config

pytestmark = pytest.mark.slow

NODES = ("alpha/node.toml", "beta/node.toml", "nodes/riverside-care/node.toml")


def remember(reader: Reader, command: str, printed: str) -> None:
    """What a reader notes down from a command's output for the next ones."""
    if token := re.search(r"^admin token: (\S+)$", printed, flags=re.MULTILINE):
        coop = re.search(r"--coop-id (\S+)|--spinoff ", command)
        if coop and coop.group(1):
            reader.values[f"{coop.group(1).upper()}_TOKEN"] = token.group(1)
        else:
            reader.values["SPINOFF_TOKEN"] = token.group(1)
    answer = json.loads(printed) if command.startswith("curl ") else {}
    if "/api/members" in command and "/admit" in command:
        reader.values["MEMBER_TOKEN"] = answer["token"]["token"]
    elif "/api/members" in command:
        reader.values["MEMBER"] = answer["id"]
    elif command.endswith("/vote") or "/vote " in command:
        reader.values["BALLOT"] = answer["summary"]["ballot_id"]
    elif "/api/motions " in command:
        reader.values["MOTION"] = answer["summary"]["id"]
    if "spinoff propose" in command:
        reader.values["ID"] = printed.strip()


def test_readme_walkthrough_to_a_secured_hub_with_two_coops_and_a_spinoff(
    tmp_path: Path,
) -> None:
    blocks = shell_blocks("A secured hub, step by step")
    assert len(blocks) == 4
    *steps, report_command = [c for block in blocks for c in commands(block)]
    reader = Reader(tmp_path / "readme")
    tmp_path = reader.folder
    try:
        for command in steps:
            remember(reader, command, reader.run(command))

        # The spin-off got a free port and an admin token that works there.
        spinoff = load_config(tmp_path / NODES[2], NodeConfig)
        assert spinoff.http.port not in (8080, *reader.ports.values())
        request = urllib.request.Request(
            f"http://127.0.0.1:{spinoff.http.port}/api/members",
            headers={"Authorization": f"Bearer {reader.values['SPINOFF_TOKEN']}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

        # Exact: the consortium's figures equal each node's own store.
        def truth() -> dict[str, dict[str, object]]:
            return dict(held(tmp_path / node) for node in NODES)

        consortium = tmp_path / "hub" / "consortium.toml"
        settle(lambda: reported(consortium) == truth())
        assert reported(consortium) == truth()
        assert [t["members"] for t in truth().values()] == [1, 0, 1]

        table = reader.run(report_command)
        for name in ("Alpha Care", "Beta Care", "Riverside Care"):
            assert name in table
    finally:
        codes = reader.close()
    assert set(codes.values()) == {0}, codes

    # The registry holds each co-op, the spin-off with its parent ("": joined).
    config = load_config(tmp_path / "hub" / "consortium.toml", ConsortiumConfig)
    registry = ConsortiumRegistry(config.registry_env())
    try:
        lineage = {c.coop_id: c.parent for c in registry.coops()}
    finally:
        registry.close()
    assert lineage == {"alpha": "", "beta": "", "riverside-care": "alpha"}
    users = (tmp_path / "hub" / "users.conf").read_text()
    assert users.count("{nkey:") == 4  # the consortium and three co-ops
