"""Speed, each figure a ratio measured side by side in one process and printed as a table, one section per subcommand:
`training`, `eval`, `replay`, `filters`, `overhead`; `--out FILE` saves the rows as JSON with the command, commit,
device and date.

`training`: the student's training against a plain `transformers.Trainer` on the same data, model, LoRA settings,
batch size and steps.

    python bench/speed.py training                       # a tiny random Llama: checks the bench on a CPU
    python bench/speed.py training --shape qwen2.5-0.5b  # random weights of Qwen2.5-0.5B's shape (on a GPU)
    python bench/speed.py training --shape qwen2.5-0.5b --out bench/results/speed-DATE-DEVICE.json

What is measured, per mode (LoRA, full fine-tuning), data (`short`: the intent task's utterances, ~40 tokens with
the prompt; `long`: 24 utterances per example, a few hundred tokens) and batch size:
- tokens/s: the real (unpadded) prompt + answer tokens trained on per second of `fit()` (ours) or `train()` (the
  Trainer), each timed on its second run so that CUDA's start-up is not counted;
- on a GPU, the share of the GPU's peak dense bf16 FLOP/s that this is worth, counting 6·N FLOPs per token for full
  fine-tuning and 4·N for LoRA (no weight gradients), N the model's parameters (its tied embedding counted once, for
  the output layer's matrix product);
- the Trainer with `group_by_length=True` (batches of similar lengths, less padding) beside the plain Trainer.

No hub is reached: the model has random weights and the tokenizer is a BPE trained on the task's text, so the
losses mean nothing; the shapes and the work per token are those of the named model.

The other sections, each a few minutes on an idle 2-core CPU (several times longer on a shared one):

    python bench/speed.py eval [--models tiny,smollm2] [--examples 64]
    python bench/speed.py replay [--teacher serve|fake]
    python bench/speed.py filters [--sizes 1000,10000,100000]
    python bench/speed.py overhead [--iterations 3]
    python bench/speed.py processes [--processes 2] [--model tiny|smollm2]

`eval`: the student's evaluation, `Student.generate` (`generate_batched`: prompts sorted by length, left-padded,
`eval_batch_size` per `generate` call), against one `model.generate` call per example, on the same test examples and
model, greedy, the same budget of new tokens; examples/s of each and their ratio, and how many answers differ (left
padding can change a greedy answer slightly). The student is first trained to the library's defaults, so that it ends
its answers as a trained student does (`--no-fit`: the base weights, which run to the budget).

`replay`: a finished run run again from the teacher's replay cache against the first run: the wall time of each
(`llm2llm demo --tiny` with an OpenAI-compatible teacher, each in its own process and run folder, the same cache file)
and the HTTP requests that reach the teacher in each, counted by a proxy in front of it (the second must be zero).
`--teacher serve`: `transformers serve` of the offline SmolLM2-135M-Instruct on localhost (the dev extra
`transformers[serving]`); `--teacher fake`: the tests' scripted server (tests/fake_openai.py), which answers at once.

`filters`: `ask_teacher`'s near-duplicate and contamination filters (`NearDuplicates`, rapidfuzz) on N generated
utterances against N known ones (seeds and earlier generations) and N test ones, for each N: the time to index the
known and test texts, the time to vet the generated ones (each matched against the test index, then the known ones and
the generated ones kept so far), in seconds of CPU time (one thread: it holds on a shared machine), the peak of
Python's allocations (tracemalloc, a second pass) and the growth per 10× in N. The texts come from the intent task's
templates, with a spoken prefix and suffix, so that they are not all copies of its 12,465 template fillings. Above
`--full-up-to`, the vetting is timed on `--sample` examples spread evenly over the N (the others are added to the index
as the filter would add them, near copies included: an upper bound) and scaled to N; `--check` also times the sample
at the largest fully vetted size, to show how close the estimate comes.

`overhead`: the loop's own time: each iteration of a tiny-model run (`run_loop`, the demo's data and simulated
teacher) timed from outside, between the `done` events it emits, less the `train_seconds`, `eval_seconds`,
`rule_seconds` and `teacher_seconds` it records in iter_*/metrics.json; once bare and once with the demo's reporter
(the table row and accuracy.png after each iteration), as `llm2llm demo` runs it."""
import argparse, json, math, os, platform, random, shlex, socket, subprocess, sys, tempfile, time, tracemalloc
import urllib.error, urllib.request
from dataclasses import replace
from pathlib import Path
os.environ.setdefault('TQDM_DISABLE', '1')   # no progress bars (GGUF conversion, training) between the rows
import torch
from transformers.utils import logging as hf_logging

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
from llm2llm.records import Example, write_jsonl
from serve_teacher import start_server   # bench/, on the path as this script's folder
from llm2llm.synthetic import IntentTask
from llm2llm.models import StudentConfig, _tiny_tokenizer, tiny_student, smollm2
from llm2llm.student import Student, _collate
from llm2llm.generation import _cut
from llm2llm.teacher import TeacherRequest, text_index, input_text, _vet
from llm2llm.demo import DEMO_STUDENT, DemoConfig, demo_setup, _reporter
from llm2llm.loop import LoopConfig, run_loop

