"""The command line, run as a user runs it: as a separate process."""

import json
from pathlib import Path

import pytest

from tests.commands import commonweal
from tests.truth import membership_truth


@pytest.mark.slow
def test_demo_prints_the_report_and_report_json_agrees(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    run = commonweal("demo", "--data-dir", str(data), "--members", "30")
    assert run.returncode == 0, run.stderr
    assert "Members by class" in run.stdout
    assert "Kirklees Care Co-op" in run.stdout

    report = commonweal("report", "--config", str(data / "consortium.toml"), "--json")
    assert report.returncode == 0, report.stderr
    figures = json.loads(report.stdout)["membership"]
    assert len(figures["coops"]) == 3

    # Every co-op's figures equal what its own store holds.
    from federation.suppression import suppress
    from node.application import CoopNode
    from node.config import NodeConfig
    from toolkit.config import load_config

    for coop in figures["coops"]:
        config = load_config(data / f"{coop['coop_id']}.toml", NodeConfig)
        app = CoopNode(config.coop_id, config.store_env())
        truth = membership_truth(app)
        app.close()
        # Published: person counts below 5 read "<5".
        truth["members_by_class"] = {
            k: suppress(n)
            for k, n in truth["members_by_class"].items()  # type: ignore[attr-defined]
        }
        truth["members"] = suppress(truth["members"])  # type: ignore[arg-type]
        assert {
            key: coop[key] for key in ("members_by_class", "members", "share_capital")
        } == truth
    assert figures["members"] == sum(c["members"] for c in figures["coops"])


def test_demo_json_output_is_json() -> None:
    run = commonweal("demo", "--json", "--members", "10")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["membership"]["members"] > 0


def test_demo_refuses_a_data_dir_with_data_in_it(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("keep me")
    run = commonweal("demo", "--data-dir", str(tmp_path))
    assert run.returncode == 2
    assert "not empty" in run.stderr
    assert (tmp_path / "something").read_text() == "keep me"


def test_node_init_writes_config_and_founds_the_coop(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    run = commonweal(
        "node", "init", "--config", str(config), "--coop-id", "alpha",
        "--name", "Alpha Care", "--profile", "italy_type_a",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    text = config.read_text()
    assert 'coop_id = "alpha"' in text
    assert (tmp_path / "node.db").exists()
    again = commonweal(
        "node", "init", "--config", str(config), "--coop-id", "alpha", "--name", "X"
    )
    assert again.returncode == 2
    assert "exists already" in again.stderr
    assert config.read_text() == text


def test_node_init_refuses_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    bad_profile = commonweal(
        "node", "init", "--config", str(config), "--coop-id", "alpha",
        "--name", "Alpha", "--profile", "martian",
    )  # fmt: skip
    assert bad_profile.returncode == 2
    assert "unknown rules profile 'martian'" in bad_profile.stderr
    bad_id = commonweal(
        "node", "init", "--config", str(config), "--coop-id", "Alpha Co", "--name", "A"
    )
    assert bad_id.returncode == 2
    assert "coop_id" in bad_id.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_config_with_a_misspelt_key_is_refused_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "consortium.toml"
    config.write_text('name = "c"\n[store]\nkind = "sqlite"\npaht = "c.db"\n')
    run = commonweal("report", "--config", str(config))
    assert run.returncode == 2
    assert "paht" in run.stderr
