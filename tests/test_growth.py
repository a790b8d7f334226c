"""The growth report: lineage tree, age and size, co-ops with no runner sent yet."""

import datetime as dt

from federation.growth import growth_report, render_growth
from federation.ingest import ConsortiumViews
from federation.registry import Lineage
from toolkit.config import StoreConfig

TODAY = dt.date(2026, 6, 1)


def test_growth_tree_ages_sizes_and_overdue(store: StoreConfig) -> None:
    views = ConsortiumViews.construct(store.env())
    founded = {
        "old-root": dt.date(2023, 1, 1),  # sent one runner
        "child": dt.date(2024, 3, 1),  # over a year, none sent
        "grandchild": dt.date(2026, 1, 1),  # young
        "loner": dt.date(2024, 1, 1),  # not registered, over a year, none sent
    }
    with views.transaction() as cursor:
        for coop_id, day in founded.items():
            cursor.execute(
                "INSERT INTO coops (coop_id, name, profile, member_classes, "
                "founded_on) VALUES (?, ?, 'p', '[]', ?)",
                (coop_id, coop_id.title(), day.isoformat()),
            )
        # Admitted members by class, as the membership projection counts them
        # (child's second class has had its only member withdraw).
        for coop_id, member_class, admitted in [
            ("old-root", "worker", 2),
            ("child", "worker", 1),
            ("child", "volunteer", 0),
            ("loner", "worker", 1),
        ]:
            cursor.execute(
                "INSERT INTO member_counts (coop_id, member_class, admitted) "
                "VALUES (?, ?, ?)",
                (coop_id, member_class, admitted),
            )
        lineage = [
            Lineage("old-root", "Old Root", None, dt.date(2023, 1, 1), False),
            Lineage("child", "Child", "old-root", dt.date(2024, 3, 1), False),
            Lineage("grandchild", "Grandchild", "child", dt.date(2026, 1, 1), True),
            # Registered but not reporting yet: aged from its registration.
            Lineage("quiet", "Quiet", "old-root", dt.date(2026, 5, 1), False),
        ]
        growth = growth_report(cursor, lineage, TODAY)
    views.factory.close()

    tree = [(c.coop_id, c.depth, c.parent) for c in growth.coops]
    assert tree == [
        ("old-root", 0, None),
        ("child", 1, "old-root"),
        ("grandchild", 2, "child"),
        ("quiet", 1, "old-root"),
        ("loner", 0, None),
    ]
    by_id = {c.coop_id: c for c in growth.coops}
    assert by_id["old-root"].runners_sent == 2
    assert by_id["old-root"].members == 2
    assert by_id["child"].members == 1  # the withdrawn member is not counted
    assert by_id["child"].age_days == (TODAY - dt.date(2024, 3, 1)).days
    assert by_id["child"].spun_off_on == dt.date(2024, 3, 1)
    assert by_id["quiet"].founded_on is None
    assert by_id["quiet"].age_days == 31
    assert by_id["grandchild"].suspended
    assert growth.no_runner_yet == ["loner"]  # child sent grandchild
    text = "\n".join(render_growth(growth))
    assert "    └ Grandchild (grandchild)" in text
    assert "no runner sent yet: loner" in text
