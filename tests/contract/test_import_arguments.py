"""`tailor import ADDR REMOTE_ID`: a REMOTE_ID that is not Bria's numeric id is a one-line
error naming the argument as the usage line does, exit code 1, nothing recorded."""

from __future__ import annotations

from pathlib import Path

from tests.contract.conftest import run_process


def test_a_remote_id_that_is_not_a_number_is_named_plainly(quickstart: Path) -> None:
    result = run_process("import", "acme-mascot/models/light", "abc", str(quickstart))
    assert result.code == 1
    assert "REMOTE_ID" in result.stderr
    assert "'abc'" in result.stderr
    assert "'REMOTE_ID]'" not in result.stderr
    assert "Traceback" not in result.output
    assert not (quickstart / ".tailor").exists()
