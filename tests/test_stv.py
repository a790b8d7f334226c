"""The STV count (Scottish STV, SSI 2007/42 rules 45-52): worked examples by hand,
the recorded stages, and that nomination order never decides anything unless a
tie at every stage was settled by lot."""

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.stv import count, decimal, plurality, stv, truncate

THREE_SEATS = [["A", "B", "C"]] * 10 + [["B", "C"]] * 6 + [["C"]] + [["D"]] * 3


def test_two_winners_in_one_stage_pass_surplus_to_continuing_candidates_only() -> None:
    # Quota 20 // 4 + 1 = 6. A (10) and B (6) are elected at the first stage; A's
    # surplus of 4 goes past B (no longer continuing) to C at 4/10 a ballot:
    # C = 1 + 4 = 5 > D = 3, D is excluded, C fills the last seat.
    for order in (["A", "B", "C", "D"], ["B", "A", "C", "D"], ["D", "C", "B", "A"]):
        result = stv(order, THREE_SEATS, 3)
        assert sorted(result.elected) == ["A", "B", "C"], order
        assert not result.tie_broken
    first, surplus, exclusion, last = stv(["A", "B", "C", "D"], THREE_SEATS, 3).rounds
    assert (first.action, first.elected) == ("first", ["A", "B"])
    assert (surplus.action, surplus.source, surplus.transfers) == (
        "surplus",
        "A",
        {"C": "4"},
    )
    assert surplus.votes == {"A": "6", "B": "6", "C": "5", "D": "3"}
    assert (exclusion.excluded, exclusion.exhausted) == (["D"], "3")
    assert (last.action, last.elected) == ("last vacancies", ["C"])


def test_transfer_values_are_truncated_to_five_places() -> None:
    # 2 seats, 9 ballots: quota 4. A has 6: surplus 2, each ballot moves on at
    # 2/6 = 0.33333 (remainder ignored): B + 4 x 0.33333, C + 2 x 0.33333, and
    # 6 x 0.0000033.. = 0.00002 is lost.
    ballots = [["A", "B"]] * 4 + [["A", "C"]] * 2 + [["B"]] * 2 + [["C", "B"]]
    result = stv(["A", "B", "C"], ballots, 2)
    assert result.quota == 4
    assert result.elected == ["A", "B"]
    surplus = result.rounds[1]
    assert surplus.transfers == {"B": "1.33332", "C": "0.66666"}
    assert surplus.votes == {"A": "4", "B": "3.33332", "C": "1.66666"}
    assert surplus.lost == "0.00002"
    assert result.rounds[2].excluded == ["C"] or result.rounds[2].elected == ["B"]


def test_truncate_and_decimal() -> None:
    assert truncate(Fraction(2, 3)) == Fraction(66666, 100000)
    assert decimal(Fraction(133332, 100000)) == "1.33332"
    assert decimal(Fraction(5)) == "5"


def test_ballots_exhaust_when_no_preference_is_left() -> None:
    ballots = [["A"], ["A"], ["B"], ["B"], ["C"], ["C"], ["D"]]
    result = stv(["A", "B", "C", "D"], ballots, 3)
    assert result.elected == ["A", "B", "C"]
    assert result.rounds[0].elected == ["A", "B", "C"]
    assert result.rounds[0].exhausted == "0"


def test_tie_for_last_with_no_earlier_stage_is_settled_by_lot_and_recorded() -> None:
    # Quota 4 of 10 for 2 seats: A 3, B 3, C 2, D 2. C and D tie with no earlier
    # stage: the lot (nomination order) excludes D, nominated last.
    ballots = [["A"]] * 3 + [["B"]] * 3 + [["C", "A"]] * 2 + [["D", "B"]] * 2
    result = stv(["A", "B", "C", "D"], ballots, 2)
    assert result.rounds[1].excluded == ["D"]
    assert result.rounds[1].tie_broken == "lot"
    assert result.lot_drawn


def test_tie_for_last_is_broken_by_the_most_recent_stage_where_they_differed() -> None:
    # 2 seats, 13 ballots, quota 5. First stage A 6 (elected), B 3, C 2, D 2.
    # A's surplus (1 of 6) goes to C at 1/6 a ballot: C 2 + 6 x 0.16666 = 2.99996.
    # Then B 3, C 2.99996, D 2: D is excluded; D's ballots go to C: 4.99996 vs B 3.
    ballots = [["A", "C"]] * 6 + [["B"]] * 3 + [["C"]] * 2 + [["D", "C"]] * 2
    result = stv(["A", "B", "C", "D"], ballots, 2)
    assert result.elected == ["A", "C"]
    assert not result.tie_broken


def test_plurality_for_one_seat() -> None:
    result = count(["x", "y", "z"], [["y"], ["x"], ["y"], ["z"]], 1)
    assert (result.method, result.elected, result.valid) == ("plurality", ["y"], 4)
    tied = plurality(["x", "y"], [["y"], ["x"]])
    assert tied.elected == ["x"] and tied.tie_broken


@st.composite
def elections(draw: st.DrawFn) -> tuple[list[str], list[list[str]], int]:
    n = draw(st.integers(3, 7))
    candidates = [f"c{i}" for i in range(n)]
    seats = draw(st.integers(2, n - 1))
    # A few popular orderings plus noise, so surpluses and transfers happen.
    ranking = st.permutations(candidates).flatmap(
        lambda order: st.integers(1, n).map(lambda k: list(order[:k]))
    )
    blocs = draw(st.lists(ranking, min_size=1, max_size=4))
    ballots = []
    for bloc in blocs:
        ballots += [bloc] * draw(st.integers(1, 12))
    ballots += draw(st.lists(ranking, min_size=0, max_size=25))
    return candidates, ballots, seats


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(elections(), st.randoms(use_true_random=False))
def test_winners_do_not_depend_on_nomination_order_unless_a_lot_was_drawn(
    election: tuple[list[str], list[list[str]], int], rnd: object
) -> None:
    candidates, ballots, seats = election
    shuffled = list(candidates)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    one, other = stv(candidates, ballots, seats), stv(shuffled, ballots, seats)
    if one.lot_drawn or other.lot_drawn:
        return
    assert sorted(one.elected) == sorted(other.elected)
    assert one.rounds == other.rounds or [r.votes for r in one.rounds] == [
        r.votes for r in other.rounds
    ]
    assert len(one.elected) == seats