SHAPES = {   # config keywords of random models with the shape of the named one
    'tiny': dict(model_type='llama', hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=4, vocab_size=2000, tie_word_embeddings=True),
    'qwen2.5-0.5b': dict(model_type='qwen2', hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                         num_attention_heads=14, num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True,
                         max_position_embeddings=32768, rope_theta=1e6)}
PEAK_BF16 = {'H100': 989e12, 'H200': 989e12, 'A100': 312e12, 'L4': 121e12, 'T4': 65e12}   # dense, NVIDIA's data sheets


def peak(name: str) -> float | None: return next((v for k, v in PEAK_BF16.items() if k in name), None)


def device() -> str:
    "The GPU's name, or the CPU's and its cores."
    if torch.cuda.is_available(): return torch.cuda.get_device_name()
    return f'cpu ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)'


def save(a, rows: list[dict], **more):
    "Write `rows` with the command, commit, device and date to `a.out` (JSON), when it is given."
    if not a.out: return
    git = lambda *args: subprocess.run(['git', *args], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    Path(a.out).write_text(json.dumps({'script': 'bench/speed.py ' + ' '.join(sys.argv[1:]),
                                       'commit': git('rev-parse', '--short', 'HEAD'), 'device': device(),
                                       'date': time.strftime('%Y-%m-%d %H:%M %Z'), 'torch': torch.__version__, **more,
                                       'rows': rows}, indent=1))


def random_model(shape: str, tok, folder: Path) -> tuple[str, int]:
    "A model of `shape` with random weights saved in `folder` (bf16 on a GPU), and its parameter count."
    from transformers import AutoConfig, AutoModelForCausalLM
    kw = dict(SHAPES[shape]); kind = kw.pop('model_type')
    conf = AutoConfig.for_model(kind, **kw, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                                eos_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    m = AutoModelForCausalLM.from_config(conf).to(torch.bfloat16 if torch.cuda.is_available() else torch.float32)
    n = sum(p.numel() for p in m.parameters())
    m.save_pretrained(folder); tok.save_pretrained(folder)
    return str(folder), n


def data_sets(task, n: int) -> dict[str, list[Example]]:
    "`short`: `n` of the task's examples; `long`: `n` examples of 24 utterances each (the first one's label)."
    sp = task.make_splits(n_seed=n, n_test=8, seed=0)
    ex = sp['seed'] + sp['pool']
    ex = ex + ex[:24]
    longs = [replace(ex[i], inputs={'text': ' '.join(e.inputs['text'] for e in ex[i:i + 24])}) for i in range(n)]
    return {'short': ex[:n], 'long': longs}


def _grouping(grouped: bool) -> dict:
    "TrainingArguments' keyword for length-grouped batches (it was renamed in transformers 5)."
    import dataclasses
    from transformers import TrainingArguments
    names = {f.name for f in dataclasses.fields(TrainingArguments)}
    if 'train_sampling_strategy' in names: return {'train_sampling_strategy': 'group_by_length' if grouped else 'random'}
    return {'group_by_length': grouped}


def ours(cfg: StudentConfig, task, data: list[Example]) -> float:
    "Seconds of the second of two `fit()`s (the first pays CUDA's start-up)."
    st = Student(cfg, task)
    st.progress = lambda *a: None   # no bar
    st.fit(data, seed=0)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    t = time.perf_counter(); st.fit(data, seed=1)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    return time.perf_counter() - t


def trainer(cfg: StudentConfig, pairs: list[tuple[list[int], list[int]]], dtype: torch.dtype, grouped: bool, tmp: Path) -> float:
    "Seconds of the second of two `Trainer.train()`s on `pairs` (`Student.encode`'s) with `cfg`'s model, LoRA, batch size, steps, optimizer."
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments
    from peft import LoraConfig, get_peft_model
    enc = [{'input_ids': ids, 'labels': lab} for ids, lab in pairs]
    collate = lambda b: _collate([(x['input_ids'], x['labels']) for x in b], 0)

    def run(seed):
        model = AutoModelForCausalLM.from_pretrained(cfg.model, dtype=dtype).to('cuda' if torch.cuda.is_available() else 'cpu')
        if cfg.lora:
            model = get_peft_model(model, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                                                     target_modules='all-linear', task_type='CAUSAL_LM'))
        args = TrainingArguments(output_dir=str(tmp / 'trainer'), per_device_train_batch_size=cfg.batch_size,
                                 max_steps=cfg.max_steps, learning_rate=cfg.learning_rate, lr_scheduler_type='cosine',
                                 warmup_steps=math.ceil(cfg.warmup * cfg.max_steps), weight_decay=cfg.weight_decay,
                                 optim='adamw_torch', bf16=dtype == torch.bfloat16, **_grouping(grouped),
                                 logging_strategy='no', save_strategy='no', report_to=[], seed=seed,
                                 disable_tqdm=True, remove_unused_columns=False, dataloader_num_workers=0,
                                 use_cpu=not torch.cuda.is_available())
        tr = Trainer(model=model, args=args, train_dataset=enc, data_collator=collate)
        if torch.cuda.is_available(): torch.cuda.synchronize()
        t = time.perf_counter(); tr.train()
        if torch.cuda.is_available(): torch.cuda.synchronize()
        return time.perf_counter() - t

    run(0)
    return run(1)


def training(a):
    hf_logging.disable_progress_bar()
    task, tmp = IntentTask(), Path(tempfile.mkdtemp())
    sets = data_sets(task, a.examples)
    tok = _tiny_tokenizer([task.prompt(e) + ' ' + e.target for e in sets['short']], 2000)
    folder, n = random_model(a.shape, tok, tmp / 'model')
    cuda = torch.cuda.is_available()
    dev = torch.cuda.get_device_name() if cuda else f'cpu ({platform.processor() or platform.machine()})'
    pk = peak(dev) if cuda else None
    rows = []
    st = Student(StudentConfig(model=folder, chat_template=False, max_length=512), task)   # the prompt format and dtype
    pairs = {name: [st.encode(e) for e in data] for name, data in sets.items()}
    dtype = next(st.model.parameters()).dtype; del st
    print(f'{a.shape}: {n / 1e6:.0f}M parameters | {dev} | torch {torch.__version__} | {a.steps} steps per run', flush=True)
    for mode in a.modes.split(','):
        for name in a.data.split(','):
            data = sets[name]
            for bs in [int(b) for b in a.batch_sizes.split(',')]:
                cfg = StudentConfig(model=folder, lora=mode == 'lora', lr=1e-4 if mode == 'full' else 1e-3, batch_size=bs,
                                    max_steps=a.steps, min_steps=0, chat_template=False, max_length=512)
                lens = [len(ids) for ids, _ in pairs[name]]
                tokens = a.steps * bs * sum(lens) / len(lens)   # the expected real tokens over the run's batches
                for who in a.who.split(','):
                    secs = ours(cfg, task, data) if who == 'ours' else trainer(cfg, pairs[name], dtype, who == 'trainer-grouped', tmp)
                    tps = tokens / secs
                    r = dict(mode=mode, data=name, mean_tokens=round(sum(lens) / len(lens)), batch=bs, who=who,
                             seconds=round(secs, 2), tokens_per_s=round(tps))
                    if pk: r['mfu_pct'] = round(100 * (6 if mode == 'full' else 4) * n * tps / pk, 1)
                    rows.append(r); print(json.dumps(r), flush=True)
                    if cuda: torch.cuda.empty_cache()
    print(f"\n{'mode':<5} {'data':<6} {'tok/ex':>6} {'batch':>5} {'who':<16} {'s':>7} {'tokens/s':>9} {'% peak':>7}  ours/theirs")
    for r in rows:
        base = next((x for x in rows if x['who'] == 'trainer' and all(x[k] == r[k] for k in ('mode', 'data', 'batch'))), None)
        ratio = f"{r['tokens_per_s'] / base['tokens_per_s']:.2f}" if base and r['who'] == 'ours' else ''
        print(f"{r['mode']:<5} {r['data']:<6} {r['mean_tokens']:>6} {r['batch']:>5} {r['who']:<16} {r['seconds']:>7} "
              f"{r['tokens_per_s']:>9} {r.get('mfu_pct', ''):>7}  {ratio}")
    save(a, rows, shape=a.shape, params=n, peak_bf16_flops=pk)


# ---- eval: batched evaluation against one generate call per example

def one_by_one(st: Student, exs: list[Example], n: int) -> list[str]:
    "The answers to `exs` from one `model.generate` call per example (no padding), decoded and cut as `Student.generate` does."
    from transformers import GenerationConfig
    st.model.eval(); st.model.config.use_cache = True
    gc = GenerationConfig(max_new_tokens=n, do_sample=False, pad_token_id=st.tok.pad_token_id, eos_token_id=st.tok.eos_token_id)
    out = []
    with torch.no_grad():
        for e in exs:
            ids = torch.tensor([st.prompt_ids(e)[-st.cfg.max_length:]], device=st.device)
            gen = st.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=gc)
            t = st.tok.decode(_cut(gen[0, ids.shape[1]:].tolist(), {st.tok.eos_token_id}), skip_special_tokens=True)
            end = st.task.answer_end(t)
            out.append(t if end is None else t[:end])
    return out


