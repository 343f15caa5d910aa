"""Speed, measured side by side in one process and printed as a table: the student's training against a plain
`transformers.Trainer` on the same data, model, LoRA settings, batch size and steps.

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
losses mean nothing; the shapes and the work per token are those of the named model."""
import argparse, json, math, platform, sys, tempfile, time
from dataclasses import replace
from pathlib import Path
import torch
from transformers.utils import logging as hf_logging

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from llm2llm.records import Example
from llm2llm.synthetic import IntentTask
from llm2llm.student import Student, StudentConfig, _tiny_tokenizer, _collate

SHAPES = {   # config keywords of random models with the shape of the named one
    'tiny': dict(model_type='llama', hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=4, vocab_size=2000, tie_word_embeddings=True),
    'qwen2.5-0.5b': dict(model_type='qwen2', hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                         num_attention_heads=14, num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True,
                         max_position_embeddings=32768, rope_theta=1e6)}
PEAK_BF16 = {'H100': 989e12, 'H200': 989e12, 'A100': 312e12, 'L4': 121e12, 'T4': 65e12}   # dense, NVIDIA's data sheets


def peak(name: str) -> float | None: return next((v for k, v in PEAK_BF16.items() if k in name), None)


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
                                 max_steps=cfg.max_steps, learning_rate=cfg.lr, lr_scheduler_type='cosine',
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
    if a.out:
        import subprocess
        commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
        Path(a.out).write_text(json.dumps({'script': 'bench/speed.py training ' + ' '.join(sys.argv[2:]), 'commit': commit,
                                           'device': dev, 'torch': torch.__version__, 'shape': a.shape, 'params': n,
                                           'peak_bf16_flops': pk, 'rows': rows}, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='section', required=True)
    t = sub.add_parser('training', help="the student's training against transformers.Trainer")
    t.add_argument('--shape', default='tiny', choices=sorted(SHAPES))
    t.add_argument('--modes', default='lora,full'); t.add_argument('--data', default='short,long')
    t.add_argument('--batch-sizes', default='8,32'); t.add_argument('--who', default='ours,trainer,trainer-grouped')
    t.add_argument('--steps', type=int, default=40); t.add_argument('--examples', type=int, default=256)
    t.add_argument('--out')
    a = ap.parse_args()
    training(a)


if __name__ == '__main__':
    main()
