"""Runs that survive any kill point: the tiny demo run is killed (SIGKILL) again and again at random moments, and at
random file writes, and started again each time; the finished run folder must hold what an uninterrupted run with
the same random seed holds, nothing lost and nothing added twice.

Each attempt is a child forked from a fork server (multiprocessing's 'forkserver': one clean, single-threaded process
that has imported torch and the loop once, so a kill costs little), never from pytest itself, whose threads (servers,
progress bars) may hold locks at the moment of a fork. It builds the tiny demo and calls `run_loop`, which resumes
from whatever the killed attempts left."""
import hashlib, json, multiprocessing, os, random, signal, time
from pathlib import Path
import pytest

N_SEED, N_TEST, SEED, KILLS = 21, 14, 0, 5   # KILLS: attempts killed per test, then one runs to the end
TIMES = ('train_seconds', 'eval_seconds', 'teacher_seconds', 'rule_seconds')


def _run(run_dir: Path, kill_at_write: int | None = None):
    "In a child: the tiny demo's loop in `run_dir`; with `kill_at_write`, SIGKILL itself at that file write."
    os.environ['TQDM_DISABLE'] = '1'
    import torch
    torch.set_num_threads(1)
    if kill_at_write is not None:   # die inside the n-th atomic write: after the temporary file, before its rename
        import llm2llm.records as records
        real, count = records.os.replace, [0]
        def replace(src, dst):
            count[0] += 1
            if count[0] == kill_at_write: os.kill(os.getpid(), signal.SIGKILL)
            return real(src, dst)
        records.os.replace = replace
    from llm2llm.demo import DemoConfig, demo_setup
    from llm2llm.loop import run_loop
    d = demo_setup(DemoConfig(run_dir=str(run_dir), tiny=True, n_seed=N_SEED, n_test=N_TEST), student={'epochs': 3})
    run_loop(d.task, d.student, d.teacher, d.seeds, d.test, d.run_dir, d.cfg)


_SERVER = multiprocessing.get_context('forkserver')
_SERVER.set_forkserver_preload(['torch', 'llm2llm.demo', 'llm2llm.loop'])


def _child(run_dir: Path, kill_at_write: int | None):
    "An attempt's process: the loop, exit code 0 when it finished."
    try:
        _run(run_dir, kill_at_write)
    except BaseException:
        import traceback; traceback.print_exc()
        os._exit(1)


def _attempt(run_dir: Path, kill_after: float | None = None, kill_at_write: int | None = None) -> str:
    "Start a child that runs the loop; kill it after `kill_after` seconds. 'done', 'killed' or 'failed'."
    p = _SERVER.Process(target=_child, args=(run_dir, kill_at_write))
    p.start()
    p.join(kill_after if kill_after is not None else 300)
    if p.is_alive():
        p.kill(); p.join()
        assert kill_after is not None, 'an attempt hung (300 s)'
        return 'killed'
    if p.exitcode == -signal.SIGKILL: return 'killed'
    return 'done' if p.exitcode == 0 else 'failed'


def _snapshot(run_dir: Path) -> dict[str, str]:
    """Every data file of a run folder (timings taken out of the metrics), by relative path, the saved student's
    weights by their hash; the tiny model and the lock file (it names the process that held it) left out."""
    out = {}
    for p in sorted(run_dir.rglob('*')):
        rel = p.relative_to(run_dir).as_posix()
        assert not p.name.endswith('.tmp'), f'a killed write left {rel} behind'
        if not p.is_file() or rel.startswith('tiny_model/') or p.suffix == '.png' or p.name == 'run.lock': continue
        if p.suffix == '.safetensors': out[rel] = hashlib.sha256(p.read_bytes()).hexdigest(); continue
        text = p.read_text(encoding='utf-8').replace(str(run_dir), 'RUN')   # student.json names its base model
        if p.name == 'metrics.json':
            m = json.loads(text)
            strip = lambda r: {k: v for k, v in r.items() if k not in TIMES}
            m = {**m, 'iterations': [strip(r) for r in m['iterations']]} if 'iterations' in m else strip(m)
            text = json.dumps(m, sort_keys=True)
        out[rel] = text
    return out


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    run = tmp_path_factory.mktemp('ref') / 'run'
    t0 = time.time()
    assert _attempt(run) == 'done'
    return run, time.time() - t0


def test_random_kill_points_lose_nothing(reference, tmp_path):
    ref, seconds = reference
    rng, kills, runs = random.Random(SEED), [], [tmp_path / 'run-0']
    for _ in range(4 * KILLS):   # attempts killed at a random moment of what a whole run takes
        after = rng.uniform(0.05, seconds)
        outcome = _attempt(runs[-1], kill_after=after)
        assert outcome != 'failed', f'an attempt failed after {len(kills)} kills'
        if outcome == 'killed': kills.append(round(after, 2))
        else: runs.append(tmp_path / f'run-{len(runs)}')   # it got through to the end: the next kills hit a new run
        if len(kills) == KILLS: break
    assert _attempt(runs[-1]) == 'done'
    print(f'{len(kills)} kills at {kills} s over {len(runs)} runs (a whole run takes {seconds:.1f} s)')
    assert len(kills) >= KILLS // 2, 'too few kill points were tried'
    for run in runs: assert _snapshot(run) == _snapshot(ref), run


def test_kill_inside_file_writes(reference, tmp_path):
    ref, _ = reference
    per_iteration = len([p for p in (ref / 'iter_000').iterdir() if p.suffix in ('.json', '.jsonl')])
    per_iteration += 3   # the saved student's: its student.json, its folder, an earlier one's removal
    rng, run, kills = random.Random(SEED + 1), tmp_path / 'run', []
    for _ in range(KILLS):   # each attempt dies inside a write of the start or of the iteration it works on
        k = rng.randint(1, per_iteration + 1)
        outcome = _attempt(run, kill_at_write=k)
        assert outcome != 'failed', f'an attempt failed after {len(kills)} kills'
        if outcome == 'killed': kills.append(k)
    assert _attempt(run) == 'done'
    print(f'{len(kills)} kills inside a file write (the k-th write of each attempt: {kills})')
    assert len(kills) >= KILLS // 2 and _snapshot(run) == _snapshot(ref)
