"""Run `llm2llm demo` once per random seed and print a table of what changed, with each run's wall time (the
loop and, by default, retraining alone beside it), and the verdict over the seeds.

    .venv/bin/python bench/demo_runs.py                                   # the demo: SmolLM2-135M, seeds 0 1 2
    .venv/bin/python bench/demo_runs.py --args "--error-rule kfold --folds 3 --iterations 2"   # LLM2LLM with kfold
    .venv/bin/python bench/demo_runs.py --args "--epochs 4 --min-steps 0 --lr 5e-4"   # the former, lighter training
    .venv/bin/python bench/demo_runs.py --tiny                            # the tiny random model (seconds each)

Each run gets its own folder under bench/runs/ (an existing one resumes: delete it to time a run again).
The README's demo table comes from the study of `nbs/14_controls.ipynb` (`llm2llm report`); this script
times the demo itself.
"""
import argparse, json, re, shlex, subprocess, sys, time
from pathlib import Path
from llm2llm.demo import control_dir
from llm2llm.runs import load_run
from llm2llm.stats import verdict, describe_verdict

p = argparse.ArgumentParser()
p.add_argument('--tiny', action='store_true'); p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
p.add_argument('--args', default='', help='more arguments for `llm2llm demo`, e.g. "--epochs 6"')
p.add_argument('--out', default='bench/runs')
a = p.parse_args()
exe = Path(sys.executable).parent / 'llm2llm'
slug = re.sub(r'[^a-z0-9]+', '-', a.args.lower()).strip('-')
rows = []
for s in a.seeds:
    run = Path(a.out) / '-'.join(x for x in ['demo', 'tiny' if a.tiny else '', slug, f'seed{s}'] if x)
    t = time.time()
    r = subprocess.run([str(exe), 'demo', '--seed', str(s), '--run-dir', str(run), '--quiet', *(['--tiny'] if a.tiny else []), *shlex.split(a.args)])
    if r.returncode: sys.exit(f'run with seed {s} failed')
    ms = json.loads((run / 'metrics.json').read_text())['iterations']
    ctl = control_dir(run, ms[-1]['iteration'])
    rows.append((s, ms, time.time() - t, ctl if (ctl / 'metrics.json').exists() else None))

def pct(ms, key): return ' '.join(f'{100 * m[key]:5.1f}' for m in ms)
def ints(ms, key): return ' '.join(str(m[key]) for m in ms)

print('\n`' + ' '.join(['llm2llm demo'] + (['--tiny'] if a.tiny else []) + ([a.args] if a.args else [])) + '`')
print(f"{'seed':>4}  {'test acc by iteration':<24}  {'seed acc by iteration':<24}  {'train size':<12}  {'steps':<12}  {'gain':>6}  {'retrained alone':>15}  {'seconds':>7}")
for s, ms, sec, ctl in rows:
    gain = 100 * (ms[-1]['test_accuracy'] - ms[0]['test_accuracy'])
    alone = f"{100 * (load_run(ctl, answers=False).metrics[-1].test_accuracy - ms[0]['test_accuracy']):+.1f}" if ctl else '-'
    print(f"{s:>4}  {pct(ms, 'test_accuracy'):<24}  {pct(ms, 'seed_accuracy'):<24}  {ints(ms, 'train_size'):<12}  {ints(ms, 'steps'):<12}  {gain:>+6.1f}  {alone:>15}  {sec:>7.0f}")
if len(rows[0][1]) > 1:
    gains = [100 * (ms[-1]['test_accuracy'] - ms[0]['test_accuracy']) for _, ms, _, _ in rows]
    print(f'mean gain of the last iteration over iteration 0: {sum(gains) / len(gains):+.1f} points of test accuracy')
pairs = [(load_run(Path(a.out) / '-'.join(x for x in ['demo', 'tiny' if a.tiny else '', slug, f'seed{s}'] if x)), load_run(c))
         for s, _, _, c in rows if c]
if pairs: print(describe_verdict(verdict(*map(list, zip(*pairs)), ('LLM2LLM', 'retraining alone'))))
