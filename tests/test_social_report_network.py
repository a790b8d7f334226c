"""The social report's "how we compare with the network" section: the latest
mirror the node holds for a month of the year, on the page and in the PDF, a
figure over fewer than 5 co-ops withheld; no section in a year with no mirror."""

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from federation.broker import NatsServer
from schemas.mirror import Comparison, NetworkMirror
from tests.configs import node_config
from tests.keys import coop_seed
from tests.node_api import call, staff_token
from tests.test_social_report import fetch, pdf_text, plain
from tests.web import LiveNode, live_node
from toolkit.config import StoreConfig
from toolkit.signing import Signer, verify_key

YEAR = 2025
CONSORTIUM = Signer(coop_seed("consortium"))


@pytest.fixture
async def alpha(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[LiveNode]:
    store = StoreConfig(path=str(tmp_path / "alpha.db"))
    async with live_node(node_config("alpha", store, [nats_server.url])) as live:
        yield live


def mirror(period: str, missed: float) -> tuple[bytes, str]:
    body = msgspec.json.encode(
        NetworkMirror(
            coop_id="alpha",
            period=period,
            issued_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
            comparisons=[
                Comparison(
                    "missed_visit_rate",
                    own=missed,
                    p25=0.02,
                    p50=0.04,
                    p75=0.06,
                    rank=75.0,
                    coops=12,
                ),
                Comparison("turnout", own=0.5, withheld="few_coops"),
            ],
        )
    )
    return body, CONSORTIUM.sign(body)


async def test_the_years_last_mirror_is_the_reports_network_section(
    alpha: LiveNode,
) -> None:
    app = alpha.node.coop_node
    key = verify_key(CONSORTIUM.public_key)
    for period, missed in (("2025-11", 0.09), ("2025-12", 0.05), ("2026-01", 0.01)):
        assert app.receive_mirror(*mirror(period, missed), key) == "stored"
    _, board = await staff_token(alpha, "board", "Bea Board")
    for year in (YEAR, YEAR - 1):
        status, _ = await call(
            alpha, "POST", "/api/social-reports", token=board, json={"year": year}
        )
        assert status == 201

    status, _, body = await fetch(alpha, f"/board/social-report/{YEAR}", board)
    assert status == 200
    page = plain(body.decode())
    assert "How we compare with the network" in page
    assert "December 2025" in page  # the year's last month, not January's
    assert "Visits missed (last 12 months)" in page
    assert "5%" in page and "2% - 6%" in page and "75%" in page
    assert "9%" not in page  # November's mirror was replaced by December's
    # The co-op's own turnout; the network's withheld, every column a dash.
    cells = re.findall(
        r'<td class="num">([^<]*)</td>', page.split("Members who voted")[1]
    )
    assert cells[:4] == ["50%", "-", "-", "-"]

    status, _, data = await fetch(alpha, f"/board/social-report/{YEAR}.pdf", board)
    text = pdf_text(data)
    assert "How we compare with the network" in text and "2% - 6%" in text

    _, _, body = await fetch(alpha, f"/board/social-report/{YEAR - 1}", board)
    assert "How we compare with the network" not in plain(body.decode())
