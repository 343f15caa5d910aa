"""The student's prompt format, measured: SmolLM2-135M with and without its chat template, on the data that ships.

    .venv/bin/python bench/prompt_format.py                          # intents, TREC-style questions, GSM8K slice
    .venv/bin/python bench/prompt_format.py --tasks intents trec-style

For each task and format: one fit on the seeds (the library's defaults, trained as the demo trains on a CPU with
bfloat16 instructions), its answers to the test set, the test accuracy, the seconds of each, and the tokens of one
training sequence, decoded, so that the two formats can be read side by side. Time it with the machine to yourself.
"""
import argparse, dataclasses, time
from llm2llm.demo import DemoConfig, demo_setup
from llm2llm.loaders import load_task_data, trec_style, gsm8k_slice
from llm2llm.models import smollm2
from llm2llm.student import Student

p = argparse.ArgumentParser()
p.add_argument('--tasks', nargs='+', default=['intents', 'trec-style', 'gsm8k-slice'])
p.add_argument('--gsm8k-seeds', type=int, default=24)
p.add_argument('--gsm8k-test', type=int, default=40, help='GSM8K test problems (long answers: minutes each on a CPU)')
a = p.parse_args()

def data(name):
    if name == 'intents':
        d = demo_setup(DemoConfig())
        return d.task, d.seeds, d.test
    if name == 'trec-style':
        d = load_task_data('trec', n=24, data_files=trec_style())   # every shipped training question is a seed
        return d.task, d.seeds, d.test
    d = load_task_data('gsm8k', n=a.gsm8k_seeds, data_files=gsm8k_slice())
    return d.task, d.seeds, d.test[:a.gsm8k_test]

rows = []
for name in a.tasks:
    task, seeds, test = data(name)
    for chat in (False, True):
        stu = Student(dataclasses.replace(smollm2(), chat_template=chat, cpu_bf16=True), task)
        ids, labels = stu.encode(seeds[0])
        print(f'\n--- {name}, chat template {chat}: {len(ids)} tokens, {sum(l != -100 for l in labels)} of them trained on')
        print(stu.tok.decode(ids))
        t = time.time(); fit = stu.fit(seeds); train = time.time() - t
        t = time.time(); preds = stu.generate(test, desc=f'{name} test', max_new_tokens=stu.eval_budget(seeds))
        ev = time.time() - t
        acc = sum(task.judge(x, e) for x, e in zip(preds, test)) / len(test)
        mean_len = sum(len(stu.encode(e)[0]) for e in seeds) / len(seeds)
        rows.append((name, chat, len(seeds), len(test), fit['steps'], mean_len, acc, train, ev))
        print(f'first test answer: {preds[0]!r} (gold {test[0].target!r}); test accuracy {acc:.1%}, {fit["steps"]} steps '
              f'in {train:.0f} s, answers in {ev:.0f} s', flush=True)

print(f"\n{'task':<12} {'chat template':>13} {'seeds':>5} {'test':>5} {'steps':>5} {'tokens/seed':>11} {'test acc':>8} "
      f"{'train s':>7} {'answer s':>8}")
for name, chat, ns, nt, steps, ml, acc, tr, ev in rows:
    print(f'{name:<12} {str(chat):>13} {ns:>5} {nt:>5} {steps:>5} {ml:>11.1f} {acc:>8.1%} {tr:>7.0f} {ev:>8.0f}')
