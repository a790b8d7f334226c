"""Small-count suppression: what a published report may say about few people.

Report sections are msgspec Structs holding exact figures (for tests and internal
use). Fields that count people are typed ``People``; ``publish`` turns a report
into its published twin, in which every such count below ``MIN_CELL`` reads
``"<5"``, and figures derived from a count of people (typed with ``Withheld``) are
left out (null) when that count is suppressed, since they could reveal it.

``published_type`` derives the twin's type from the same marks, so an API that
answers the published view also documents it: a person count there is an integer
of at least 5, or ``"<5"``. ``published`` is the twin as JSON-ready builtins.
"""

import functools
import types
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import msgspec

MIN_CELL = 5
# What a count below MIN_CELL reads as: written out, since a Literal type needs the
# text itself; the annotation makes mypy check that the two agree.
Suppressed = Literal["<5"]
SUPPRESSED: Suppressed = "<5"

PEOPLE = msgspec.Meta(description=f"a count of people; published as {SUPPRESSED!r}")
People = Annotated[int, PEOPLE]
# What a ``People`` field becomes in the published twin. The lower bound is part of
# the contract: a client (or a schema check) can tell that no small count leaked.
PublishedPeople = Annotated[
    Annotated[int, msgspec.Meta(ge=MIN_CELL)] | Suppressed,
    msgspec.Meta(
        description=f"a count of people: {SUPPRESSED!r} when below {MIN_CELL}"
    ),
]


Convert = Callable[[Any], Any]


class Withheld:
    """Marks a figure derived from the people counts in fields ``counts`` of the
    same struct: published as null when any of them is suppressed."""

    def __init__(self, *counts: str) -> None:
        self.counts = counts


def suppress(count: int) -> int | Suppressed:
    return SUPPRESSED if count < MIN_CELL else count


def published(value: Any, hint: Any = None) -> Any:
    """``value`` as builtins, with person counts suppressed as its type hints say."""
    return msgspec.to_builtins(publish(value, hint))


def publish(value: Any, hint: Any = None) -> Any:
    """The published twin of ``value`` (of type ``hint``, or its own type): an
    instance of ``published_type`` of it, sharing every part with no people in it."""
    if hint is None:
        hint = type(value)
    convert = _converter(hint)
    return value if convert is None else convert(value)


@functools.cache
def _converter(hint: Any) -> Convert | None:
    """How a value of type ``hint`` becomes its twin; None: it is its own. Built
    once per type, so publishing a large report costs little more than a copy."""
    if hint is Any or hint is object or hint in (list, tuple, dict):
        return _by_value  # nothing to go by but the value itself
    origin = get_origin(hint)
    if origin is Annotated:
        inner, *marks = get_args(hint)
        if any(mark is PEOPLE for mark in marks):
            return suppress
        return _converter(inner)
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        return _struct_converter(hint)
    args = get_args(hint)
    if origin in (Union, types.UnionType):
        return _union_converter(args)
    if origin is tuple and args and args[-1] is not ...:  # a type per place
        places = [_converter(arg) for arg in args]
        if not any(places):
            return None
        return lambda t: tuple(c(v) if c else v for c, v in zip(places, t, strict=True))
    if origin is dict and (value := _converter(args[1])) is not None:
        return lambda d: {k: value(v) for k, v in d.items()}
    if origin in (list, tuple) and (item := _converter(args[0])) is not None:
        return lambda items: origin(item(v) for v in items)
    return None


def _by_value(value: Any) -> Any:
    if isinstance(value, msgspec.Struct):
        return publish(value)
    if isinstance(value, dict):
        return {k: _by_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_by_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_by_value(v) for v in value)
    return value


