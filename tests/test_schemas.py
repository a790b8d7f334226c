"""The wire contract: envelopes, payload versions, and the committed JSON Schema."""

import datetime as dt
import subprocess
import sys

import msgspec
import pytest

from schemas import GENESIS_HASH, Envelope, UnknownSchema, chain_hash, decode_payload
from schemas import membership as m
from schemas.jsonschema import JSON_DIR, generated, stale_files
from schemas.payloads import UPCASTERS, encode_payload


def envelope(**changes: object) -> Envelope:
    payload = encode_payload(
        m.MemberAdmitted(
            member="a" * 32, member_class="worker", admitted_on=dt.date.today()
        )
    )
    fields: dict[str, object] = {
        "coop_id": "alpha",
        "seq": 3,
        "prev_seq": 0,
        "event_id": "e1",
        "occurred_at": dt.date.today(),
        "schema": m.MemberAdmitted.SCHEMA,
        "payload": msgspec.Raw(payload),
        "prev_hash": GENESIS_HASH,
        "hash": chain_hash(GENESIS_HASH, payload),
    }
    fields.update(changes)
    return Envelope(**fields)  # type: ignore[arg-type]


def test_committed_json_schema_is_current() -> None:
    assert stale_files() == [], "run `commonweal schemas` and commit schemas/json"


def test_stale_json_schema_is_detected(tmp_path: object) -> None:
    directory = tmp_path  # type: ignore[assignment]
    for name, text in generated().items():
        (directory / name).write_text(text)  # type: ignore[operator]
    assert stale_files(directory) == []  # type: ignore[arg-type]
    (directory / "member.admitted.v1.json").write_text("{}")  # type: ignore[operator]
    assert stale_files(directory) == ["member.admitted.v1.json"]  # type: ignore[arg-type]


def test_the_schemas_check_command_fails_when_stale() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "commonweal", "schemas", "--check"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert (JSON_DIR / "envelope.json").exists()


def test_envelope_round_trips_and_keeps_payload_bytes() -> None:
    original = envelope()
    decoded = msgspec.json.decode(msgspec.json.encode(original), type=Envelope)
    assert bytes(decoded.payload) == bytes(original.payload)
    assert decoded.hash_is_valid


def test_tampered_payload_breaks_the_hash() -> None:
    original = msgspec.json.encode(envelope())
    tampered = original.replace(b'"worker"', b'"volunteer"')
    decoded = msgspec.json.decode(tampered, type=Envelope)
    assert not decoded.hash_is_valid


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"coop_id": "Not An Id"}, "coop_id"),
        ({"seq": 0, "prev_seq": 0}, "seq"),
        ({"prev_seq": 5}, "prev_seq"),
        ({"hash": "xyz"}, "hash"),
        ({"schema": "no version"}, "schema"),
    ],
)
def test_invalid_envelopes_are_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    data = msgspec.json.decode(msgspec.json.encode(envelope()))
    data.update(changes)
    with pytest.raises(msgspec.ValidationError, match=field):
        msgspec.json.decode(msgspec.json.encode(data), type=Envelope)


def test_unknown_fields_in_an_envelope_are_refused() -> None:
    data = msgspec.json.decode(msgspec.json.encode(envelope()))
    data["name"] = "Rosa Bianchi"
    with pytest.raises(msgspec.ValidationError, match="name"):
        msgspec.json.decode(msgspec.json.encode(data), type=Envelope)


def test_unknown_schema_is_reported_not_guessed() -> None:
    with pytest.raises(UnknownSchema):
        decode_payload("member.admitted/99", b"{}")


def test_old_versions_are_upcast(monkeypatch: pytest.MonkeyPatch) -> None:
    # A hypothetical v0 named the class "kind"; upcasting renames it.
    def v0_to_v1(obj: dict[str, object]) -> dict[str, object]:
        obj["member_class"] = obj.pop("kind")
        return obj

    monkeypatch.setitem(UPCASTERS, "member.admitted/0", ("member.admitted/1", v0_to_v1))
    payload = decode_payload(
        "member.admitted/0",
        b'{"member":"' + b"b" * 32 + b'","kind":"worker","admitted_on":"2026-01-02"}',
    )
    assert payload == m.MemberAdmitted(
        member="b" * 32, member_class="worker", admitted_on=dt.date(2026, 1, 2)
    )


def test_payloads_of_nodes_older_than_shared_caps_upcast_to_caps_unknown() -> None:
    from schemas import decode_payload
    from schemas.governance import RulesAmended
    from schemas.membership import CoopFounded

    founded = decode_payload(
        "coop.founded/1",
        b'{"name":"Alpha","profile":"italy_type_b","member_classes":["worker"],'
        b'"founded_on":"2026-01-05"}',
    )
    assert isinstance(founded, CoopFounded) and founded.membership_caps is None
    amended = decode_payload(
        "rules.amended/1",
        b'{"profile":"p","member_classes":["worker"],"rules":{"board_size":3,'
        b'"seats":{"worker":3},"board_max":{}},"proxies_per_holder":1,'
        b'"quorum":"1/10","amended_on":"2026-01-05"}',
    )
    assert isinstance(amended, RulesAmended) and amended.membership_caps is None
