"""README's "Running the parts as separate processes", run as written: real
processes on free ports in an empty folder, and the report is what the node holds."""

from pathlib import Path

from tests.readme_blocks import (
    Reader,
    commands,
    held,
    reported,
    settle,
    shell_blocks,
)


def test_readme_separate_processes_block_runs_as_written(tmp_path: Path) -> None:
    (block,) = shell_blocks("Running the parts as separate processes")
    reader = Reader(tmp_path / "readme")
    tmp_path = reader.folder
    *setup, report_command = commands(block)
    try:
        for command in setup:
            reader.run(command)
        assert (tmp_path / "alpha" / "node.toml").stat().st_mode & 0o777 == 0o600

        truth = dict([held(tmp_path / "alpha" / "node.toml")])
        settle(lambda: reported(tmp_path / "consortium.toml") == truth)
        assert reported(tmp_path / "consortium.toml") == truth
        table = reader.run(report_command)
        assert "Alpha Care" in table
    finally:
        codes = reader.close()
    # Each stops cleanly on SIGTERM, the broker with its nats-server.
    assert set(codes.values()) == {0}, codes
    # Everything was written where the commands were told to write.
    written = {p.name for p in tmp_path.iterdir()}
    assert sorted(n for n in written if not n.endswith(("-wal", "-shm"))) == [
        "alpha", "broker", "consortium.db", "consortium.toml", "registry.db",
        "statement.seed",  # the consortium's statement key, beside its config
    ]  # fmt: skip
