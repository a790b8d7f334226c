"""A co-op's membership caps leave the node with its rules, at founding and at
each amendment, so the consortium can attest them (federation.rules_facts)."""

from pathlib import Path

import msgspec

from node.application import ALLOWLIST
from node.coop import Coop
from node.rules import profile_named
from node.sharing import SharingPolicy
from tests.carried import carried_motion
from tests.test_governance import admit
from tests.test_secret_ballot_linking import new_app
from toolkit.aggregates import events_with


def test_the_founding_shares_the_caps_of_the_rules(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    admit(app, "worker", 3)
    profile = profile_named("italy_type_b")
    capped = {c.name: c.membership_cap for c in profile.member_classes}
    app.amend_rules(profile, motion_id=carried_motion(app, "rules_amendment"))
    policy = SharingPolicy(b"s" * 32, ALLOWLIST)
    founded = events_with(app, Coop.Founded.TOPIC)
    amended = events_with(app, Coop.RulesAmended.TOPIC)
    shared = [policy.share(e) for e in [*founded, *amended]]
    caps = [msgspec.structs.asdict(s.payload)["membership_caps"] for s in shared if s]
    # new_app founds with a profile that caps nothing; Italy's type B caps.
    assert caps == [{}, {k: v for k, v in capped.items() if v is not None}]
    assert caps[1]  # the profile really caps a class
    app.close()
