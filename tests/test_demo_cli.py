"End to end: `llm2llm demo --tiny` through the console script, resuming an interrupted or moved run, and `--help`."
import json, os, shutil, signal, subprocess, time
from pathlib import Path
from conftest import LLM2LLM

KEYS = {'iteration', 'train_size', 'seed_accuracy', 'test_accuracy', 'n_wrong', 'n_generated'}
TIMING = {'train_seconds', 'eval_seconds', 'teacher_seconds'}
ARGS = ['demo', '--tiny', '--n-test', '70']


def _jsonl(p): return [json.loads(l) for l in Path(p).read_text().splitlines() if l.strip()]


def _strip_times(ms): return [{k: v for k, v in m.items() if k not in TIMING} for m in ms]


def test_demo_tiny_end_to_end(cli, tmp_path):
    run = tmp_path / 'run'
    r = cli(*ARGS, '--run-dir', run)
    assert r.returncode == 0, r.stderr
    # a table row per iteration, under the header
    lines = r.stdout.splitlines()
    head = next(i for i, l in enumerate(lines) if 'seed acc' in l and 'new examples' in l)
    rows = [l.split() for l in lines[head + 1:head + 4]]
    assert [row[0] for row in rows] == ['0', '1', '2'], r.stdout
    # metrics.json: one record per iteration with the agreed keys, consistent with the data files
    summary = json.loads((run / 'metrics.json').read_text())
    ms = summary['iterations']
    assert [m['iteration'] for m in ms] == [0, 1, 2] and all(KEYS <= set(m) for m in ms)
    assert (run / 'accuracy.png').stat().st_size > 1000
    for m in ms:
        d = run / f"iter_{m['iteration']:03d}"
        assert len(_jsonl(d / 'train.jsonl')) == m['train_size']
        assert len(_jsonl(d / 'generated.jsonl')) == m['n_generated']
        preds = _jsonl(d / 'pred_seed.jsonl')
        # the demo's rule (dynamics) flags every wrong seed and the hardest in training besides
        assert sum(p['error'] for p in preds) == m['n_wrong'] >= round((1 - m['seed_accuracy']) * len(preds))
        assert all(p['error'] for p in preds if not p['right']) and m['error_rule'] == 'dynamics'
    for a, b in zip(ms, ms[1:]):  # D_{i+1} = D_i + A_i
        assert b['train_size'] == a['train_size'] + a['n_generated']
    # lineage: every generated example names a wrong seed of its iteration, the iteration and the teacher
    seeds = {e['id'] for e in _jsonl(run / 'seed.jsonl')}
    for m in ms:
        d = run / f"iter_{m['iteration']:03d}"
        wrong = {p['id'] for p in _jsonl(d / 'pred_seed.jsonl') if p['error']}
        for g in _jsonl(d / 'generated.jsonl'):
            assert g['source'] == 'generated' and g['parent'] in wrong and g['parent'] in seeds
            assert g['iteration'] == m['iteration'] and g['teacher'] == 'simulated-intents'
    # retraining alone beside it: the seeds only, as iteration 2 trained, and what each changed since iteration 0
    ctl = json.loads((tmp_path / 'run-control-2/metrics.json').read_text())['iterations']
    assert [(m['iteration'], m['method'], m['steps'], m['train_size']) for m in ctl] == [(2, 'plain', ms[2]['steps'], 60)]
    from llm2llm.runs import load_run
    assert load_run(tmp_path / 'run-control-2').stop_reason == 'finished'   # its one iteration is all it had to do
    i = lines.index('iteration 0 -> 2, and retraining alone (%d steps, the same random seed, no new data):' % ms[2]['steps'])
    assert lines[i + 1].startswith('  LLM2LLM ') and lines[i + 2].startswith('  retraining alone ')
    assert lines[-2].startswith('verdict: none from 1 run of each: the noise of training is not measured')
    assert lines[-1] == '  for a verdict: the same command with --repeats 3 (under two minutes here)'   # tiny
    # generated text never repeats a test example
    test_texts = {e['text'] for e in _jsonl(run / 'test.jsonl')}
    assert not test_texts & {g['text'] for i in range(3) for g in _jsonl(run / f'iter_{i:03d}/generated.jsonl')}


