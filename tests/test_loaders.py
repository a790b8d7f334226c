"""Finding aggregates by the topic of their events, on every store backend: every
list walks the notification log page by page, in the order things happened, and
a member's tokens are found without loading anyone else's."""

import datetime as dt
from uuid import UUID

import pytest

import toolkit.aggregates
from node.application import CoopNode
from node.auth import AccessToken
from node.membership import Member
from toolkit.aggregates import events_with, get, ids_with
from toolkit.web.paging import ListQuery, ids_page

DAY = dt.date(2026, 3, 2)


def admit(app: CoopNode, count: int) -> list[UUID]:
    members = []
    for n in range(count):
        member_id = app.apply_for_membership(
            name=f"Member {n}",
            email=f"m{n}@example.org",
            phone="07700900123",
            address="12 Mill Lane",
            member_class="worker",
            applied_on=DAY,
        )
        app.admit_with_token(member_id, DAY)
        members.append(member_id)
    return members


def test_lists_walk_every_page_in_order(
    app: CoopNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(toolkit.aggregates, "PAGE", 3)  # several pages of a few
    members = admit(app, 10)
    assert list(ids_with(app, Member.Applied.TOPIC)) == members
    assert [m.id for m in app.members()] == members
    # Two topics at once: each member applied and was admitted, in that order.
    both = list(ids_with(app, Member.Applied.TOPIC, Member.Admitted.TOPIC))
    assert both == [m for m in members for _ in range(2)]
    assert get(app, members[0], Member) is not None
    assert get(app, members[0], AccessToken) is None  # not that kind
    assert [e.originator_id for e in events_with(app, Member.Admitted.TOPIC)] == (
        members
    )


def test_api_pages_follow_the_cursor_to_the_end(app: CoopNode) -> None:
    members = admit(app, 7)
    seen: list[UUID] = []
    cursor: int | None = 0
    while cursor is not None:
        page = ids_page(app, Member.Applied.TOPIC, ListQuery(limit=3, cursor=cursor))
        assert len(page.items) <= 3
        seen += page.items
        cursor = page.next_cursor
    assert seen == members


def test_a_members_tokens_load_no_one_elses(
    app: CoopNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    rosa, *others = admit(app, 6)
    extra = app.issue_token(rosa, "coordinator")
    loaded: list[UUID] = []
    get_aggregate = app.repository.get

    def counting_get(aggregate_id: UUID, **kwargs: object) -> object:
        loaded.append(aggregate_id)
        return get_aggregate(aggregate_id, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app.repository, "get", counting_get)
    tokens = app.tokens_of(rosa)
    assert [t.role for t in tokens] == ["member", "coordinator"]
    assert tokens[1].id == extra.access.id
    assert loaded == [t.id for t in tokens]
    assert app.tokens_of(others[0])[0].member_id == others[0]
