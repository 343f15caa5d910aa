"""`llm2llm check` end to end: ready here (with the tiny model's timing, seconds), and exit status 1 with the failed
check named when something is missing."""
import subprocess, sys
from pathlib import Path
import llm2llm.check as check
from llm2llm.cli import main

CLI = Path(sys.executable).parent / 'llm2llm'


def test_ready_here():
    r = subprocess.run([str(CLI), 'check', '--tiny'], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert '%|' not in r.stdout + r.stderr, 'progress bars'   # its own lines only
    assert lines[-1] == 'ready' and any(l.startswith('ok    speed') and '10_five_minutes takes about' in l for l in lines)


def test_a_failed_check_is_named_and_exits_1(monkeypatch, capsys):
    monkeypatch.setattr(check, 'check_student', lambda: check.Check('student', 'fail', 'not found', 'pip install ...'))
    monkeypatch.setattr('llm2llm.core.quiet', lambda: None)   # the command turns bars off for good: not in this process
    assert main(['check', '--no-speed']) == 1
    out = capsys.readouterr().out
    assert 'fail  student       not found\n      → pip install ...' in out and out.splitlines()[-1] == 'not ready: student'
