"""The SMTP server process the mail tests read (tests.smtp_sink), and what it got."""

import email
import email.policy
import json
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from federation.broker import free_port


class SmtpServer:
    """aiosmtpd in a process of its own, on a free loopback port."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.file = folder / "received.jsonl"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{self.port}",
                "-c",
                "tests.smtp_sink.Sink",
                str(self.file),
            ]
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the SMTP server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def received(self) -> list[EmailMessage]:
        if not self.file.exists():
            return []
        # The sink may be mid-write: only lines it has finished (ended by a
        # newline) are messages yet.
        finished = self.file.read_text().split("\n")[:-1]
        messages = []
        for line in finished:
            data = json.loads(line)["data"]
            message = email.message_from_string(data, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            messages.append(message)
        return messages