def timed(f, *args, **kw):
    "Seconds `f(*args, **kw)` took, and what it returned."
    t = time.perf_counter(); out = f(*args, **kw)
    return time.perf_counter() - t, out


def evaluation(a):
    hf_logging.disable_progress_bar()
    task, tmp, rows = IntentTask(), Path(tempfile.mkdtemp()), []
    sp = task.make_splits(n_seed=60, n_test=max(210, 7 * math.ceil(a.examples / 7)), seed=0)   # the demo's data
    exs, n = sp['test'][:a.examples], task.max_new_tokens
    print(f'{device()} | torch {torch.__version__} | {len(exs)} test examples of the intent task, greedy, '
          f'{n} new tokens at most', flush=True)
    for name in a.models.split(','):
        cfg = (tiny_student(task, sp['seed'] + sp['pool'], tmp / 'tiny') if name == 'tiny'
               else replace(smollm2(), **DEMO_STUDENT))
        st = Student(cfg, task)
        st.progress = lambda *x: None   # no bar
        fit = timed(st.fit, sp['seed'], 0)[0] if a.fit else None
        st.generate(exs[:4])            # warm-up
        for bs in [int(b) for b in a.batch_sizes.split(',')]:
            st.cfg = replace(cfg, eval_batch_size=bs)
            tb, ts = [], []
            for _ in range(a.repeats):   # interleaved, so that both sides see the same load
                sec, (batched, cut) = timed(st.generate, exs, max_new_tokens=n, return_truncated=True); tb.append(sec)
                sec, single = timed(one_by_one, st, exs, n); ts.append(sec)
            r = dict(model=name, lora=cfg.lora, fit_s=fit and round(fit, 1), examples=len(exs), batch=bs,
                     batched_s=round(min(tb), 2), single_s=round(min(ts), 2),
                     batched_ex_per_s=round(len(exs) / min(tb), 1), single_ex_per_s=round(len(exs) / min(ts), 1),
                     ratio=round(min(ts) / min(tb), 2), differ=sum(x != y for x, y in zip(batched, single)),
                     right_batched=sum(task.judge(p, e) for p, e in zip(batched, exs)),
                     right_single=sum(task.judge(p, e) for p, e in zip(single, exs)), at_budget=sum(cut))
            rows.append(r); print(json.dumps(r), flush=True)
        del st
    print(f"\n{'model':<8} {'batch':>5} {'batched ex/s':>12} {'one by one ex/s':>15} {'ratio':>6} {'differ':>6} "
          f"{'right b/1':>9} {'at budget':>9}")
    for r in rows:
        print(f"{r['model']:<8} {r['batch']:>5} {r['batched_ex_per_s']:>12} {r['single_ex_per_s']:>15} {r['ratio']:>6} "
              f"{r['differ']:>6} {str(r['right_batched']) + '/' + str(r['right_single']):>9} {r['at_budget']:>9}")
    save(a, rows)


