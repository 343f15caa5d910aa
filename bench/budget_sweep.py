"""Plain fine-tuning of the offline student on the demo's seeds: test accuracy by learning rate and optimizer steps.

    .venv/bin/python bench/budget_sweep.py                          # SmolLM2-135M + LoRA, the demo's 60 seeds (~25 min on 2 cores)
    .venv/bin/python bench/budget_sweep.py --lrs 5e-4 1e-3 --steps 64 96 --seeds 0 1 2

This is how the student's defaults (`StudentConfig.lr`, `StudentConfig.min_steps`) were chosen: each cell trains
the base model from scratch on the seeds alone for exactly that many optimizer steps (batch 8), then answers the
210 test utterances greedily. Prints a table; writes nothing else.
"""
import argparse, dataclasses, time
from llm2llm.synthetic import IntentTask
from llm2llm.models import smollm2
from llm2llm.student import Student
from llm2llm.demo import DEMO_STUDENT

p = argparse.ArgumentParser()
p.add_argument('--lrs', type=float, nargs='+', default=[2e-4, 5e-4, 1e-3, 2e-3])
p.add_argument('--steps', type=int, nargs='+', default=[32, 64, 128])
p.add_argument('--seeds', type=int, nargs='+', default=[0])
p.add_argument('--n-seed', type=int, default=60)
a = p.parse_args()
task = IntentTask()
rows = []
for s in a.seeds:
    data = task.make_splits(n_seed=a.n_seed, n_test=210, seed=s)
    st = Student(dataclasses.replace(smollm2(), **DEMO_STUDENT, seed=s), task)
    for lr in a.lrs:
        for n in a.steps:
            st.cfg = dataclasses.replace(st.cfg, lr=lr, max_steps=n)
            t = time.time()
            fit = st.fit(data['seed'], seed=s, desc=f'lr {lr:g}, {n} steps')
            acc = {k: sum(task.judge(p, e) for p, e in zip(st.generate(data[k], desc=k), data[k])) / len(data[k])
                   for k in ('seed', 'test')}
            rows.append((s, lr, n, acc['seed'], acc['test'], fit['train_loss_last_epoch'], time.time() - t))
            print(f'seed {s} lr {lr:g} steps {n}: seed acc {acc["seed"]:.1%}, test acc {acc["test"]:.1%}, '
                  f'last loss {fit["train_loss_last_epoch"]:.3f}, {time.time() - t:.0f}s', flush=True)

print(f"\n{'seed':>4}  {'lr':>7}  {'steps':>5}  {'seed acc':>8}  {'test acc':>8}  {'loss':>6}  {'seconds':>7}")
for s, lr, n, sa, ta, loss, sec in rows:
    print(f'{s:>4}  {lr:>7g}  {n:>5}  {sa:>8.1%}  {ta:>8.1%}  {loss:>6.3f}  {sec:>7.0f}')