def test_resume_after_interrupt(cli, tmp_path):
    # the reference: one uninterrupted run
    ref = tmp_path / 'ref'
    assert cli(*ARGS, '--run-dir', ref).returncode == 0
    # the same run, killed as soon as iteration 0 is finished, then started again
    run = tmp_path / 'run'
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TQDM_DISABLE': '1'}
    p = subprocess.Popen([str(LLM2LLM), *ARGS, '--run-dir', str(run)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    t0 = time.time()
    while not (run / 'iter_000/metrics.json').exists():
        assert p.poll() is None and time.time() - t0 < 300, 'the run ended or hung before finishing iteration 0'
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (run / 'iter_002/metrics.json').exists()
    r = cli(*ARGS, '--run-dir', run)
    assert r.returncode == 0, r.stderr
    assert 'resuming' in r.stdout
    got = json.loads((run / 'metrics.json').read_text())['iterations']
    want = json.loads((ref / 'metrics.json').read_text())['iterations']
    assert _strip_times(got) == _strip_times(want)   # resuming gives the run an uninterrupted one gives
    for i in range(3):
        assert (run / f'iter_{i:03d}/generated.jsonl').read_text() == (ref / f'iter_{i:03d}/generated.jsonl').read_text()
    # a third start has nothing to do and changes nothing
    before = (run / 'metrics.json').read_text()
    r = cli(*ARGS, '--run-dir', run)
    assert r.returncode == 0 and (run / 'metrics.json').read_text() == before
    # extending the run trains one more iteration on the last iteration's data plus its new examples
    r = cli(*ARGS, '--run-dir', run, '--iterations', '4')
    assert r.returncode == 0, r.stderr
    ms = json.loads((run / 'metrics.json').read_text())['iterations']
    assert [m['iteration'] for m in ms] == [0, 1, 2, 3] and ms[3]['train_size'] == ms[2]['train_size'] + ms[2]['n_generated']


def test_other_configuration_is_refused(cli, tmp_path):
    run = tmp_path / 'run'
    assert cli(*ARGS, '--run-dir', run, '--iterations', '1').returncode == 0
    r = cli(*ARGS, '--run-dir', run, '--iterations', '1', '--k', '2')
    assert r.returncode == 2 and 'another configuration' in r.stderr and 'loop.k: 1 -> 2' in r.stderr


def test_run_command_on_arithmetic_files(cli, tmp_path):
    "`llm2llm data` writes the arithmetic task's files; `llm2llm run` trains a local model folder on them."
    assert cli('data', '--task', 'arithmetic', '--n-seed', '20', '--out', tmp_path / 'data').returncode == 0
    seeds = _jsonl(tmp_path / 'data/seed.jsonl')
    assert len(seeds) == 20 and all('####' in s['answer'] for s in seeds)
    test = tmp_path / 'data/test_small.jsonl'
    test.write_text(''.join(json.dumps(r) + '\n' for r in _jsonl(tmp_path / 'data/test.jsonl')[:30]))
    # a tiny model folder, made by a short demo run, stands in for a hub model
    assert cli('demo', '--tiny', '--n-test', '14', '--iterations', '1', '--run-dir', tmp_path / 'demo').returncode == 0
    r = cli('run', '--task', 'arithmetic', '--seed-file', tmp_path / 'data/seed.jsonl', '--test-file', test,
            '--valid-file', tmp_path / 'data/valid.jsonl', '--model', tmp_path / 'demo/tiny_model', '--no-lora',
            '--lr', '3e-3', '--epochs', '2', '--iterations', '2', '--run-dir', tmp_path / 'run')
    assert r.returncode == 0, r.stderr
    ms = json.loads((tmp_path / 'run/metrics.json').read_text())['iterations']
    assert [m['iteration'] for m in ms] == [0, 1] and ms[0]['n_wrong'] > 0
    # the validation file `llm2llm data` wrote is scored every iteration
    assert all(m['valid_accuracy'] is not None for m in ms) and len(_jsonl(tmp_path / 'run/iter_001/pred_valid.jsonl')) == 20
    assert [p.name for p in (tmp_path / 'run').glob('iter_*/student')] == ['student']   # a full model: the last only
    gen = _jsonl(tmp_path / 'run/iter_000/generated.jsonl')
    assert gen and all(g['teacher'] == 'simulated-arithmetic' and '####' in g['answer'] for g in gen)
    run_cfg = json.loads((tmp_path / 'run/run.json').read_text())
    assert run_cfg['student']['lora'] is False and run_cfg['student']['epochs'] == 2
    # the math run's plots group errors by difficulty (the number of steps), not by answer
    from llm2llm.viz import error_rates, load_run, plot_error_rates
    rates = error_rates(load_run(tmp_path / 'run'))
    assert set(rates) == {'1', '2'} and all(len(v) == 2 for v in rates.values())
    assert plot_error_rates(tmp_path / 'run').axes[0].get_xlabel() == 'steps'


def test_a_moved_run_resumes_and_extends(cli, tmp_path):
    "run.json names the student by folder name and content hash, so a run folder (and its model) can move."
    first = tmp_path / 'first'
    assert cli('demo', '--tiny', '--n-test', '14', '--iterations', '1', '--run-dir', first).returncode == 0
    it0 = (first / 'iter_000/metrics.json').read_text()
    moved = tmp_path / 'elsewhere/moved'
    moved.parent.mkdir()
    shutil.move(str(first), str(moved))   # the tiny model inside it moves too
    r = cli('demo', '--tiny', '--n-test', '14', '--iterations', '2', '--run-dir', moved)
    assert r.returncode == 0, r.stderr
    assert f'resuming {moved}: iterations 0..0 are done' in r.stdout
    assert (moved / 'iter_000/metrics.json').read_text() == it0   # iteration 0 was not run again
    ms = json.loads((moved / 'metrics.json').read_text())['iterations']
    assert [m['iteration'] for m in ms] == [0, 1] and ms[1]['train_size'] == ms[0]['train_size'] + ms[0]['n_generated']
    # `llm2llm run` with a model folder: move the model and the run, point --model at the new place, extend
    model = tmp_path / 'models/tiny_model'
    shutil.copytree(moved / 'tiny_model', model)
    args = ['run', '--task', 'intents', '--seed-file', moved / 'seed.jsonl', '--test-file', moved / 'test.jsonl',
            '--no-lora', '--lr', '3e-3', '--epochs', '2']
    assert cli(*args, '--model', model, '--iterations', '1', '--run-dir', tmp_path / 'r1').returncode == 0
    it0 = (tmp_path / 'r1/iter_000/metrics.json').read_text()
    shutil.move(str(model.parent), str(tmp_path / 'other_models'))
    shutil.move(str(tmp_path / 'r1'), str(tmp_path / 'r2'))
    r = cli(*args, '--model', tmp_path / 'other_models/tiny_model', '--iterations', '2', '--run-dir', tmp_path / 'r2')
    assert r.returncode == 0, r.stderr
    assert 'resuming' in r.stdout and (tmp_path / 'r2/iter_000/metrics.json').read_text() == it0
    assert [m['iteration'] for m in json.loads((tmp_path / 'r2/metrics.json').read_text())['iterations']] == [0, 1]
    assert str(tmp_path) not in (tmp_path / 'r2/run.json').read_text()   # no machine path in the run's identity


def _help(capsys, *args):
    from llm2llm.cli import main
    try: main([*args, '--help'])
    except SystemExit as e: assert e.code == 0
    return ' '.join(capsys.readouterr().out.split())


def _flag_help(text, flag):
    "The help of `flag` in a --help text whose whitespace was collapsed."
    return text.split(f' {flag} ')[1].split(' --')[0]


def test_help_follows_the_dataclass_defaults(monkeypatch, capsys):
    "Changing a default in a config dataclass changes `--help`, with no other edit."
    from llm2llm.loop import LoopConfig
    from llm2llm.models import StudentConfig
    from llm2llm.llm_teachers import Sampling, TeacherConfig
    assert _flag_help(_help(capsys, 'run'), '--k INT').endswith('(default: 1)')
    monkeypatch.setattr(LoopConfig.__dataclass_fields__['k'], 'default', 7)
    monkeypatch.setattr(StudentConfig.__dataclass_fields__['lora_r'], 'default', 64)
    monkeypatch.setattr(TeacherConfig.__dataclass_fields__['concurrency'], 'default', 3)
    monkeypatch.setattr(Sampling.__dataclass_fields__['max_tokens'], 'default', 99)
    for cmd in ('demo', 'run'):
        text = _help(capsys, cmd)
        assert _flag_help(text, '--k INT').endswith('(default: 7)'), text
        assert _flag_help(text, '--lora-r INT').endswith('(default: 64)')
        assert _flag_help(text, '--teacher-concurrency INT').endswith('(default: 3)')
        assert _flag_help(text, '--teacher-max-tokens INT').endswith('(default: 99)')


def test_demo_help_shows_the_demo_student():
    "The demo's student settings are the defaults `llm2llm demo --help` shows; `run` shows StudentConfig's."
    r = subprocess.run([str(LLM2LLM), 'demo', '--help'], capture_output=True, text=True, timeout=300)
    text = ' '.join(r.stdout.split())
    assert r.returncode == 0 and _flag_help(text, '--no-cpu-bf16').endswith('(default: True)'), text
    assert _flag_help(text, '--min-steps INT').endswith('(default: 64)')
    for old in ('--full', '--qlora', '--continue-training', '--temperature', '--teacher-4bit', '--concurrency', '--price'):
        assert f'{old} ' not in text and f'[{old}]' not in text


def test_quiet_prints_no_progress_bars(tmp_path):
    "`--quiet` with bars left on (no TQDM_DISABLE): nothing on stdout, and no bar (loading, training, answering)."
    env = {k: v for k, v in os.environ.items() if k != 'TQDM_DISABLE'} | {'HF_HUB_OFFLINE': '1'}
    args = [str(LLM2LLM), *ARGS, '--iterations', '1', '--run-dir', str(tmp_path / 'run')]
    loud = subprocess.run(args[:-2] + ['--run-dir', str(tmp_path / 'loud')], capture_output=True, text=True, env=env)
    assert loud.returncode == 0 and 'Loading weights' in loud.stderr and 'training' in loud.stderr   # bars shown
    r = subprocess.run(args + ['--quiet'], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (r.stdout, r.stderr) == ('', ''), r.stderr[-2000:]
