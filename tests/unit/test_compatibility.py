"""`schemas check`: a change that breaks backward compatibility is refused."""

import json
import shutil
from pathlib import Path

from pipeline.codec.compatibility import check_against
from tests.conftest import SCHEMAS


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(SCHEMAS, target)
    return target


def _add_field(directory: Path, field: dict) -> None:
    path = directory / "signalen" / "statusupdate.avsc"
    schema = json.loads(path.read_text())
    schema["fields"].append(field)
    path.write_text(json.dumps(schema))


def test_unchanged_schemas_are_compatible(tmp_path):
    assert check_against(_copy(tmp_path, "new"), str(SCHEMAS)) == []


def test_a_new_field_with_a_default_is_compatible(tmp_path):
    new = _copy(tmp_path, "new")
    _add_field(new, {"name": "toelichting", "type": ["null", "string"], "default": None})
    assert check_against(new, str(SCHEMAS)) == []


def test_a_new_field_without_default_is_refused(tmp_path):
    new = _copy(tmp_path, "new")
    _add_field(new, {"name": "toelichting", "type": "string"})
    (problem,) = check_against(new, str(SCHEMAS))
    assert (
        "nl.ketenstroom.Statusupdate" in problem and "reader_field_missing_default_value" in problem
    )


def test_removing_a_signal_type_is_refused(tmp_path):
    new = _copy(tmp_path, "new")
    (new / "signalen" / "controle.avsc").unlink()
    (problem,) = check_against(new, str(SCHEMAS))
    assert "nl.ketenstroom.Controle: removed" in problem


def test_against_a_git_revision(tmp_path):
    import subprocess

    repo = tmp_path / "repo"
    schemas = _copy(repo, "schemas")
    for cmd in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    assert check_against(schemas, "HEAD") == []
    _add_field(schemas, {"name": "toelichting", "type": "string"})
    assert len(check_against(schemas, "HEAD")) == 1
