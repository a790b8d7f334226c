"""``commonweal attestation issue|verify`` and ``commonweal consortium
statement-key``: the consortium issues a co-op's signed attestation; a
commissioner checks it offline with the consortium's public statement key
(federation.attestation does the work)."""

import argparse
import sys
from pathlib import Path
from typing import Any

from schemas.attestation import Holds, Statement

HOLDS_WORDS: dict[Holds, str] = {
    "true": "holds",
    "false": "DOES NOT HOLD",
    "not_shown": "not shown",
    "not_applicable": "does not apply",
}


def add_commands(commands: Any, consortium: Any) -> None:
    """Register ``attestation`` on the top-level subparsers ``commands`` and
    ``statement-key`` on the ``consortium`` ones."""
    attestation = commands.add_parser(
        "attestation", help="issue or check a co-op's signed attestation"
    ).add_subparsers(metavar="action")
    issue = attestation.add_parser(
        "issue", help="sign what a co-op's shared data shows, as a file"
    )
    issue.add_argument("--config", type=Path, default=Path("consortium.toml"))
    issue.add_argument("--coop", required=True, help="the co-op's id")
    issue.add_argument("--out", type=Path, help="the file to write (else printed)")
    issue.set_defaults(handler=_issue)
    verify = attestation.add_parser(
        "verify", help="check an attestation offline and show what it covers"
    )
    verify.add_argument("file", type=Path, help="the attestation file (JSON)")
    verify.add_argument(
        "--key", required=True, help="the consortium's statement key (U...)"
    )
    verify.add_argument("--coop", help="fail unless it is about this co-op id")
    verify.set_defaults(handler=_verify)
    key = consortium.add_parser(
        "statement-key", help="print the public key commissioners check with"
    )
    key.add_argument("--config", type=Path, default=Path("consortium.toml"))
    key.set_defaults(handler=_statement_key)


def _issue(args: argparse.Namespace) -> int:
    from federation.attestation import UnknownCoop, attestation_file, issue_attestation
    from federation.config import ConsortiumConfig
    from federation.ingest import ConsortiumViews
    from federation.registry import ConsortiumRegistry
    from toolkit.config import load_config

    config = load_config(args.config, ConsortiumConfig)
    views = ConsortiumViews.construct(config.store_env())
    registry = ConsortiumRegistry(config.registry_env())
    try:
        attestation = issue_attestation(config, views, registry, args.coop)
    except UnknownCoop as error:
        print(f"commonweal: {error}", file=sys.stderr)
        return 2
    finally:
        views.factory.close()
        registry.close()
    data = attestation_file(attestation)
    if args.out is None:
        sys.stdout.buffer.write(data)
        return 0
    args.out.write_bytes(data)
    statement = attestation.statement
    print(
        f"wrote {args.out}: the attestation of co-op {statement.coop_id} as of "
        f"{statement.as_of.isoformat()}, signed with {statement.consortium_key}"
    )
    return 0


def _verify(args: argparse.Namespace) -> int:
    from federation.attestation import AttestationInvalid, verify

    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"commonweal: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        statement = verify(data, args.key, args.coop)
    except AttestationInvalid as error:
        print(f"NOT VALID: {args.file}: {error}", file=sys.stderr)
        return 1
    print(summary(statement), end="")
    return 0


def summary(statement: Statement) -> str:
    """A checked statement as a commissioner reads it."""
    lines = [
        f"VALID: signed by {statement.consortium} with its statement key "
        f"{statement.consortium_key}",
        f"Co-op: {statement.coop_name} (id {statement.coop_id})",
        f"Issued {statement.issued_at:%Y-%m-%d %H:%M %Z}, on its data as of "
        f"{statement.as_of.isoformat()} (its chain to envelope "
        f"{statement.chain_position})",
        "",
        "Claims:",
    ]
    for claim in statement.claims:
        lines.append(f"  [{HOLDS_WORDS[claim.holds]}] {claim.title}")
        lines += [f"      {figure}" for figure in claim.figures]
    lines += ["", "What it covers:"]
    lines += [f"  - {line}" for line in statement.covers]
    lines += ["", "What it does not cover:"]
    lines += [f"  - {line}" for line in statement.does_not_cover]
    return "\n".join(lines) + "\n"


def _statement_key(args: argparse.Namespace) -> int:
    from federation.config import ConsortiumConfig
    from federation.statement_key import statement_public_key
    from toolkit.config import load_config

    config = load_config(args.config, ConsortiumConfig)
    print(statement_public_key(config))
    return 0
