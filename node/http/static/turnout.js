// Live turnout without reloading the page (which works without this, too).
setInterval(async () => {
  for (const card of document.querySelectorAll("section.ballot[data-status=open]")) {
    const reply = await fetch("/api/ballots/" + card.dataset.id);
    if (!reply.ok) continue;
    const ballot = await reply.json();
    card.querySelector(".voted").textContent = ballot.voted;
    for (const t of ballot.turnout) {
      const cell = card.querySelector(`td[data-class="${t.member_class}"]`);
      if (cell) cell.textContent = t.voted;
    }
    if (ballot.status !== "open") card.querySelector(".status").textContent = ballot.status;
  }
}, 2000);
