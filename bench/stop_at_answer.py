"""What stopping each answer at its end saves on GSM8K: SmolLM2-135M (LoRA) trained briefly on seeds of the shipped
GSM8K slice, then its greedy answers to test problems twice, each reply stopped once its `#### N` line is complete
(`Student.generate`'s default) and run on to the budget or the end-of-sequence token (`stop_at_answer=False`).
Prints the seconds of each (the faster of two), how many answers the budget cut, and whether they read the same.

    .venv/bin/python bench/stop_at_answer.py                       # 24 seeds, 32 steps, 48 test problems
    .venv/bin/python bench/stop_at_answer.py --n-test 96 --steps 64
    .venv/bin/python bench/stop_at_answer.py --student nbs/runs/13_math_smollm2_12seeds_dynamics/iter_001/student
                                                               # a student a run saved (13_math's): no training

Time it with the machine to yourself.
"""
import argparse, dataclasses, time
from llm2llm.loaders import load_task_data, gsm8k_slice
from llm2llm.models import smollm2
from llm2llm.student import Student

p = argparse.ArgumentParser()
p.add_argument('--n-seed', type=int, default=24)
p.add_argument('--n-test', type=int, default=48)
p.add_argument('--steps', type=int, default=32)
p.add_argument('--student', help='a saved student folder (iter_NNN/student of a run) instead of training one')
a = p.parse_args()
d = load_task_data('gsm8k', n=a.n_seed, seed=0, data_files=gsm8k_slice())
t = time.time()
if a.student:
    from llm2llm.saved import load_student
    stu = load_student(a.student)
    a.steps = stu.cfg.max_steps or 'its own'
else:
    stu = Student(dataclasses.replace(smollm2(), max_steps=a.steps), d.task)
    stu.fit(d.seeds)
train = time.time() - t
test, budget = d.test[:a.n_test], stu.eval_budget(d.seeds)
rows = {}
for stop in (False, True, False, True):   # each twice, in turn, the faster kept: the first call also warms up
    t = time.time(); texts, cut = stu.generate(test, max_new_tokens=budget, return_truncated=True, stop_at_answer=stop)
    sec = min(time.time() - t, rows[stop][0] if stop in rows else float('inf'))
    rows[stop] = (sec, texts, sum(cut), sum(d.task.judge(x, e) for x, e in zip(texts, test)))
ended = sum(d.task.answer_end(x) is not None for x in rows[True][1])
what = f'the saved student {a.student}' if a.student else f'SmolLM2-135M, LoRA, {a.steps} steps on {len(d.seeds)} GSM8K seeds'
print(f'\n{what} ({train:.0f} s); {len(test)} test problems, '
      f'budget {budget} new tokens; {ended} answers reach their #### line')
print('| answers | seconds | cut by the budget | right | the same answers |\n|---|---|---|---|---|')
for stop, name in ((True, 'stopped at their end'), (False, 'run to the budget or EOS')):
    sec, texts, cut, right = rows[stop]
    print(f'| {name} | {sec:.1f} | {cut} | {right} | {sum(x == y for x, y in zip(texts, rows[True][1]))} of {len(test)} |')
print(f'saving: {100 * (1 - rows[True][0] / rows[False][0]):.0f} % of the evaluation time')
