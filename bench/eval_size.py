"""What a bigger test set costs the demo: train the demo's student once (SmolLM2-135M, LoRA, the demo's settings),
then time its greedy answers to test sets of several sizes, and print the accuracy with its sampling error.

    .venv/bin/python bench/eval_size.py                  # 210 (the demo's default) and 1000 test utterances
    .venv/bin/python bench/eval_size.py --sizes 210 500 1000 2000

Time it with the machine to yourself. Each size is a fresh draw of the intent task's test utterances (the demo's
seed 0 split, with more test items); every student of the demo answers the test set once per iteration.
"""
import argparse, math, time
from llm2llm.demo import DemoConfig, demo_setup
from llm2llm.student import Student

p = argparse.ArgumentParser()
p.add_argument('--sizes', type=int, nargs='+', default=[210, 1000])
a = p.parse_args()
d = demo_setup(DemoConfig(n_test=max(a.sizes)))
stu = Student(d.student, d.task)
t = time.time(); fit = stu.fit(d.seeds); train = time.time() - t
budget = stu.eval_budget(d.seeds)
print(f'\ntrained once: {fit["steps"]} steps in {train:.0f} s; answers up to {budget} new tokens')
print(f"{'test items':>10}  {'seconds':>7}  {'ms / item':>9}  {'accuracy':>8}  {'± 95 % (binomial)':>17}")
for n in a.sizes:
    test = demo_setup(DemoConfig(n_test=n)).test
    t = time.time(); preds = stu.generate(test, max_new_tokens=budget); sec = time.time() - t
    acc = sum(d.task.judge(p, e) for p, e in zip(preds, test)) / len(test)
    print(f'{len(test):>10}  {sec:>7.1f}  {1000 * sec / len(test):>9.1f}  {acc:>8.1%}  '
          f'{196 * math.sqrt(acc * (1 - acc) / len(test)):>16.1f}')
