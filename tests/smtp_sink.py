"""A real SMTP server for the tests, run as its own process so a test can kill and
restart it: every message it accepts is appended to a file before it answers 250.

Run: python -m aiosmtpd -n -l 127.0.0.1:PORT -c tests.smtp_sink.Sink FILE
"""

import json
import os
from typing import Any


class Sink:
    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def from_cli(cls, parser: Any, *args: str) -> "Sink":
        # aiosmtpd passes the command line's CLASSARGS here.
        return cls(*args)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        line = json.dumps(
            {
                "to": list(envelope.rcpt_tos),
                "data": envelope.content.decode("utf-8", "replace"),
            }
        )
        with open(self.path, "a") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())
        return "250 Message accepted for delivery"
