"""How fast the near-duplicate filter is: `NearDuplicates` (rapidfuzz, word-level LCS) against a plain Python ROUGE-L loop.

    .venv/bin/python bench/dedup_speed.py [--known 500 5000 20000] [--new 1000]

Texts are utterances of the built-in intent task (short: 4 to 12 words). Prints one row per size."""
import argparse, random, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from llm2llm.synthetic import IntentTask
from llm2llm.similarity import NearDuplicates, words


def rouge_l(a: list[str], b: list[str]) -> float:   # the textbook dynamic programme, for comparison
    if not a or not b: return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b): cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return 2 * prev[-1] / (len(a) + len(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--known', type=int, nargs='+', default=[500, 5000, 20000]); ap.add_argument('--new', type=int, default=1000)
    ap.add_argument('--python-max', type=int, default=5000, help='largest size the pure-Python loop is timed at')
    a = ap.parse_args()
    task = IntentTask()
    texts = [e.inputs['text'] for e in task.make_splits(n_seed=60, n_test=210, seed=0)['pool']]
    rng = random.Random(0)
    print(f"{'known':>7} {'new':>6} {'NearDuplicates s':>17} {'dups':>6} {'python loop s':>14} {'same answers':>13}")
    for n in a.known:
        known = [rng.choice(texts) + (f' {rng.randint(0, 99)}' if rng.random() < 0.5 else '') for _ in range(n)]
        new = [rng.choice(texts) + f' {rng.randint(0, 99)}' for _ in range(a.new)]
        t = time.perf_counter()
        idx = NearDuplicates(0.9)
        for i, k in enumerate(known): idx.add(k, str(i))
        fast = [idx.match(x) is not None for x in new]
        tf = time.perf_counter() - t
        if n <= a.python_max:
            t = time.perf_counter()
            kw = [words(k) for k in known]
            slow = [any(rouge_l(words(x), k) >= 0.9 for k in kw) for x in new]
            ts, same = f'{time.perf_counter() - t:.2f}', str(slow == fast)
        else: ts, same = '-', '-'
        print(f'{n:>7} {a.new:>6} {tf:>17.3f} {sum(fast):>6} {ts:>14} {same:>13}')


if __name__ == '__main__':
    main()