# ---- replay: a finished run again from the teacher's replay cache

def proxy(target: str | None):
    "A server that counts the requests it gets (tests/fake_openai.py) and forwards each to `target`, or answers at once."
    sys.path.insert(0, str(ROOT / 'tests'))
    from fake_openai import FakeOpenAI, completion
    def script(prompt, n, body):
        if target is None:   # a teacher that follows the format: the seed with a few words around it
            label = prompt.split('with intent ')[1].split('.')[0] if 'with intent ' in prompt else 'PlayMusic'
            text = prompt.split('\n')[0].removeprefix('Utterance: ')
            return ('json', 200, completion(f'Utterance: could you {text} for me please\nIntent: {label}', body['model']))
        req = urllib.request.Request(target + '/chat/completions', data=json.dumps(body).encode(),
                                     headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=900) as res: return ('raw', res.status, res.read())
        except urllib.error.HTTPError as e: return ('raw', e.code, e.read())
    return FakeOpenAI(script)


def serve(out: Path) -> tuple[subprocess.Popen, str, str, float]:
    "`transformers serve` of the offline SmolLM2 on a free port: the process, its base URL, the model's name, seconds to start."
    proc, url, name, conv, up = start_server(out, {**os.environ, 'HF_HUB_OFFLINE': '1'})
    return proc, url, name, conv + up


