"""The class-wide experiment of `10_five_minutes`, run here for a few seats: each seat is a random seed, as a
learner's seat number is in the lab. For each, the lesson's loop and retraining alone at its steps (`lab.lesson_runs`),
and the line the learner would hand in; then the class's mean gain and its 95 % interval over seats.

    .venv/bin/python bench/class_lab.py --seats 1 2 3 4 5 6 7 8        # about 7 minutes a seat on two cores
    .venv/bin/python bench/class_lab.py --seats 1 2 --tiny              # the tiny model: seconds, numbers mean nothing

Runs resume (bench/runs/class/seat-N); the lines are appended to --out. Time it with the machine to yourself.
"""
import argparse, time
from pathlib import Path
from llm2llm.lab import class_interval, hand_in, lesson_runs, read_hand_ins

p = argparse.ArgumentParser()
p.add_argument('--seats', type=int, nargs='+', required=True)
p.add_argument('--tiny', action='store_true')
p.add_argument('--runs', default='bench/runs/class')
p.add_argument('--out', help='file the hand-in lines are appended to (default: print only)')
a = p.parse_args()
for seat in a.seats:
    t = time.time()
    line = hand_in(*lesson_runs(seat, a.runs, tiny=a.tiny), seat)
    print(f'{line}   [{(time.time() - t) / 60:.1f} min]', flush=True)
    if a.out:
        with open(a.out, 'a', encoding='utf-8') as f: f.write(f'{line}\n')
if a.out:
    hs = read_hand_ins(Path(a.out).read_text(), a.out)
    mean, lo, hi = class_interval([h.gain for h in hs])
    print(f'{len(hs)} seats in {a.out}: mean gain {mean:+.1f} points, 95 % interval over seats [{lo:+.1f}, {hi:+.1f}]')
