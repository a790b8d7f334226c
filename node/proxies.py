"""Proxies: a member lets another member of the electorate vote for them in one
ballot, and may take it back.

- Appointing is refused once the member has voted, when the rules (frozen in the
  ballot) allow no proxies, or when the holder already holds as many as the rules
  allow.
- Revoking ends the proxy. In an open ballot a vote the holder already cast for
  the member is withdrawn with it; in a secret ballot such a vote is final (the
  node cannot tell which sealed ballot is theirs), so revoking is refused then.
- Voting in person supersedes the proxy for that ballot: in an open ballot the
  member's own vote replaces the holder's, and the holder can no longer vote for
  them; in a secret ballot it ends the proxy if the holder has not voted yet.
"""

from uuid import UUID

from node.errors import ProxyRefused
from node.secret_voting import SecretVoting


class ProxyCommands(SecretVoting):
    def appoint_proxy(self, ballot_id: UUID, member_id: UUID, holder_id: UUID) -> None:
        """``member_id`` (acting as themselves) lets ``holder_id`` vote for them."""
        ballot = self.ballot(ballot_id)
        profile = self.ballot_rules(ballot)
        if not profile.allows_proxies:
            raise ProxyRefused(
                f"the rules ({profile.name}) do not allow voting by proxy"
            )
        member, holder = str(member_id), str(holder_id)
        if member == holder:
            raise ProxyRefused("a member cannot be their own proxy")

        def attempt() -> None:
            roll = self._roll(ballot_id)
            roll.require_open()
            for who in (member, holder):
                self._require_elector(roll, who, profile)
            if member in roll.voted:
                raise ProxyRefused("you have already voted in this ballot")
            held = sum(1 for h in roll.proxies.values() if h == holder)
            if held >= profile.proxies_per_holder:
                # Say the rule, not how many proxies the other member holds.
                raise ProxyRefused(
                    "that member cannot take another proxy (the rules allow "
                    f"{profile.proxies_per_holder} each); choose another holder"
                )
            roll.appoint_proxy(member, holder)
            self.save(roll)

        with self._pool().lock:
            self._retrying(attempt)

    def revoke_proxy(self, ballot_id: UUID, member_id: UUID) -> None:
        """``member_id`` takes back the proxy they gave in this ballot."""
        ballot = self.ballot(ballot_id)
        member = str(member_id)

        def attempt() -> None:
            roll = self._roll(ballot_id)
            roll.require_open()
            holder = roll.proxies.get(member)
            if holder is None:
                raise ProxyRefused("you have no proxy in this ballot")
            if ballot.secret and roll.cast_by.get(member) == holder:
                raise ProxyRefused(
                    "your proxy has already cast your secret vote; it stands"
                )
            roll.revoke_proxy(member)
            self.save(roll)

        with self._pool().lock:
            self._retrying(attempt)

    def proxy_of(self, ballot_id: UUID, member_id: UUID) -> str | None:
        """Who holds ``member_id``'s proxy in this ballot, if anyone."""
        return self.roll(ballot_id).proxies.get(str(member_id))

    def proxies_held(self, ballot_id: UUID, holder_id: UUID) -> list[str]:
        """The members ``holder_id`` may vote for in this ballot."""
        holder = str(holder_id)
        roll = self.roll(ballot_id)
        return sorted(m for m, h in roll.proxies.items() if h == holder)
