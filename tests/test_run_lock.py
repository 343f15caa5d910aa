"""One writer per run folder, with real processes: a second `llm2llm demo` on a folder another process writes is
refused in one line that names the writer; a reader (`llm2llm report`) does not wait for the lock; a writer killed
with SIGKILL leaves no stale lock."""
import os, signal, subprocess, sys, time
from conftest import LLM2LLM

HOLD = '''
import sys, time
from llm2llm.runs import lock_run
lock_run(sys.argv[1], 'the holder of this test')
print('locked', flush=True)
time.sleep(600)
'''


def _holder(run):
    "A process that takes the run folder's lock and keeps it until it is killed."
    p = subprocess.Popen([sys.executable, '-c', HOLD, str(run)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == 'locked'
    return p


def test_second_writer_refused_reader_never_waits_kill_frees(cli, tmp_path):
    run = tmp_path / 'run'
    assert cli('demo', '--tiny', '--n-test', '14', '--iterations', '1', '--no-control', '--run-dir', run,
               '--quiet').returncode == 0
    holder = _holder(run)
    try:
        t = time.time()
        r = cli('demo', '--tiny', '--n-test', '14', '--iterations', '2', '--no-control', '--run-dir', run)
        assert r.returncode == 2, r.stderr
        line, = r.stderr.strip().splitlines()   # one line, naming the process that holds the folder
        assert f'is being written by process {holder.pid} on ' in line and '(the holder of this test, since' in line
        assert line.startswith('llm2llm demo: error: ')
        refused = time.time() - t
        rep = cli('report', run, '--out', tmp_path / 'report')
        assert rep.returncode == 0, rep.stderr          # a reader reads while the writer holds the folder
        assert holder.poll() is None                    # and the writer still holds it
        print(f'refused in {refused:.1f} s (the command starting included)')
    finally:
        holder.send_signal(signal.SIGKILL); holder.wait()
    assert (run / 'run.lock').exists()                  # the killed writer's lock file stays, but no lock with it
    r = cli('demo', '--tiny', '--n-test', '14', '--iterations', '2', '--no-control', '--run-dir', run, '--quiet')
    assert r.returncode == 0, r.stderr
    assert (run / 'iter_001/metrics.json').exists()
