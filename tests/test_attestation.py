"""Attestations from a real consortium fed by real nodes through a real
nats-server: issued with the CLI and over HTTP, checked offline with the CLI; a
tampered or misdirected file fails naming what is wrong; a co-op whose board
breaks its rules gets a false claim."""

import asyncio
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import msgspec
import pytest
import schemathesis

from commonweal.cli import main
from federation.attestation import verify
from federation.broker import NatsServer
from federation.credentials import new_user_seed
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from node.rules import profile_named
from node.service import NodeService
from tests.carried import carried_motion
from tests.waiting import wait_until_caught_up
from tests.web import serving
from toolkit.config import write_config
from toolkit.signing import Signer

DAY = dt.date.today() - dt.timedelta(days=30)
SHARE = ["membership", "governance"]


def admit(node: NodeService, member_class: str, n: int) -> list[UUID]:
    ids = []
    for i in range(n):
        member = node.coop_node.apply_for_membership(
            name=f"Member {member_class} {i}",
            email=f"{member_class}{i}@example.org",
            member_class=member_class,
        )
        node.coop_node.admit_member(member, DAY)
        ids.append(member)
    return ids


def holds(statement_file: Path) -> dict[str, str]:
    document = json.loads(statement_file.read_bytes())
    return {c["name"]: c["holds"] for c in document["statement"]["claims"]}


def rewrite(
    source: Path, target: Path, change: Callable[[dict[str, Any]], object]
) -> Path:
    document = json.loads(source.read_bytes())
    change(document["statement"])
    target.write_text(json.dumps(document, indent=2))
    return target


