"""The CLI as a user runs it: exit codes and messages, no broker needed."""

import json
from pathlib import Path

from tests.helpers import run_cli as run


def test_convenant_check_passes_on_the_shipped_files():
    done = run("convenant", "check")
    assert done.returncode == 0, done.stderr
    assert "convenant midden-nederland (versie 2025.1)" in done.stdout


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


def test_one_exit_code_table_in_code_and_the_operations_guide():
    from pipeline.cli.exit_codes import markdown_table
    from tests.conftest import ROOT

    assert markdown_table() in (ROOT / "docs" / "operations.md").read_text()


def test_version_help_and_usage_errors():
    assert run("--version").stdout.startswith("ketenstroom ")
    assert "Usage" in run("lag", "-h").stdout
    wrong = run("lag", "--no-such-option")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr


def test_user_errors_exit_1_without_a_traceback(tmp_path: Path):
    missing = run("publish", "--as", "politie", str(tmp_path / "missing.json"))
    assert missing.returncode == 1 and "cannot read it" in missing.stderr
    bad = run("publish", "--as", "politie", "-", stdin="{not json")
    assert bad.returncode == 1 and "not valid JSON" in bad.stderr
    # an unknown partner is refused before any broker is asked (none is configured here)
    nobody = run("publish", "--as", "nobody", "-", stdin="{}")
    assert nobody.returncode == 1 and "unknown partner 'nobody'" in nobody.stderr
    for done in (missing, bad, nobody):
        assert "Traceback" not in done.stderr


def test_an_unreachable_broker_is_named_quickly():
    good = json.dumps(
        {"envelope": {"event_type": "Statusupdate"}, "ref_id": "x", "status": "ONTVANGEN"}
    )
    env = {
        "KETENSTROOM_BROKER": "external",
        "KETENSTROOM_BOOTSTRAP_SERVERS": "127.0.0.1:1,unresolvable.invalid:9092",
    }
    done = run("publish", "--as", "politie", "-", stdin=good, env=env)
    assert done.returncode == 3
    assert "127.0.0.1:1 (" in done.stderr and "unresolvable.invalid:9092 (" in done.stderr


def test_explain_one_file_as_the_annex_and_an_unknown_recipient_is_an_error(tmp_path):
    nl = {"KETENSTROOM_TAAL": "nl"}
    done = run(
        "convenant", "explain", "convenanten/midden-nederland.yaml", "--format", "html", env=nl
    )
    assert done.returncode == 0, done.stderr
    page = done.stdout
    assert '<html lang="nl">' in page and "<h2>Koppeldomeinen</h2>" in page
    assert "Geldig</dt><dd>van 2025-03-01 tot 2030-03-01" in page
    assert "Wet justitiële en strafvorderlijke gegevens" in page  # a legal basis with its text
    # art. 9 marked; the human label with the technical name small beside it
    assert (
        '<tr class="bijzonder"><td>vorm van uitbuiting<small class="naam">uitbuitingsvorm</small>'
        in page
    )
    done = run(
        "convenant",
        "explain",
        "convenanten/midden-nederland.yaml",
        "--recipient",
        "gemeente-utrcht",
        env=nl,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert (
        "ontvanger 'gemeente-utrcht' ontvangt niets onder dit convenant of bestaat niet; bedoelt u gemeente-utrecht?"
        in done.stderr
    )
    pdf = tmp_path / "bijlage.pdf"
    done = run("convenant", "explain", "--format", "pdf", "--uit", str(pdf), env=nl)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_diff_of_a_version_bump_alone_says_no_change(tmp_path, covenant_dir):
    path = covenant_dir / "midden-nederland.yaml"
    path.write_text(path.read_text().replace('versie: "2025.1"', 'versie: "2025.2"'))
    done = run(
        "convenant",
        "diff",
        "convenanten/midden-nederland.yaml",
        str(path),
        env={"KETENSTROOM_TAAL": "nl"},
    )
    assert done.returncode == 0, done.stderr
    assert "midden-nederland: versie 2025.1 → 2025.2" in done.stdout
    assert "geen verschil in wat wordt gedeeld, met wie, hoe of waarom" in done.stdout


def test_piped_tables_are_plain_lines_not_padded_to_the_console_width():
    """Issue 31: piped, rich tables were stretched (and boxed) to a 4096-column console. Every
    command prints through the one console of pipeline/cli/output.py; piped, a table is a
    heading line and one aligned line per row."""
    import io

    from rich.table import Table

    from pipeline.cli.output import PIPED_WIDTH, PipedConsole

    out = io.StringIO()
    table = Table(title="Consumer lag", caption="alarm: yes for the router", expand=True)
    table.add_column("group")
    table.add_column("lag", justify="right", ratio=3)
    table.add_row("ketenstroom-router", "0")
    table.add_row("om.inbox", "12345")
    PipedConsole(file=out, width=PIPED_WIDTH, soft_wrap=True).print(table)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Consumer lag" and lines[-1] == "alarm: yes for the router"
    assert lines[1].split() == ["group", "lag"] and lines[3].split() == ["om.inbox", "12345"]
    assert max(map(len, lines)) < 40 and lines == [line.rstrip() for line in lines]
    assert not set("│┃━─┏┗") & set(out.getvalue())


def test_check_stays_usable_when_the_configured_broker_is_away():
    """With a broker configured, `check` also compares with what was published; when it cannot
    reach the broker, it says so and still checks the files."""
    done = run(
        "convenant",
        "check",
        env={
            "KETENSTROOM_BROKER": "external",
            "KETENSTROOM_BOOTSTRAP_SERVERS": "127.0.0.1:1",
            "KETENSTROOM_CONNECT_TIMEOUT_S": "0.5",
            "KETENSTROOM_TAAL": "nl",
        },
    )
    assert done.returncode == 0, done.stderr
    assert "gepubliceerde versies zijn niet gelezen" in " ".join(done.stderr.split())
    assert "in orde: convenant midden-nederland (versie 2025.1)" in done.stdout
