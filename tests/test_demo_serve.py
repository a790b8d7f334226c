"""`commonweal demo --serve`, run as a user runs it: it prints the dashboard's URL
and sign-in links, a person signs in with one and reaches their home, the
dashboard answers, and Ctrl-C (SIGINT) stops every process it started."""

import html
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

pytestmark = pytest.mark.slow

LINK = re.compile(r"sign in as a (member|coordinator|board member): (\S+)")
FORM = re.compile(r'<form([^>]*method="post"[^>]*)>(.*?)</form>', re.S)
ACTION = re.compile(r'action="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def read_until_links(demo: subprocess.Popen[str], timeout: float = 120) -> list[str]:
    """The demo's output up to its last sign-in link."""
    assert demo.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        if not line:
            raise AssertionError("the demo ended early:\n" + "".join(lines))
        lines.append(line)
        if sum(1 for seen in lines if LINK.search(seen)) == 9:  # 3 people, 3 co-ops
            return lines
    raise AssertionError("no sign-in links in time:\n" + "".join(lines))


def processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line mentions ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


async def sign_in(session: aiohttp.ClientSession, link: str) -> None:
    """Open the link and press its page's button, as a person would."""
    async with session.get(link) as response:
        assert response.status == 200, await response.text()
        page = await response.text()
    form = FORM.search(page)
    assert form is not None, page
    attributes, inside = form.groups()
    action = ACTION.search(attributes)  # none: the form posts to its own page
    target = str(
        response.url.join(URL(html.unescape(action.group(1))))
        if action
        else response.url
    )
    fields = dict(HIDDEN.findall(inside))
    async with session.post(target, data=fields) as response:
        assert response.status == 200, await response.text()


async def test_demo_serve_signs_in_serves_and_stops_clean(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    demo = subprocess.Popen(
        [
            *(sys.executable, "-m", "commonweal", "demo", "--serve"),
            *("--members", "15", "--data-dir", str(data_dir)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = read_until_links(demo)
        dashboard = next(
            line.split(": ", 1)[1].strip()
            for line in output
            if line.startswith("Consortium dashboard:")
        )
        links = [LINK.search(line) for line in output]
        member_link = next(m.group(2) for m in links if m and m.group(1) == "member")
        assert processes_mentioning(str(data_dir)), "the demo's broker is running"

        jar = aiohttp.CookieJar(unsafe=True)  # cookies from an IP-address host
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            await sign_in(session, member_link)
            home = member_link.split("/signin/")[0] + "/"
            async with session.get(home, allow_redirects=False) as response:
                assert response.status == 200
                assert "My membership" in await response.text()
            async with session.get(dashboard) as response:
                assert response.status == 200
                assert "Kirklees Care Co-op" in await response.text()

        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while processes_mentioning(str(data_dir)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_mentioning(str(data_dir)) == [], "a process was left behind"
    finally:
        if demo.poll() is None:
            demo.kill()
        for pid in processes_mentioning(str(data_dir)):
            os.kill(pid, signal.SIGKILL)
