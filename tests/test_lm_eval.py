"""The exported student, scored by lm-evaluation-harness offline: `llm2llm export` writes a task for the run's test
set (the student's prompts, the run's budget, the task's own judge), and `lm_eval --model hf` with the exported LoRA
adapter on the tiny model gives back every answer, and the accuracy, that the run recorded."""
import glob, json, os, shlex, subprocess, sys
from pathlib import Path
from conftest import LLM2LLM


def _jsonl(p): return [json.loads(l) for l in Path(p).read_text().splitlines() if l.strip()]


def test_lm_eval_reproduces_the_run(cli, tmp_path):
    from llm2llm.loop import run_loop
    from llm2llm.methods import LoopConfig
    from llm2llm.models import tiny_student
    from llm2llm.synthetic import IntentTask
    from llm2llm.teacher import SimulatedTeacher
    task = IntentTask()
    s = task.make_splits(n_seed=60, n_test=70, n_total=1400)
    scfg = tiny_student(task, s['seed'] + s['pool'], tmp_path / 'tiny', lora=True)
    run_loop(task, scfg, SimulatedTeacher(task), s['seed'], s['test'], tmp_path / 'run', LoopConfig(iterations=2),
             valid=s['pool'][:35])
    r = cli('export', tmp_path / 'run', tmp_path / 'out')
    assert r.returncode == 0, r.stderr
    exp = json.loads((tmp_path / 'out/export.json').read_text())
    args = shlex.split(exp['command'])
    assert args[0] == 'lm_eval'
    lm_eval = Path(sys.executable).parent / 'lm_eval'
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'HF_DATASETS_OFFLINE': '1', 'TQDM_DISABLE': '1'}
    out = subprocess.run([str(lm_eval), *args[1:], '--device', 'cpu', '--batch_size', '8', '--log_samples',
                          '--output_path', str(tmp_path / 'lm')], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    samples = _jsonl(glob.glob(str(tmp_path / 'lm/*/samples_*.jsonl'))[0])
    it = exp['choice']['iteration']
    recorded = {p['id']: p for p in _jsonl(tmp_path / f'run/iter_{it:03d}/pred_test.jsonl')}
    assert len(samples) == len(recorded) == 70
    assert [r['resps'][0][0] for r in samples] == [recorded[r['doc']['id']]['prediction'] for r in samples]
    acc = sum(r['acc'] for r in samples) / len(samples)
    assert abs(acc - exp['choice']['test_accuracy']) < 1e-9
