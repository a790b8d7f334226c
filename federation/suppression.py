"""Small-count suppression: what a published report may say about few people.

Report sections are msgspec Structs holding exact figures (for tests and internal
use). Fields that count people are typed ``People``; ``published`` turns a report
into plain JSON-ready data in which every such count below ``MIN_CELL`` reads
``"<5"``, and figures derived from a count of people (typed with ``Withheld``) are
left out (null) when that count is suppressed, since they could reveal it.
"""

import types
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import msgspec

MIN_CELL = 5
SUPPRESSED = f"<{MIN_CELL}"

PEOPLE = msgspec.Meta(description=f"a count of people; published as {SUPPRESSED!r}")
People = Annotated[int, PEOPLE]


class Withheld:
    """Marks a figure derived from the people count in field ``count`` of the same
    struct: published as null when that count is suppressed."""

    def __init__(self, count: str) -> None:
        self.count = count


def suppress(count: int) -> int | str:
    return SUPPRESSED if count < MIN_CELL else count


def published(value: Any, hint: Any = None) -> Any:
    """``value`` as builtins, with person counts suppressed as its type hints say."""
    if get_origin(hint) is Annotated:
        inner, *marks = get_args(hint)
        if any(mark is PEOPLE for mark in marks):
            return suppress(value)
        return published(value, inner)
    if isinstance(value, msgspec.Struct):
        return _published_struct(value)
    if isinstance(value, dict):
        value_hint = _arg(hint, dict, 1)
        return {k: published(v, value_hint) for k, v in value.items()}
    if isinstance(value, list | tuple):
        item_hint = _arg(hint, (list, tuple), 0)
        return [published(v, item_hint) for v in value]
    return msgspec.to_builtins(value)


def _published_struct(struct: msgspec.Struct) -> dict[str, Any]:
    hints = get_type_hints(type(struct), include_extras=True)
    out = {}
    for name in struct.__struct_fields__:
        hint = hints[name]
        value = getattr(struct, name)
        withheld = [m for m in get_args(hint)[1:] if isinstance(m, Withheld)]
        if get_origin(hint) is Annotated and withheld:
            counts = [getattr(struct, w.count) for w in withheld]
            if any(n < MIN_CELL for n in counts):
                out[name] = None
                continue
        out[name] = published(value, hint)
    return out


def _arg(hint: Any, origin: type | tuple[type, ...], index: int) -> Any:
    """The type argument at ``index`` of ``hint`` if it is a generic of ``origin``
    (looking inside ``X | None``)."""
    if get_origin(hint) in (Union, types.UnionType):
        for option in get_args(hint):
            found = _arg(option, origin, index)
            if found is not None:
                return found
        return None
    args = get_args(hint)
    wanted = origin if isinstance(origin, tuple) else (origin,)
    if get_origin(hint) in wanted and len(args) > index:
        return args[index]
    return None
