"""The same `llm2llm run` in one process and in two under `accelerate launch` (gloo on this CPU, the tiny model):
the same run folder, in its data, answers, lineage and metrics, and each file written by the main process only,
as often as one process writes it."""
import json, os, re, socket, subprocess, sys
from pathlib import Path
import pytest
from llm2llm.records import write_jsonl, read_jsonl
from llm2llm.models import tiny_student
from llm2llm.synthetic import IntentTask

HERE = Path(__file__).parent
CONFIG = HERE.parent / 'configs/accelerate/ddp.yaml'   # the config the README gives
TIMES = re.compile(r'_seconds$')


def _port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def _run(tmp: Path, name: str, processes: int, extra: list[str] = ()) -> tuple[Path, subprocess.CompletedProcess]:
    run = tmp / name
    args = ['run', '--task', 'intents', '--model', str(tmp / 'tiny'), '--seed-file', str(tmp / 'seed.jsonl'),
            '--test-file', str(tmp / 'test.jsonl'), '--run-dir', str(run), '--teacher', 'simulated',
            '--iterations', '3', '--no-lora', '--lr', '3e-3', '--epochs', '8', '--min-steps', '0',
            '--batch-size', '7', '--eval-batch-size', '8', *extra]
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'TQDM_DISABLE': '1', 'AUDIT_UNDER': str(run),
           'GLOO_SOCKET_IFNAME': 'lo',   # gloo on loopback: a machine whose host name does not resolve still works
           'AUDIT_LOG': str(tmp / f'{name}.writes')}
    launch = ([sys.executable, str(HERE / '_audited_cli.py')] if processes == 1 else
              [sys.executable, '-m', 'accelerate.commands.launch', '--config_file', str(CONFIG),
               '--num_processes', str(processes), '--main_process_port', str(_port()), str(HERE / '_audited_cli.py')])
    r = subprocess.run(launch + args, capture_output=True, text=True, env=env, timeout=600)
    return run, r


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('dist')
    task = IntentTask()
    s = task.make_splits(n_seed=30, n_test=45, seed=0)
    write_jsonl(tmp / 'seed.jsonl', s['seed'], task.target_field)
    write_jsonl(tmp / 'test.jsonl', s['test'], task.target_field)
    tiny_student(task, s['seed'] + s['pool'], tmp / 'tiny')
    one, r1 = _run(tmp, 'one', 1)
    assert r1.returncode == 0, r1.stderr[-3000:]
    two, r2 = _run(tmp, 'two', 2)
    assert r2.returncode == 0, r2.stderr[-3000:]
    return tmp, task, one, two, r1, r2


def _rows(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()]


def test_same_data_answers_and_lineage(runs):
    tmp, task, one, two, *_ = runs
    files = sorted(str(p.relative_to(one)) for p in one.rglob('*') if p.is_file())
    test_files = sorted(str(p.relative_to(two)) for p in two.rglob('*') if p.is_file())
    assert files == test_files
    iters = sorted(p.name for p in one.glob('iter_*'))
    assert iters == ['iter_000', 'iter_001', 'iter_002']
    for f in files:
        if f.endswith('dynamics.jsonl'):   # per-example training numbers: gathered across ranks, summed in another order
            d1, d2 = _rows(one / f), _rows(two / f)
            assert [d['id'] for d in d1] == [d['id'] for d in d2], f
            gap = max(abs(x - y) for a, b in zip(d1, d2) for x, y in zip(a['logprob'], b['logprob']))
            print(f, 'largest log-probability gap', gap); assert gap < 1e-3, (f, gap)
        elif f.endswith('.jsonl'): assert _rows(one / f) == _rows(two / f), f   # data, answers, lineage, rejections
    gen = [e for it in iters for e in read_jsonl(one / it / 'train.jsonl', task.input_fields, task.target_field)
           if e.source == 'generated']
    assert gen and all(e.parent and e.teacher and e.iteration is not None for e in gen)   # the loop did augment


def test_same_metrics(runs):
    tmp, task, one, two, *_ = runs
    a, b = json.loads((one / 'metrics.json').read_text()), json.loads((two / 'metrics.json').read_text())
    assert a['stop_reason'] == b['stop_reason'] and a['teacher_usage'] == b['teacher_usage']
    for ma, mb in zip(a['iterations'], b['iterations'], strict=True):
        for k in ma:
            if TIMES.search(k): continue
            if k.startswith('train_loss'): assert ma[k] == pytest.approx(mb[k], rel=1e-3), k   # summed in 2 parts
            else: assert ma[k] == mb[k], k
    ra, rb = (json.loads((r / 'run.json').read_text()) for r in (one, two))
    assert ra == rb


def test_main_process_writes_each_file_as_often(runs):
    tmp, *_ = runs
    def writes(name, rank): return sorted(re.sub(r'\.[^/]*\.tmp(?=/|$)', '.tmp', l)   # mkstemp's, mkdtemp's random part
                                          for l in (tmp / f'{name}.writes.{rank}').read_text().splitlines())
    alone = writes('one', 0)
    assert 'os.rename iter_002/metrics.json' in alone and alone.count('os.rename metrics.json') == 3, alone
    assert writes('two', 0) == alone
    assert writes('two', 1) == []        # the other process wrote nothing in the run folder


def test_resume_under_two_processes(runs):
    "A finished run asked for one more iteration resumes from its folder under two processes."
    tmp, task, one, two, *_ = runs
    run, r = _run(tmp, 'two', 2, ['--iterations', '4'])
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads((two / 'metrics.json').read_text())
    assert [x['iteration'] for x in m['iterations']] == [0, 1, 2, 3]
    assert m['iterations'][3]['train_size'] == m['iterations'][2]['train_size'] + m['iterations'][2]['n_generated']


def test_user_error_printed_once(runs):
    "A bad setting under two processes: one error line (from the main process), status 2 from the launch."
    tmp, *_ = runs
    run, r = _run(tmp, 'bad', 2, ['--error-rule', 'kfold', '--folds', '99'])
    assert r.returncode != 0
    assert r.stderr.count('llm2llm run: error:') == 1, r.stderr[-3000:]
