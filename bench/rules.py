"""Error rules side by side on the demo's first student: what each costs, how many seeds it picks, how far its picks
overlap with kfold's, and whether it leans towards the labels the test set gets wrong.

    .venv/bin/python bench/rules.py                 # the demo (SmolLM2-135M, its settings), random seeds 0 1 2
    .venv/bin/python bench/rules.py --seeds 0 --folds 5

For each random seed: one fit on the 60 seeds (the loop's iteration 0), its answers to the seeds and the test set,
then each rule on that student. `wrong` and `dynamics` read what the fit and the answers already hold; `low_confidence`
scores the gold answers once; `kfold` trains `--folds` more students. Time it with the machine to yourself.
"""
import argparse, collections, time
from llm2llm.demo import DemoConfig, demo_setup
from llm2llm.methods import LoopConfig, resolve_rule
from llm2llm.student import Student

p = argparse.ArgumentParser()
p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
p.add_argument('--folds', type=int, default=3)
p.add_argument('--rules', nargs='+', default=['wrong', 'low_confidence', 'dynamics', 'kfold'])
a = p.parse_args()
rows, labels = [], collections.defaultdict(collections.Counter)
for s in a.seeds:
    d = demo_setup(DemoConfig(), LoopConfig(seed=s))
    stu = Student(d.student, d.task)
    t = time.time(); stu.fit(d.seeds, seed=s); fit = time.time() - t
    budget = stu.eval_budget(d.seeds)
    t = time.time()
    preds = stu.generate(d.seeds, max_new_tokens=budget)
    test = stu.generate(d.test, max_new_tokens=budget)
    ev = time.time() - t
    right = [d.task.judge(x, e) for x, e in zip(preds, d.seeds)]
    test_wrong = [e for x, e in zip(test, d.test) if not d.task.judge(x, e)]
    labels['test errors'].update(e.target for e in test_wrong)
    picks = {}
    for name in a.rules:   # kfold last: its fold students replace the one the others read
        t = time.time()
        flags = resolve_rule(name)[1](stu, d.task, d.seeds, preds, right, train=list(d.seeds), seed=s, budget=budget,
                                      folds=a.folds, share=LoopConfig.hard_share, iteration=0)
        picks[name] = ({e.id for e, f in zip(d.seeds, flags) if f}, time.time() - t)
        labels[name].update(e.target for e, f in zip(d.seeds, flags) if f)
    k = picks.get('kfold', (set(), 0))[0]
    for name, (ids, sec) in picks.items():
        rows.append((s, name, len(ids), len(ids & k), len(ids | k), sec, fit, ev, len(test_wrong), len(d.test)))

print(f'\nthe demo, {a.folds} folds for kfold; fit and answers are shared by every rule')
print(f"{'seed':>4}  {'rule':<15}  {'picks':>5}  {'with kfold':>10}  {'Jaccard':>7}  {'rule s':>6}  {'fit s':>5}  {'answers s':>9}  {'test wrong':>10}")
for s, name, n, both, union, sec, fit, ev, tw, nt in rows:
    jac = f'{both / union:.2f}' if union else '-'
    print(f'{s:>4}  {name:<15}  {n:>5}  {both:>10}  {jac:>7}  {sec:>6.1f}  {fit:>5.0f}  {ev:>9.0f}  {tw:>7}/{nt}')
names = ['test errors'] + a.rules
print('\nby label, summed over the seeds (picks of each rule; wrong answers on the test set):')
print(f"{'label':<22}" + ''.join(f'{n:>16}' for n in names))
for lab in sorted({l for c in labels.values() for l in c}):
    print(f'{lab:<22}' + ''.join(f'{labels[n][lab]:>16}' for n in names))