def _struct_converter(cls: type[msgspec.Struct]) -> Convert | None:
    twin = _struct_twin(cls)
    hints = _hints(cls)
    names = cls.__struct_fields__
    changed, withheld = [], []
    for i, name in enumerate(names):
        hint = hints[name]
        if (convert_field := _converter(hint)) is not None:
            changed.append((i, convert_field))
        marks = get_args(hint)[1:] if get_origin(hint) is Annotated else ()
        withheld_by = [c for m in marks if isinstance(m, Withheld) for c in m.counts]
        if counts := [names.index(c) for c in withheld_by]:
            withheld.append((i, counts))
    if twin is cls and not changed:
        return None

    def convert(struct: msgspec.Struct) -> msgspec.Struct:
        values = list(msgspec.structs.astuple(struct))
        for i, counts in withheld:  # while the counts are still exact
            if any(values[c] < MIN_CELL for c in counts):
                values[i] = None
        for i, field in changed:
            if values[i] is not None:
                values[i] = field(values[i])
        return twin(*values)

    return convert


def _union_converter(options: tuple[Any, ...]) -> Convert | None:
    """Each value goes by the option it is an instance of."""
    by_kind = []
    for option in options:
        base = get_args(option)[0] if get_origin(option) is Annotated else option
        kind = get_origin(base) or base
        if (
            isinstance(kind, type)
            and (convert_option := _converter(option)) is not None
        ):
            by_kind.append((kind, convert_option))
    if not by_kind:
        return None

    def convert(value: Any) -> Any:
        for kind, option in by_kind:
            if isinstance(value, kind):
                return option(value)
        return _by_value(value)

    return convert


@functools.cache
def published_type(hint: Any) -> Any:
    """The type of ``publish`` of a value of type ``hint``: ``People`` becomes
    ``PublishedPeople``, a ``Withheld`` figure is nullable, and each struct holding
    either (at any depth) gets a twin of the same name and fields."""
    origin = get_origin(hint)
    if origin is Annotated:
        inner, *marks = get_args(hint)
        if any(mark is PEOPLE for mark in marks):
            return PublishedPeople
        counts = [
            c for mark in marks if isinstance(mark, Withheld) for c in mark.counts
        ]
        kept = [mark for mark in marks if not isinstance(mark, Withheld)]
        if counts:
            inner = inner | None
            kept.append(
                msgspec.Meta(
                    description=f"null when {' or '.join(counts)} is below {MIN_CELL}"
                )
            )
        twin = published_type(inner)
        return Annotated[(twin, *kept)] if kept else twin
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        return _struct_twin(hint)
    if origin in (Union, types.UnionType):
        return Union[tuple(published_type(arg) for arg in get_args(hint))]  # noqa: UP007
    if origin in (list, dict, tuple, set, frozenset):
        args = get_args(hint)
        return origin[tuple(a if a is ... else published_type(a) for a in args)]
    return hint


@functools.cache
def _struct_twin(cls: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """(A struct that refers to itself is not supported: it recurses for ever.)"""
    fields = msgspec.structs.fields(cls)
    hints = _hints(cls)
    twins = {f.name: published_type(hints[f.name]) for f in fields}
    if all(twins[f.name] == hints[f.name] for f in fields):
        return cls
    config = cls.__struct_config__
    return msgspec.defstruct(
        cls.__name__,
        [(f.name, twins[f.name], *_default(f)) for f in fields],
        # Its own module, so that the exact and the published struct never
        # share a name in one JSON Schema.
        module=f"{cls.__module__}.published",
        namespace={"__doc__": cls.__doc__} if cls.__doc__ else None,
        rename={f.name: f.encode_name for f in fields if f.encode_name != f.name}
        or None,
        frozen=config.frozen,
        omit_defaults=config.omit_defaults,
        forbid_unknown_fields=config.forbid_unknown_fields,
        tag=config.tag,
        tag_field=config.tag_field,
        array_like=config.array_like,
    )


def _default(field: msgspec.structs.FieldInfo) -> tuple[Any, ...]:
    if field.default is not msgspec.NODEFAULT:
        return (field.default,)
    if field.default_factory is not msgspec.NODEFAULT:
        return (msgspec.field(default_factory=field.default_factory),)
    return ()


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls, include_extras=True)