def replay(a):
    out, rows = Path(tempfile.mkdtemp()), []
    if a.teacher == 'serve' and not (BIN / 'transformers').exists():
        sys.exit('--teacher serve needs the dev extra transformers[serving]; or use --teacher fake')
    server, url, model, up = serve(out) if a.teacher == 'serve' else (None, None, 'fake-model', 0.0)
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TQDM_DISABLE': '1'}
    try:
        with proxy(url) as px:
            cmd = [str(BIN / 'llm2llm'), 'demo', '--tiny', '--quiet', *shlex.split(a.args), '--teacher', f'openai:{model}',
                   '--teacher-url', px.url, '--teacher-cache', str(out / 'teacher_cache.jsonl')]
            for run in ('first', 'replayed'):
                before, t = px.requests, time.time()
                subprocess.run([*cmd, '--run-dir', str(out / run)], check=True, env=env)
                wall, s = time.time() - t, json.loads((out / run / 'metrics.json').read_text())
                ms = s['iterations']
                u = s['teacher_usage']
                rows.append(dict(run=run, wall_s=round(wall, 1), http_requests=px.requests - before, calls=u.get('calls', 0),
                                 requests=u.get('requests', 0), failures=u.get('failures', 0), cache_hits=u.get('cache_hits', 0),
                                 teacher_s=round(sum(m['teacher_seconds'] for m in ms), 1),
                                 train_s=round(sum(m['train_seconds'] for m in ms), 1),
                                 eval_s=round(sum(m['eval_seconds'] for m in ms), 1),
                                 test_accuracy=[m['test_accuracy'] for m in ms],
                                 generated=[(out / run / f"iter_{m['iteration']:03d}/generated.jsonl").read_text() for m in ms]))
    finally:
        if server: server.terminate(); server.wait(30)
    first, again = rows
    same = first['test_accuracy'] == again['test_accuracy'] and first['generated'] == again['generated']
    for r in rows: r['generated'] = sum(g.count('\n') for g in r['generated'])
    who = f'transformers serve, SmolLM2-135M-Instruct, up in {up:.0f} s' if server else 'answers at once'
    print(f"\n{device()} | teacher: {a.teacher} ({who}) | llm2llm demo --tiny {a.args}")
    print(f"{'run':<9} {'wall s':>7} {'HTTP requests':>13} {'calls':>5} {'sent':>5} {'failed':>6} {'cache hits':>10} "
          f"{'teacher s':>9} {'train s':>7} {'eval s':>6} {'kept':>5}")
    for r in rows:
        print(f"{r['run']:<9} {r['wall_s']:>7} {r['http_requests']:>13} {r['calls']:>5} {r['requests']:>5} {r['failures']:>6} "
              f"{r['cache_hits']:>10} {r['teacher_s']:>9} "
              f"{r['train_s']:>7} {r['eval_s']:>6} {r['generated']:>5}")
    print(f"first / replayed wall time: {first['wall_s'] / again['wall_s']:.2f}; same accuracies and generated examples: {same}")
    save(a, rows, teacher=a.teacher, same_results=same)


# ---- filters: near-duplicate and contamination checks at growing sizes

_PREFIX = ['', 'hey ', 'please ', 'could you ', 'ok google ', 'quick question ', 'hi ']
_SUFFIX = ['', ' please', ' thanks', ' for me', ' right away', ' if you can', ' now']


def utterances(task, n: int, seed: int, tag: str) -> list[Example]:
    "`n` utterances from the intent task's templates, each with a spoken prefix and suffix (610k possible texts)."
    rng, fams = random.Random(seed), [(l, t) for l, ts in task.templates.families.items() for t in ts]
    out = []
    for i in range(n):
        l, t = rng.choice(fams)
        out.append(Example(f'{tag}{i}', {'text': rng.choice(_PREFIX) + task.templates.fill(t, rng)[0] + rng.choice(_SUFFIX)}, l))
    return out


