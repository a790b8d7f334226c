"""Generate JSON Schema for the wire contract into schemas/json/, or check it."""

import inspect
import json
from pathlib import Path
from typing import Any

import msgspec

from schemas.attestation import Attestation
from schemas.envelope import Envelope
from schemas.mirror import MIRROR_SCHEMA, NetworkMirror
from schemas.payloads import PAYLOAD_TYPES

JSON_DIR = Path(__file__).parent / "json"


def file_name(schema: str) -> str:
    """``member.admitted/1`` -> ``member.admitted.v1.json``."""
    name, version = schema.split("/")
    return f"{name}.v{version}.json"


def cleaned(node: Any) -> Any:
    """``node`` with every description dedented as ``inspect.cleandoc`` does.

    msgspec copies docstrings into descriptions, and its releases differ on
    dedenting them (0.23 does, 0.19 keeps the indentation): cleaning them here keeps
    the committed files the same whichever release generated them.
    """
    if isinstance(node, dict):
        return {
            key: inspect.cleandoc(value)
            if key == "description" and isinstance(value, str)
            else cleaned(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [cleaned(item) for item in node]
    return node


def generated() -> dict[str, str]:
    """Every schema file's name and text, as the Structs say it should be."""
    files = {
        "envelope.json": cleaned(msgspec.json.schema(Envelope)),
        # Not a node's payload: the consortium's signed statement about a co-op,
        # documented for the commissioners who open it.
        "attestation.v1.json": cleaned(msgspec.json.schema(Attestation)),
    }
    # What the consortium sends back to each co-op (schemas.mirror).
    mirror = cleaned(msgspec.json.schema(NetworkMirror))
    mirror["$id"] = MIRROR_SCHEMA
    files[file_name(MIRROR_SCHEMA)] = mirror
    for schema, payload_type in sorted(PAYLOAD_TYPES.items()):
        document = cleaned(msgspec.json.schema(payload_type))
        document["$id"] = schema
        files[file_name(schema)] = document
    return {
        name: json.dumps(doc, indent=2, sort_keys=True) + "\n"
        for name, doc in files.items()
    }


def write(directory: Path = JSON_DIR) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    expected = generated()
    for stale in directory.glob("*.json"):
        if stale.name not in expected:
            stale.unlink()
    for name, text in expected.items():
        (directory / name).write_text(text)
    return sorted(expected)


def stale_files(directory: Path = JSON_DIR) -> list[str]:
    """Names of files that are missing, out of date or no longer generated."""
    expected = generated()
    present = {p.name: p.read_text() for p in directory.glob("*.json")}
    wrong = {name for name, text in expected.items() if present.get(name) != text}
    extra = set(present) - set(expected)
    return sorted(wrong | extra)
