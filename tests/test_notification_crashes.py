"""Every notification is delivered across a node killed at random while it sends.

The node (tests.mail_worker, its own process) is killed with SIGKILL at random
moments while it sends a batch of emails to a real SMTP server process, and started
again. At the end every expected email has arrived; a Message-ID arrives twice only
for the message in flight at a kill (the last one the server accepted before it,
again first after the restart); a member who chose "none" gets nothing.
"""

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import msgspec
import pytest

from node.config import MailConfig
from node.service import NodeService
from tests.configs import node_config
from tests.smtp import SmtpServer
from toolkit.config import StoreConfig, write_config

MEMBERS = 75
KILLS = 15


def prepared_node(tmp_path: Path, port: int) -> Path:
    """A node.toml whose store holds a batch of notifications still to send."""
    config = node_config(
        "alpha", StoreConfig(path=str(tmp_path / "n.db")), ["nats://127.0.0.1:9"]
    )
    mail = MailConfig(host="127.0.0.1", port=port, from_address="office@alpha.example")
    config = msgspec.structs.replace(config, mail=mail)
    node = NodeService(config)
    node.found_if_new()
    app = node.coop_node
    for n in range(MEMBERS):
        member = app.apply_for_membership(
            name=f"Member {n}", email=f"m{n}@example.org", member_class="volunteer"
        )
        if n % 5 == 0:
            app.choose_notifications(member, "none")
        app.admit_member(member)
    app.open_ballot("Spring general meeting")
    node.coop_node.close()
    node.outbox.close()
    node.replication_log.factory.close()
    path = tmp_path / "node.toml"
    write_config(path, config)
    return path


def start_worker(toml: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tests.mail_worker", str(toml)])


@pytest.mark.slow
def test_every_notification_arrives_across_kills(tmp_path: Path) -> None:
    smtp = SmtpServer(tmp_path)
    toml = prepared_node(tmp_path, smtp.port)
    smtp.start()
    rng = random.Random(13)
    expected = {
        (f"m{n}@example.org", subject)
        for n in range(MEMBERS)
        if n % 5
        for subject in ("welcome", "ballot open")
    }
    received_at_kill: list[int] = []
    worker = start_worker(toml)
    try:
        for _ in range(KILLS):
            # Each kill lands while the batch is being sent: once the restarted
            # worker has sent one more message, at a random moment after it.
            before = len(smtp.received())
            progress = time.monotonic() + 60
            while len(smtp.received()) == before and time.monotonic() < progress:
                time.sleep(0.01)
            if len(smtp.received()) >= len(expected):
                break
            time.sleep(rng.uniform(0, 0.1))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            received_at_kill.append(len(smtp.received()))
            worker = start_worker(toml)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(smtp.received()) >= len(expected):
                got = {
                    (str(m["To"]).split("<")[-1].rstrip(">"), kind(m))
                    for m in smtp.received()
                }
                if got >= expected:
                    break
            time.sleep(0.2)
        time.sleep(1)  # anything more would be a duplicate: give it time to show
    finally:
        worker.kill()
        worker.wait()
        smtp.stop()
    received = smtp.received()
    got = {(str(m["To"]).split("<")[-1].rstrip(">"), kind(m)) for m in received}
    assert got == expected, "a notification was lost (or one went where it should not)"
    assert not any(
        address in {f"m{n}@example.org" for n in range(0, MEMBERS, 5)}
        for address, _ in got
    ), "a member who chose none was mailed"
    ids = [str(m["Message-ID"]) for m in received]
    counts = Counter(ids)
    assert max(counts.values()) <= 2
    # A repeat is the message in flight at a kill: the last the server accepted
    # before it, and the first it accepted after the restart.
    in_flight = {ids[count - 1] for count in received_at_kill if count}
    resent_first = {ids[count] for count in received_at_kill if count < len(ids)}
    for message_id, times in counts.items():
        if times == 2:
            assert message_id in in_flight and message_id in resent_first
    assert sum(1 for times in counts.values() if times == 2) <= KILLS
    # The kills did land while the batch was being sent.
    assert any(0 < count < len(expected) for count in received_at_kill)
    print(
        f"kills at {received_at_kill}; {len(ids)} received, "
        f"{len(ids) - len(counts)} repeats"
    )


def kind(message: object) -> str:
    subject = str(message["Subject"])  # type: ignore[index]
    return "welcome" if subject.startswith("Welcome") else "ballot open"