def vet_all(task, known: list[Example], test: list[Example], gen: list[Example], sample: int | None,
            clock=time.process_time):
    "Seconds to index `known` and `test`, seconds to vet `gen` (scaled from `sample` spread evenly over it), and how many pass."
    t = clock()
    seen, tests = text_index(task, known, 0.9), text_index(task, test, 0.9)   # LoopConfig's dedup and contamination
    build = clock() - t
    req = TeacherRequest(Example('seed', {'text': 'seed'}, task.labels[0]), 1, 0, [])
    if sample is None:
        t = clock(); keep, _ = _vet(task, req, gen, 'bench', seen, tests)
        return build, clock() - t, len(keep)
    picked, spent, kept = set(range(0, len(gen), len(gen) // sample)), 0.0, 0
    for i, e in enumerate(gen):
        if i in picked:
            t = clock(); keep, _ = _vet(task, req, [e], 'bench', seen, tests); spent += clock() - t
            kept += len(keep)
        else:   # what the filter would keep, less its near-duplicate test: the index grows at least as fast
            txt = input_text(task, e)
            if seen._code(txt) not in seen._exact and tests._code(txt) not in tests._exact: seen.add(txt, e.id)
    return build, spent * len(gen) / len(picked), round(kept * len(gen) / len(picked))


def filters(a):
    task, rows = IntentTask(), []
    sizes = [int(x) for x in a.sizes.split(',')]
    plan = [(n, None if n <= a.full_up_to else a.sample) for n in sizes]
    if a.check and any(m for _, m in plan):
        full = [n for n, m in plan if m is None and n >= 5 * a.sample]
        if full: plan.insert(sizes.index(full[-1]) + 1, (full[-1], a.sample))
    print(f'{device()} | N generated utterances against N known and {a.tests or "N"} test ones, thresholds 0.9; '
          'seconds of CPU time (one thread), so that the figures hold on a shared machine', flush=True)
    for n, sample in plan:
        known, test, gen = (utterances(task, m, seed, tag) for m, seed, tag in
                            ((n, 1, 'k'), (a.tests or n, 2, 't'), (n, 3, 'g')))
        wall = time.perf_counter()
        build, vet, kept = vet_all(task, known, test, gen, sample)
        wall = time.perf_counter() - wall
        gen = utterances(task, n, 3, 'g')   # afresh: _vet sets ids and lineage on what it keeps
        tracemalloc.start(); vet_all(task, known, test, gen, sample)
        peak_mib = tracemalloc.get_traced_memory()[1] / 2**20; tracemalloc.stop()
        r = dict(n=n, tests=len(test), vetted='all' if sample is None else f'sample of {len(range(0, n, n // sample))}',
                 index_s=round(build, 3), vet_s=round(vet, 2), total_s=round(build + vet, 2),
                 us_per_generated=round(1e6 * (build + vet) / n), kept=kept, peak_mib=round(peak_mib, 1),
                 run_wall_s=round(wall, 1))   # what measuring this row took (a sample, where sampled)
        rows.append(r); print(json.dumps(r), flush=True)
    print(f"\n{'N':>7} {'vetted':<16} {'index s':>8} {'vet s':>8} {'total s':>8} {'µs/gen':>7} {'kept':>6} {'peak MiB':>8} "
          f"{'time ×':>7} {'mem ×':>6} {'run s':>6}")
    prev = None
    for r in rows:
        grow = prev and r['n'] == 10 * prev['n']
        tg = f"{r['total_s'] / prev['total_s']:.0f}" if grow else ''
        mg = f"{r['peak_mib'] / prev['peak_mib']:.1f}" if grow else ''
        print(f"{r['n']:>7} {r['vetted']:<16} {r['index_s']:>8} {r['vet_s']:>8} {r['total_s']:>8} {r['us_per_generated']:>7} "
              f"{r['kept']:>6} {r['peak_mib']:>8} {tg:>7} {mg:>6} {r['run_wall_s']:>6}")
        if not prev or r['n'] != prev['n']: prev = r
    save(a, rows)


# ---- overhead: an iteration's wall time less what the loop records

def overhead(a):
    hf_logging.disable_progress_bar()
    rows, tmp = [], Path(tempfile.mkdtemp())
    for variant in ('bare', 'demo reporter'):
        d = demo_setup(DemoConfig(run_dir=str(tmp / variant.replace(' ', '-')), tiny=True),
                       LoopConfig(iterations=a.iterations))
        st = Student(d.student, d.task)   # loaded before the clock starts
        st.progress = lambda *x: None
        report = _reporter(d.run_dir, lambda s: None) if variant != 'bare' else None
        marks = []
        def on_event(phase, iteration=None, **kw):
            if report: report(phase, iteration, **kw)
            if phase == 'done': marks.append(time.perf_counter())
        t0 = time.perf_counter()
        res = run_loop(d.task, st, d.teacher, d.seeds, d.test, d.run_dir, d.cfg, on_event=on_event)
        end = time.perf_counter()
        keys = ('train_seconds', 'eval_seconds', 'rule_seconds', 'teacher_seconds')
        for m, start, stop in zip(res.metrics, [t0] + marks, marks):
            inside = sum(getattr(m, k) for k in keys)
            rows.append(dict(variant=variant, iteration=m.iteration, wall_s=round(stop - start, 2),
                             **{k.split('_')[0] + '_s': getattr(m, k) for k in keys}, overhead_s=round(stop - start - inside, 2),
                             overhead_pct=round(100 * (stop - start - inside) / (stop - start), 1)))
        rows.append(dict(variant=variant, iteration='after', wall_s=round(end - marks[-1], 2),
                         overhead_s=round(end - marks[-1], 2)))   # the summary written after the last iteration
        for r in rows[-len(res.metrics) - 1:]: print(json.dumps(r), flush=True)
        del st
    print(f"\n{device()} | torch {torch.__version__} | tiny model, the demo's data and simulated teacher, "
          f"{a.iterations} iterations")
    print(f"{'variant':<14} {'iter':>5} {'wall s':>7} {'train':>6} {'eval':>6} {'rule':>6} {'teacher':>7} "
          f"{'overhead s':>10} {'%':>5}")
    for r in rows:
        print(f"{r['variant']:<14} {r['iteration']:>5} {r['wall_s']:>7} {r.get('train_s', ''):>6} {r.get('eval_s', ''):>6} "
              f"{r.get('rule_s', ''):>6} {r.get('teacher_s', ''):>7} {r['overhead_s']:>10} {r.get('overhead_pct', ''):>5}")
    save(a, rows)


# ---- processes: the same run in one process and in several under accelerate launch

def _launch_run(a, tmp: Path, n: int, model: list[str]) -> dict:
    "`llm2llm run` on the demo's data in `n` processes (1: no launcher); its wall time and the loop's own times."
    run = tmp / f'run-{n}'
    args = ['run', '--task', 'intents', '--seed-file', str(tmp / 'seed.jsonl'), '--test-file', str(tmp / 'test.jsonl'),
            '--run-dir', str(run), '--teacher', 'simulated', '--iterations', str(a.iterations), '--quiet', *model]
    threads = max(1, (os.cpu_count() or 1) // n) if not torch.cuda.is_available() else 1
    env = {**os.environ, 'OMP_NUM_THREADS': str(threads), 'TQDM_DISABLE': '1'}
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    cmd = ([sys.executable, '-m', 'llm2llm.cli'] if n == 1 else
           [sys.executable, '-m', 'accelerate.commands.launch', '--config_file', str(ROOT / 'configs/accelerate/ddp.yaml'),
            '--num_processes', str(n), '--main_process_port', str(port), '-m', 'llm2llm.cli'])
    t0 = time.perf_counter()
    r = subprocess.run(cmd + args, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode: raise SystemExit(f'{n} processes failed:\n{r.stderr[-3000:]}')
    ms = json.loads((run / 'metrics.json').read_text())['iterations']
    jsonl = {str(p.relative_to(run)): p.read_text() for p in sorted(run.rglob('*.jsonl'))}
    return dict(processes=n, threads_each=threads, wall_s=round(wall, 1),
                train_s=round(sum(m['train_seconds'] for m in ms), 1), eval_s=round(sum(m['eval_seconds'] for m in ms), 1),
                test_accuracy=ms[-1]['test_accuracy'], _files=jsonl)


def processes(a):
    "The same `llm2llm run` in 1 process and in `a.processes` under `accelerate launch`: times, and the same run folder."
    tmp, task = Path(tempfile.mkdtemp()), IntentTask()
    splits = task.make_splits(n_seed=a.n_seed, n_test=a.n_test, seed=0)
    for k in ('seed', 'test'): write_jsonl(tmp / f'{k}.jsonl', splits[k], task.target_field)
    if a.model == 'tiny':
        cfg = tiny_student(task, splits['seed'] + splits['pool'], tmp / 'tiny')
        model = ['--model', cfg.model, '--no-lora', '--lr', str(cfg.lr), '--epochs', str(cfg.epochs), '--min-steps', '0']
    else: model = ['--model', 'smollm2', '--epochs', '4', '--lr', '5e-4', '--min-steps', '0']   # the demo's light training
    model += shlex.split(a.args)
    rows = [_launch_run(a, tmp, n, model) for n in (1, a.processes)]
    same = rows[0].pop('_files') == rows[1].pop('_files')
    for r in rows[1:]:
        r.update(wall_x=round(rows[0]['wall_s'] / r['wall_s'], 2), train_x=round(rows[0]['train_s'] / r['train_s'], 2),
                 eval_x=round(rows[0]['eval_s'] / r['eval_s'], 2), same_run_folder=same)
    print(f"\n{device()} | torch {torch.__version__} | {a.model}, {a.n_seed} seeds, {a.n_test} test, "
          f"{a.iterations} iterations, simulated teacher {a.args}")
    print(f"{'processes':>9} {'threads':>7} {'wall s':>7} {'train s':>7} {'eval s':>7} {'test acc':>8} "
          f"{'wall x':>6} {'train x':>7} {'eval x':>6} {'same folder':>11}")
    for r in rows:
        print(f"{r['processes']:>9} {r['threads_each']:>7} {r['wall_s']:>7} {r['train_s']:>7} {r['eval_s']:>7} "
              f"{r['test_accuracy']:>8.3f} {r.get('wall_x', ''):>6} {r.get('train_x', ''):>7} {r.get('eval_x', ''):>6} "
              f"{str(r.get('same_run_folder', '')):>11}")
    save(a, rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='section', required=True)
    t = sub.add_parser('training', help="the student's training against transformers.Trainer")
    t.add_argument('--shape', default='tiny', choices=sorted(SHAPES))
    t.add_argument('--modes', default='lora,full'); t.add_argument('--data', default='short,long')
    t.add_argument('--batch-sizes', default='8,32'); t.add_argument('--who', default='ours,trainer,trainer-grouped')
    t.add_argument('--steps', type=int, default=40); t.add_argument('--examples', type=int, default=256)
    t.add_argument('--out')
    e = sub.add_parser('eval', help="the student's batched evaluation against one generate call per example")
    e.add_argument('--models', default='tiny,smollm2', help='tiny (a tiny random Llama) and/or smollm2 (the offline student)')
    e.add_argument('--examples', type=int, default=64); e.add_argument('--batch-sizes', default='8,32')
    e.add_argument('--fit', action=argparse.BooleanOptionalAction, default=True, help='train the student first (default)')
    e.add_argument('--repeats', type=int, default=2, help='timings per side, interleaved; the fastest is kept')
    e.add_argument('--out')
    r = sub.add_parser('replay', help='a run replayed from the teacher cache against the first run')
    r.add_argument('--teacher', default='serve', choices=['serve', 'fake'])
    r.add_argument('--args', default='--n-seed 20 --n-test 60 --iterations 2 --teacher-max-tokens 64 --teacher-timeout 300',
                   help='more arguments for `llm2llm demo --tiny`')
    r.add_argument('--out')
    f = sub.add_parser('filters', help='the dedup and contamination filters at growing sizes')
    f.add_argument('--sizes', default='1000,10000,100000')
    f.add_argument('--tests', type=int, help='test texts (default: as many as the generated ones)')
    f.add_argument('--full-up-to', type=int, default=10000, help='above this size, vet a sample and scale')
    f.add_argument('--sample', type=int, default=2000)
    f.add_argument('--check', action=argparse.BooleanOptionalAction, default=True)
    f.add_argument('--out')
    o = sub.add_parser('overhead', help="the loop's own time per iteration, besides training, evaluation, rule, teacher")
    o.add_argument('--iterations', type=int, default=3); o.add_argument('--out')
    q = sub.add_parser('processes', help='the same run in one process and in several under accelerate launch')
    q.add_argument('--processes', type=int, default=2); q.add_argument('--model', default='tiny', choices=['tiny', 'smollm2'])
    q.add_argument('--n-seed', type=int, default=60); q.add_argument('--n-test', type=int, default=350)
    q.add_argument('--iterations', type=int, default=2); q.add_argument('--out')
    q.add_argument('--args', default='', help='more arguments for `llm2llm run`, e.g. --lora-dropout 0')
    a = ap.parse_args()
    {'training': training, 'eval': evaluation, 'replay': replay, 'filters': filters, 'overhead': overhead,
     'processes': processes}[a.section](a)


if __name__ == '__main__':
    main()
