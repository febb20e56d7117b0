"""train.py's exit codes, which both backends read: 2 only for a bad job or bad inputs (BadJob), 1 for any
other failure, a ValueError raised inside training (torch, transformers) included."""
import json
import subprocess
import sys
from pathlib import Path

from inftool_trainer import tiny_fixture

TRAINER_ROOT = Path(__file__).resolve().parent.parent


def _main_with_train_raising(job_file: Path, exc: str) -> tuple[int, list[dict]]:
    script = (
        "import sys\n"
        "from inftool_trainer import train\n"
        "from inftool_trainer.job import BadJob\n"
        "def fail(*_):\n"
        f"    raise {exc}\n"
        "train.train = fail\n"
        f"sys.exit(train.main(['--job', {str(job_file)!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=str(TRAINER_ROOT), capture_output=True, text=True, timeout=120)
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def test_exit_codes(tiny_world, tmp_path):
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps(tiny_fixture.tiny_job(tiny_world, tmp_path / "out")))
    code, events = _main_with_train_raising(job_file, "ValueError('mat1 and mat2 shapes cannot be multiplied')")
    assert code == 1 and events[-1] == {"event": "error", "message": "ValueError: mat1 and mat2 shapes cannot be multiplied"}
    code, events = _main_with_train_raising(job_file, "BadJob('rlPromptsPath x does not exist')")
    assert code == 2 and events[-1]["message"] == "BadJob: rlPromptsPath x does not exist"
    # A job file that does not validate never reaches train(): exit 2 as well.
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**tiny_fixture.tiny_job(tiny_world, tmp_path / "out"), "config": {"sft": {"maxStep": 3}}}))
    code, events = _main_with_train_raising(bad, "AssertionError('train() must not run')")
    assert code == 2 and "/config/sft/maxStep: Extra inputs are not permitted" in events[-1]["message"]
