"""The ``commonweal`` command, run as a user runs it: as a separate process."""

import subprocess
import sys
from pathlib import Path


def commonweal(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "commonweal", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
