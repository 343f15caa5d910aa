"""Run `llm2llm demo` several times (one random seed each) and print a table of what changed.

    .venv/bin/python bench/demo_runs.py              # SmolLM2-135M, seeds 0 1 2 (about 3 minutes each on 2 cores)
    .venv/bin/python bench/demo_runs.py --tiny       # the tiny random model (seconds each)

Each run gets its own folder under bench/runs/ (an existing one resumes, so delete it to measure time again).
"""
import argparse, json, subprocess, sys, time
from pathlib import Path

p = argparse.ArgumentParser()
p.add_argument('--tiny', action='store_true'); p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
p.add_argument('--out', default='bench/runs')
a = p.parse_args()
exe = Path(sys.executable).parent / 'llm2llm'
rows = []
for s in a.seeds:
    run = Path(a.out) / f"demo{'-tiny' if a.tiny else ''}-seed{s}"
    t = time.time()
    r = subprocess.run([str(exe), 'demo', '--seed', str(s), '--run-dir', str(run), '--quiet'] + (['--tiny'] if a.tiny else []))
    if r.returncode: sys.exit(f'run with seed {s} failed')
    ms = json.loads((run / 'metrics.json').read_text())['iterations']
    rows.append((s, ms, time.time() - t))

print(f"\n{'seed':>4}  {'test acc by iteration':<28}  {'seed acc by iteration':<28}  {'train size':<16}  {'gain':>6}  {'seconds':>7}")
for s, ms, sec in rows:
    acc = ' '.join(f"{100 * m['test_accuracy']:5.1f}" for m in ms)
    sacc = ' '.join(f"{100 * m['seed_accuracy']:5.1f}" for m in ms)
    size = ' '.join(str(m['train_size']) for m in ms)
    gain = 100 * (ms[-1]['test_accuracy'] - ms[0]['test_accuracy'])
    print(f'{s:>4}  {acc:<28}  {sacc:<28}  {size:<16}  {gain:>+6.1f}  {sec:>7.0f}')
gains = [100 * (ms[-1]['test_accuracy'] - ms[0]['test_accuracy']) for _, ms, _ in rows]
print(f'mean gain of the last iteration over iteration 0: {sum(gains) / len(gains):+.1f} points of test accuracy')