async def test_a_commissioner_checks_attestations_offline_and_tampering_fails(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    consortium = make_consortium([nats_server.url], base_dir=str(tmp_path))
    alpha = make_node("alpha", [nats_server.url], share=SHARE)
    beta = make_node(
        "beta", [nats_server.url], profile="somerset_weighted", share=SHARE
    )
    # Alpha: a member in every class, a quorate ballot, no board election shared.
    a_workers = admit(alpha, "worker", 2)
    for member_class in ("service_user", "volunteer", "supporter"):
        admit(alpha, member_class, 2)
    accounts = alpha.coop_node.open_ballot("Accounts", opened_on=DAY)
    for voter in a_workers:
        alpha.coop_node.cast_vote(accounts, voter, "for")
    alpha.coop_node.close_ballot(accounts, DAY)
    # ... and a general meeting, two of its eight members there: quorate (1/10).
    meeting = alpha.coop_node.call_meeting(
        "Annual general meeting", DAY, "18:00", "Hall", [], "Secretary", DAY
    )
    alpha.coop_node.record_attendance(meeting, a_workers, [], "Secretary")
    alpha.coop_node.adopt_minutes(meeting, "Accounts approved.", "Sec", "Chair", DAY)
    # Beta: no supporter, a board of three workers that its amended rules (two
    # worker seats) no longer allow, and more investors than they now allow
    # (a tenth of the members); no general meeting.
    b_workers = admit(beta, "worker", 5)
    admit(beta, "service_user", 6)
    b_investors = admit(beta, "investor", 3)
    election = beta.coop_node.open_election(
        "Board", {"worker": b_workers[:4], "investor": b_investors[:2]}
    )
    for i, voter in enumerate(b_workers):
        beta.coop_node.cast_vote(
            election, voter, [b_workers[i % 4], b_workers[(i + 2) % 4]]
        )
    beta.coop_node.cast_vote(election, b_investors[0], [b_investors[1]])
    beta.coop_node.close_ballot(election, DAY)
    somerset = profile_named("somerset_weighted")
    fewer = msgspec.structs.replace(
        somerset,
        member_classes=tuple(
            msgspec.structs.replace(c, board_seats=2)
            if c.name == "worker"
            else msgspec.structs.replace(c, membership_cap="1/10")
            if c.name == "investor"
            else c
            for c in somerset.member_classes
        ),
    )
    motion = carried_motion(beta.coop_node, "rules_amendment")
    beta.coop_node.amend_rules(fewer, DAY, motion_id=motion)
    for node in (alpha, beta):
        node.replicator.wake()
    await wait_until_caught_up([alpha, beta], consortium)

    config = tmp_path / "consortium.toml"
    write_config(config, consortium.config)
    assert main(["consortium", "statement-key", "--config", str(config)]) == 0
    key = capsys.readouterr().out.strip()
    files = {}
    for coop in ("alpha", "beta"):
        files[coop] = tmp_path / f"{coop}.json"
        argv = ["attestation", "issue", "--config", str(config), "--coop", coop]
        assert main([*argv, "--out", str(files[coop])]) == 0
    assert "the attestation of co-op beta" in capsys.readouterr().out
    assert holds(files["alpha"]) == {
        "board_within_rules": "not_shown",
        "membership_caps_respected": "not_applicable",
        "general_meeting_quorate": "true",
        "member_classes_represented": "true",
        "type_b_share": "not_shown",
    }
    assert holds(files["beta"]) == {
        "board_within_rules": "false",
        "membership_caps_respected": "false",
        "general_meeting_quorate": "false",
        "member_classes_represented": "false",
        "type_b_share": "not_shown",
    }
    assert main(["attestation", "issue", "--config", str(config), "--coop", "x"]) == 2
    assert "no co-op 'x' is registered" in capsys.readouterr().err

    # The commissioner's check: a process of its own, with no config, store or
    # broker, only the file and the key.
    checked = subprocess.run(
        [
            *(sys.executable, "-m", "commonweal", "attestation", "verify"),
            *(str(files["beta"]), "--key", key, "--coop", "beta"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "VALID: signed by consortium with its statement key" in checked.stdout
    assert "Co-op: Beta Care Co-op (id beta)" in checked.stdout
    assert "[DOES NOT HOLD] The board's seats" in checked.stdout
    assert "out of its rules: worker holds 3 seats; rules give 2" in checked.stdout
    assert "[DOES NOT HOLD] No member class is above its cap" in checked.stdout
    assert "Investor: <5 of 14 members; the cap is 1/10: above it" in checked.stdout
    assert "What it does not cover:\n  - Type B share" in checked.stdout

    other_key = Signer(new_user_seed()).public_key
    refusals = {
        "claim": (
            rewrite(
                files["beta"],
                tmp_path / "claim.json",
                lambda s: s["claims"][0].update(holds="true"),
            ),
            key,
            "bad signature",
        ),
        "figure": (
            rewrite(
                files["beta"],
                tmp_path / "figure.json",
                lambda s: s["claims"][0]["figures"].__setitem__(
                    1, "Worker: 2 seats held; the rules give 2 seats"
                ),
            ),
            key,
            "bad signature",
        ),
        "co-op": (
            rewrite(
                files["beta"],
                tmp_path / "coop.json",
                lambda s: s.update(coop_id="alpha"),
            ),
            key,
            "bad signature",
        ),
        "other consortium": (files["beta"], other_key, "wrong key"),
        "truncated": (
            _truncated(files["beta"], tmp_path / "cut.json"),
            key,
            "malformed file",
        ),
        "another co-op's file": (files["alpha"], key, "wrong co-op"),
    }
    for what, (path, with_key, problem) in refusals.items():
        code = main(
            ["attestation", "verify", str(path), "--key", with_key, "--coop", "beta"]
        )
        err = capsys.readouterr().err
        assert code == 1, what
        assert f"NOT VALID: {path}: {problem}" in err, (what, err)

    async with (
        serving(make_consortium_app(consortium)) as url,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(url + "/api/statement-key") as response:
            assert await response.json() == {
                "consortium": "consortium",
                "public_key": key,
            }
        async with session.get(url + "/api/coops/alpha/attestation") as response:
            assert response.status == 200
            assert "attachment" in response.headers["Content-Disposition"]
            statement = verify(await response.read(), key, "alpha")
        assert statement.coop_name == "Alpha Care Co-op"
        assert statement.chain_position == consortium.views.position("alpha") > 0
        async with session.get(url + "/api/coops/nobody/attestation") as response:
            assert response.status == 404
            assert (await response.json())["error"]["field"] == "id"
        async with session.get(url + "/openapi.json") as response:
            document = await response.json()
        assert {"/api/coops/{id}/attestation", "/api/statement-key"} <= set(
            document["paths"]
        )
        # The answers conform to the consortium's own API document.
        schema = schemathesis.openapi.from_dict(document)
        for case in (
            schema["/api/statement-key"]["GET"].Case(),
            schema["/api/coops/{id}/attestation"]["GET"].Case(
                path_parameters={"id": "beta"}
            ),
        ):
            await asyncio.to_thread(case.call_and_validate, base_url=url)
        async with session.get(url + "/attestations") as response:
            listing = await response.text()
        assert 'href="/coops/beta/attestation"' in listing and key in listing
        async with session.get(url + "/coops/beta/attestation") as response:
            page = await response.text()
        assert 'data-claim="board_within_rules" data-holds="false"' in page
        assert 'href="/api/coops/beta/attestation"' in page
        async with session.get(
            url + "/coops/nobody/attestation", headers={"Accept": "text/html"}
        ) as response:
            assert response.status == 404


def _truncated(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) * 2 // 3])
    return target
