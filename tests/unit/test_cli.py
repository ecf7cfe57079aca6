"""The CLI as a user runs it: exit codes and messages, no broker needed."""

import json
from pathlib import Path

from tests.helpers import run_cli as run


def test_convenant_check_passes_on_the_shipped_files():
    done = run("convenant", "check")
    assert done.returncode == 0, done.stderr
    assert "midden-nederland@2025.1" in done.stdout


def test_convenant_check_fails_with_file_and_line(covenant_dir: Path):
    path = covenant_dir / "midden-nederland.yaml"
    path.write_text(
        path.read_text().replace("slachtoffer.bsn: doorgeven", "slachtoffer.bsnn: doorgeven")
    )
    done = run("convenant", "check", str(covenant_dir), env={"KETENSTROOM_TAAL": "nl"})
    assert done.returncode == 1
    assert f"fout: {path}:" in done.stderr and "bedoelt u slachtoffer.bsn?" in done.stderr
    assert done.stderr.rstrip().endswith("1 fout gevonden; er is niets veranderd")
    # English for operators: by the setting, or by an English locale
    for env in ({"KETENSTROOM_TAAL": "en"}, {"LANG": "en_GB.UTF-8", "LC_ALL": ""}):
        done = run("convenant", "check", str(covenant_dir), env=env)
        assert "error:" in done.stderr and "did you mean slachtoffer.bsn?" in done.stderr


def test_publish_refuses_invalid_input_before_touching_a_broker():
    bad = json.dumps(
        {
            "envelope": {"event_type": "Signaal"},
            "melder_type": "POLITIE",
            "uitbuitingsvorm": "ARBEID",
            "minderjarig": False,
            "slachtoffer": {"bsn": "123456789"},
        }
    )
    done = run("publish", "--as", "politie", "-", stdin=bad)
    assert done.returncode == 1
    assert "slachtoffer.bsn is not a valid BSN" in done.stderr


def test_publish_without_a_broker_says_how_to_get_one():
    good = json.dumps(
        {"envelope": {"event_type": "Statusupdate"}, "ref_id": "x", "status": "ONTVANGEN"}
    )
    done = run("publish", "--as", "politie", "-", stdin=good)
    assert done.returncode == 1
    assert "ketenstroom broker" in done.stderr


def test_schemas_fields_lists_covenant_paths():
    done = run("schemas", "fields", "Signaal")
    assert done.returncode == 0
    assert "slachtoffer.adres.postcode" in done.stdout.split()
