"""Have the hub reload its users and confirm that it did.

A SIGHUP alone proves nothing: nats-server refuses a reload it cannot apply (a
users file it cannot parse, a ``server_name`` that differs from the one it started
with) and only says so in its log, while every connection it had keeps going. So
the command that changed the registry asks the hub's monitoring endpoint: the
reload took when ``/varz`` shows a new ``config_load_time``, and a removed key is
gone when no open connection or leaf link (``/connz``) still uses it.
"""

import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Set
from pathlib import Path

from toolkit.config import ConfigError

CONFIRM_SECONDS = 10.0
_NKEY = re.compile(r'nkey: "(U[A-Z2-7]{55})"')


class BrokerNotReloaded(ConfigError):
    """The broker did not apply the new users file (the reason is the message)."""


def listed_keys(users_file: Path) -> set[str]:
    """The public keys a users file lets in (none when it does not exist yet)."""
    try:
        return set(_NKEY.findall(users_file.read_text()))
    except FileNotFoundError:
        return set()


def reload_and_confirm(
    pid_file: Path, monitor_url: str, *, removed: Set[str] = frozenset()
) -> None:
    """SIGHUP the broker, then wait until it has loaded its config anew and none
    of the ``removed`` keys is connected any more."""
    loaded_before = _varz(monitor_url)["config_load_time"]
    _signal_reload(pid_file)
    deadline = time.monotonic() + CONFIRM_SECONDS
    while _varz(monitor_url)["config_load_time"] == loaded_before:
        if time.monotonic() > deadline:
            raise BrokerNotReloaded(
                f"the broker did not reload its config within {CONFIRM_SECONDS:g} s "
                f"(config_load_time at {monitor_url}/varz is unchanged): the new users "
                "are written but NOT in force. The broker's log says why (for "
                "example a server_name that differs from the one it started with, "
                "or a config it cannot parse); fix it and restart the broker"
            )
        time.sleep(0.05)
    while still := removed & _connected_keys(monitor_url):
        if time.monotonic() > deadline:
            raise BrokerNotReloaded(
                f"the broker reloaded but still has connections with the removed "
                f"key(s) {', '.join(sorted(still))}; restart the broker"
            )
        time.sleep(0.05)


def _signal_reload(pid_file: Path) -> None:
    """What ``nats-server --signal reload`` does."""
    try:
        pid = int(Path(pid_file).read_text().strip())
    except (OSError, ValueError) as error:
        raise BrokerNotReloaded(
            f"cannot read the broker's pid file {pid_file}: {error}"
        ) from None
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise BrokerNotReloaded(f"no broker process {pid} (from {pid_file})") from None


def _connected_keys(monitor_url: str) -> set[str]:
    # Leaf links are listed here too (kind "Leafnode"), with the nkey they used.
    answer = _get(monitor_url, "/connz?auth=true&limit=100000")
    connections = answer.get("connections")
    assert isinstance(connections, list)
    return {str(c.get("authorized_user", "")) for c in connections}


def _varz(monitor_url: str) -> dict[str, object]:
    return _get(monitor_url, "/varz")


def _get(monitor_url: str, path: str) -> dict[str, object]:
    url = monitor_url.rstrip("/") + path
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            answer: dict[str, object] = json.load(response)
            return answer
    except (OSError, urllib.error.URLError, ValueError) as error:
        raise BrokerNotReloaded(
            f"cannot ask the broker's monitoring endpoint {url}: {error}; nothing "
            "confirms that the broker applied the new users"
        ) from None
