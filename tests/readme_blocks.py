"""Running README's shell blocks as a reader would: each command in a folder of its
own, through the installed ``commonweal`` console script, with README's fixed
ports swapped for free ones and its placeholders (``ID``, ``MEMBER``, ...) filled
in from what earlier commands printed."""

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from federation.broker import free_port

README = Path(__file__).resolve().parent.parent / "README.md"
README_PORTS = (4222, 8080, 8081, 8090, 8222)


def section(title: str) -> str:
    """README's text under the heading ``title``, up to the next heading (a line
    starting with ``#`` inside a code block is a comment, not a heading)."""
    lines = README.read_text().splitlines(keepends=True)
    start = lines.index(f"### {title}\n")
    fenced = False
    for end in range(start + 1, len(lines)):
        if lines[end].startswith("```"):
            fenced = not fenced
        elif lines[end].startswith("#") and not fenced:
            break
    else:
        end = len(lines)
    return "".join(lines[start:end])


def shell_blocks(title: str) -> list[str]:
    """The ```sh blocks of a README section, in order."""
    return re.findall(r"```sh\n(.*?)```", section(title), flags=re.DOTALL)


def commands(block: str) -> list[str]:
    """A block's commands, one each; a here-document stays with its command."""
    found: list[str] = []
    lines = iter(block.splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command = line
        heredoc = re.search(r"<<'(\w+)'", line)
        if heredoc:
            for body in lines:
                command += "\n" + body
                if body == heredoc.group(1):
                    break
        found.append(command)
    return found


# The line a background command prints once it answers (commonweal/cli.py).
UP = re.compile(r"^(serving http|nats-server listening on )")


class Reader:
    """Runs README commands in ``folder`` (made if need be); stops what it started
    in ``close``. What background processes print is in ``logs``, beside it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.logs = folder.with_name(folder.name + ".logs")
        self.ports = {port: free_port() for port in README_PORTS}
        self.values: dict[str, str] = {}
        self.background: list[tuple[str, subprocess.Popen[str]]] = []
        folder.mkdir(exist_ok=True)
        scripts = str(Path(sys.executable).parent)
        self.env = {**os.environ, "PATH": scripts + os.pathsep + os.environ["PATH"]}

    def port(self, readme_port: int) -> int:
        return self.ports[readme_port]

    def fill(self, command: str) -> str:
        """README's ports made free ones, and the placeholders filled in."""
        for readme_port, port in self.ports.items():
            command = re.sub(rf"\b{readme_port}\b", str(port), command)
        for name, value in self.values.items():
            command = re.sub(rf"\b{name}\b", value, command)
        return command

    def run(self, command: str) -> str:
        """One command: in the background (``&``) until it prints that it is
        up, else to its end, which must be a success. Returns what it printed."""
        command = self.fill(command)
        if command.rstrip().endswith("&"):
            return self._start(command.rstrip()[:-1])
        if command.startswith("curl "):
            return curl(command)
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def _start(self, command: str, timeout: float = 30.0) -> str:
        # Its output goes to a log beside the folder (a pipe nobody reads would
        # block it once full); exec: the process to signal is commonweal itself.
        self.logs.mkdir(exist_ok=True)
        log = self.logs / f"{len(self.background)}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                ["bash", "-c", "exec " + command],
                cwd=self.folder,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.background.append((command, process))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # each prints a line when it is up
            # (after warnings it may log first, such as a node without [mail])
            for line in log.read_text().splitlines(keepends=True):
                if line.endswith("\n") and UP.match(line):
                    return line.rstrip("\n")
            if process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{command} did not start:\n{log.read_text()}")

    def close(self, timeout: float = 20.0) -> dict[str, int]:
        """SIGTERM to each background process, last started first; their exit
        codes by command."""
        codes: dict[str, int] = {}
        for command, process in reversed(self.background):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                codes[command] = process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[command] = process.wait()
        self.background = []
        return codes


def curl(command: str) -> str:
    """The ``curl -s -X METHOD URL -H ... -d ...`` lines README shows, made with
    urllib (a fresh machine need not have curl)."""
    words = shlex.split(command)[1:]
    method, url, data = "GET", "", None
    headers: dict[str, str] = {}
    while words:
        word = words.pop(0)
        if word == "-X":
            method = words.pop(0)
        elif word == "-H":
            name, _, value = words.pop(0).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = words.pop(0).encode()
        elif word != "-s":
            url = word
    request = urllib.request.Request(url, data, headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        body: bytes = response.read()
    json.loads(body)  # README's calls all answer JSON
    return body.decode()


def settle(check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Wait until ``check()`` holds or ``timeout`` passes; the caller then asserts
    what it waited for, so a failure shows the difference."""
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.3)


def reported(consortium_toml: Path) -> dict[str, dict[str, object]]:
    """The consortium's exact membership figures per co-op, read from its store."""
    from federation.config import ConsortiumConfig
    from federation.ingest import ConsortiumViews
    from federation.report import build_report
    from tests.truth import reported_membership
    from toolkit.config import load_config

    config = load_config(consortium_toml, ConsortiumConfig)
    views = ConsortiumViews.construct(config.store_env())
    try:
        report = build_report(views)
        return {
            coop.coop_id: reported_membership(report, coop.coop_id)
            for coop in report.membership.coops
        }
    finally:
        views.factory.close()


def held(node_toml: Path) -> tuple[str, dict[str, object]]:
    """A co-op's id and the membership figures its own store holds."""
    from node.application import CoopNode
    from node.config import NodeConfig
    from tests.truth import membership_truth
    from toolkit.config import load_config

    config = load_config(node_toml, NodeConfig)
    app = CoopNode(config.coop_id, config.store_env())
    try:
        return config.coop_id, membership_truth(app)
    finally:
        app.close()
