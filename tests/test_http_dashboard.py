"""The consortium dashboard an analyst reads: fed by real nodes through a real
broker, it shows every section of the published report under a human heading,
never a raw id in its visible text, every chart with its data table, the co-ops
side by side on the key measures, and the operational figures (dead letters, lag,
silent co-ops) on the operator's page only."""

import csv
import datetime as dt
import io
from collections.abc import Callable
from html.parser import HTMLParser

import aiohttp

from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from federation.suppression import published
from node.service import NodeService
from tests.waiting import wait_until_caught_up
from tests.web import serving

# Ids the report holds that a reader must never see as such.
RAW_IDS = [
    "service_user",
    "italy_type_b",
    "uk_multi_stakeholder",
    "coop_id",
    "member_class",
    "personal_care",
    "share_capital",
    "dead_letters",
    "missed_rate",
]
# The published report's top-level keys that are sections of it (the others:
# when it was made, the operational count of dead letters, and the cursor of the
# next page of co-ops).
NOT_SECTIONS = {"generated_at", "dead_letters", "next_cursor"}


class Page(HTMLParser):
    """The text a reader sees, each <h2> heading with the section it opens, and
    each figure's charts and tables."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.sections: dict[str, str] = {}  # data-section -> its heading
        self.figures: dict[str, dict[str, int]] = {}
        self._section: str | None = None
        self._figure: str | None = None
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section" and attributes.get("data-section"):
            self._section = attributes["data-section"]
        if tag == "h2":
            self._in_h2 = True
        if tag == "figure":
            self._figure = attributes["id"]
            self.figures[str(self._figure)] = {"svg": 0, "table": 0}
        if tag in ("svg", "table") and self._figure:
            self.figures[self._figure][tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False
        if tag == "figure":
            self._figure = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_h2 and self._section:
            self.sections[self._section] = data.strip()


def alpha_activity(node: NodeService) -> None:
    for i, member_class in enumerate(["service_user", "worker", "worker"]):
        name = f"{member_class}-{i}"
        member = node.coop_node.apply_for_membership(
            name=name, email=f"{name}@example.org", member_class=member_class
        )
        node.coop_node.admit_member(member, dt.date(2025, 1 + i, 3))


async def test_dashboard_shows_every_section_by_human_names_with_tables(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    alpha = make_node(
        "alpha",
        [nats_server.url],
        profile="italy_type_b",
        share=["membership", "governance", "care"],
    )
    beta = make_node("beta", [nats_server.url])
    alpha_activity(alpha)
    for node in (alpha, beta):
        node.replicator.wake()
    await wait_until_caught_up([alpha, beta], consortium)
    sections = set(published(consortium.report())) - NOT_SECTIONS
    assert sections == {
        "membership",
        "governance",
        "growth",
        "care",
        "care_quality",
        "funding",
        "workforce",
        "timebank",
        "circles",
        "hours_between_coops",
    }

    async with (
        serving(make_consortium_app(consortium)) as url,
        aiohttp.ClientSession() as session,
    ):

        async def get(path: str) -> str:
            async with session.get(url + path) as response:
                assert response.status == 200, path
                return await response.text()

        dashboard = await get("/")
        operations = await get("/operations")
        side_by_side = list(
            csv.reader(io.StringIO(await get("/figures/key-measures.csv")))
        )

    page = Page()
    page.feed(dashboard)
    # Every section under a human heading: words, not its key.
    assert set(page.sections) == sections
    for key, heading in page.sections.items():
        assert heading and heading != key and "_" not in heading, (key, heading)
    text = " ".join(page.text)
    for raw in RAW_IDS:
        assert raw not in text, raw
    assert "Italy, type B social co-op" in text
    assert "Service user" in text
    assert "consortium consortium" not in text.lower()
    # Every chart with its rows as a table; the figures without a chart are one.
    charted = [name for name, f in page.figures.items() if f["svg"]]
    assert {"members-by-class", "turnout-by-class", "growth-tree"} <= set(charted)
    for name, figure in page.figures.items():
        assert figure["table"] == 1, name
    # The co-ops side by side, one row each, on the key measures.
    assert side_by_side[0] == [
        "coop",
        "missed_rate",
        "performance_change",
        "turnover",
        "turnout",
        "timebank_hours",
        "claims_due",
        "amount_due",
    ]
    assert sorted(row[0] for row in side_by_side[1:]) == [
        "Alpha Care Co-op",
        "Beta Care Co-op",
    ]
    # Operations: not among the analyst's totals, but on the operator's page.
    assert "Dead letters" not in text
    assert 'id="silent"' not in dashboard and 'id="none-silent"' not in dashboard
    assert '<td class="num" id="dead-letters">0</td>' in operations
    assert "Consumer lag" in operations
    assert 'href="/operations"' in dashboard
