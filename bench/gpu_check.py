"""The CUDA code paths, on a GPU: a bf16 LoRA student, a QLoRA (4-bit) student, the local HF teacher (bf16 and 4-bit)
giving its memory back, and the loop with student and teacher sharing the GPU. Prints a table; `--out FILE` saves it as JSON.

    python bench/gpu_check.py [--out results.json]
    python bench/gpu_check.py --as-t4     # the T4 path on any GPU: float16 weights, accelerate's loss scaler

`--as-t4` runs in its own process (accelerate's mixed precision is fixed once per process): it reports compute
capability 7.5, so the student loads in float16 and trains under float16 autocast with a loss scaler, LoRA and full
fine-tuning (float32 weights), and checks that the losses are finite and fall.

Uses a random Llama with a BPE tokenizer (no hub on the GPU machines we test on), so accuracy means nothing here:
it checks that the paths run, what dtype and device they use, and what memory they hold."""
import argparse, json, sys, tempfile, time
from dataclasses import replace
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from llm2llm.synthetic import IntentTask
from llm2llm.models import tiny_student
from llm2llm.student import Student
from llm2llm.teacher import ask_teacher
from llm2llm.hf_teacher import HFTeacher, tiny_teacher
from llm2llm.llm_teachers import Sampling
from llm2llm.loop import LoopConfig, run_loop

MiB = 2 ** 20


def mem() -> float: return torch.cuda.memory_allocated() / MiB if torch.cuda.is_available() else 0.0


def teacher_round(th: HFTeacher, task, seeds) -> dict:
    "Load the teacher, answer one round, and say what memory it held loaded and after it let go."
    m0 = mem(); th.load(); loaded = mem() - m0   # the round uses the loaded model, then releases it
    t = time.time()
    g = ask_teacher(th, task, seeds, k=1, iteration=0, dedup=LoopConfig.dedup, contamination=LoopConfig.contamination)
    return dict(seconds=round(time.time() - t, 2), usage=g.usage, rejected=g.rejected_by_reason, loaded_MiB=round(loaded, 1),
                after_release_MiB=round(mem() - m0, 1), released=th.lm is None)


def as_t4():
    "The student as on a T4: capability 7.5 reported, so float16 weights (LoRA) or float32 (full) under fp16 autocast."
    assert torch.cuda.is_available(), '--as-t4 needs a CUDA GPU'
    torch.cuda.get_device_capability = lambda *a, **k: (7, 5)
    from llm2llm.models import mixed_precision
    task, tmp = IntentTask(), Path(tempfile.mkdtemp())
    sp = task.make_splits(n_seed=40, n_test=40, seed=0)
    base = tiny_student(task, sp['seed'] + sp['pool'], tmp / 'model', hidden=256, layers=4)
    for name, cfg in [('T4 path: LoRA, fp16 weights', replace(base, lora=True, lr=1e-3, epochs=4)),
                      ('T4 path: full, fp32 weights', replace(base, lora=False, lr=1e-3, epochs=4))]:
        st = Student(cfg, task)
        fit = st.fit(sp['seed'], seed=0)
        dtypes = sorted({str(p.dtype) for p in st.model.parameters()})
        ok = fit['train_loss_last_epoch'] == fit['train_loss_last_epoch'] and fit['train_loss_last_epoch'] < fit['train_loss_first_epoch']
        print(json.dumps({'check': name, 'mixed_precision': mixed_precision(cfg, 'cuda', (7, 5)), 'param_dtypes': dtypes,
                          'loss_first': round(fit['train_loss_first_epoch'], 4), 'loss_last': round(fit['train_loss_last_epoch'], 4),
                          'finite_and_falling': ok}), flush=True)
        del st; torch.cuda.empty_cache()


def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--out'); ap.add_argument('--dry-run', action='store_true', help='on a CPU, without the 4-bit checks')
    ap.add_argument('--big-teacher', action='store_true', help='also a ~1B random teacher, to see its memory come back')
    ap.add_argument('--as-t4', action='store_true', help='only the T4 path (compute capability 7.5): fp16 with a loss scaler')
    a = ap.parse_args()
    if a.as_t4: return as_t4()
    assert torch.cuda.is_available() or a.dry_run, 'this check needs a CUDA GPU (or --dry-run)'
    cuda = torch.cuda.is_available()
    import importlib.util
    four_bit = cuda and importlib.util.find_spec('bitsandbytes') is not None   # the 4-bit rows need bitsandbytes
    if cuda and not four_bit: print('bitsandbytes is not installed: the 4-bit rows are skipped', flush=True)
    rows, tmp = [], Path(tempfile.mkdtemp())
    task = IntentTask()
    sp = task.make_splits(n_seed=40, n_test=40, seed=0)
    base = tiny_student(task, sp['seed'] + sp['pool'], tmp / 'model', hidden=256, layers=4)
    from transformers import AutoTokenizer
    teacher_dir = tiny_teacher(base.model, tmp / 'teacher').model   # the same random model, with a chat template
    tok = AutoTokenizer.from_pretrained(teacher_dir)

    def row(name, **kw):
        kw = {'check': name, **kw}; rows.append(kw); print(json.dumps(kw), flush=True)

    for name, cfg in [('student bf16 LoRA', replace(base, lora=True, lr=1e-3, epochs=2)),
                      ('student QLoRA 4-bit', replace(base, lora=True, quantize='4bit', lr=1e-3, epochs=2))][:2 if four_bit else 1]:
        if cuda: torch.cuda.reset_peak_memory_stats()
        m0 = mem()
        t = time.time(); st = Student(cfg, task); load_s = time.time() - t
        lin = {type(m).__name__ for m in st.model.modules() if 'Linear' in type(m).__name__}
        t = time.time(); fit = st.fit(sp['seed'], seed=0); fit_s = time.time() - t
        t = time.time(); preds = st.generate(sp['test'][:16]); gen_s = time.time() - t
        row(name, device=str(next(st.model.parameters()).device), dtype=str(next(p for p in st.model.parameters() if p.is_floating_point()).dtype),
            linear_types=sorted(lin), load_s=round(load_s, 2), fit_s=round(fit_s, 2), gen_s=round(gen_s, 2), fit={k: v for k, v in fit.items() if 'loss' in k or 'steps' in k},
            peak_MiB=round(torch.cuda.max_memory_allocated() / MiB, 1) if cuda else None, held_MiB=round(mem() - m0, 1), sample=preds[0][:40])
        del st
        if cuda: torch.cuda.empty_cache()

    for name, q in [('teacher bf16', None), ('teacher 4-bit', '4bit')][:2 if four_bit else 1]:
        row(name, **teacher_round(HFTeacher(teacher_dir, sampling=Sampling(max_tokens=32, seed=0), quantize=q, batch_size=8), task, sp['seed'][:12]))

    if a.big_teacher:   # a ~1B-parameter random Llama: does the teacher hand its memory back before the student trains?
        from transformers import LlamaConfig, LlamaForCausalLM
        big = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=2048, intermediate_size=5632, num_hidden_layers=16,
                                           num_attention_heads=16, num_key_value_heads=16, pad_token_id=tok.pad_token_id,
                                           bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)).to(torch.bfloat16)
        n_params = sum(p.numel() for p in big.parameters())
        big.save_pretrained(tmp / 'big'); tok.save_pretrained(tmp / 'big'); del big
        if cuda: torch.cuda.reset_peak_memory_stats()
        r = teacher_round(HFTeacher(str(tmp / 'big'), sampling=Sampling(max_tokens=32, seed=0), batch_size=8), task, sp['seed'][:16])
        row(f'teacher {n_params / 1e9:.2f}B bf16', **r, peak_MiB=round(torch.cuda.max_memory_allocated() / MiB, 1) if cuda else None,
            reserved_after_MiB=round(torch.cuda.memory_reserved() / MiB, 1) if cuda else None)

    st = Student(replace(base, lora=True, lr=1e-3, epochs=2), task)
    th = HFTeacher(teacher_dir, sampling=Sampling(max_tokens=32, seed=0))
    t = time.time()
    ms = run_loop(task, st, th, sp['seed'], sp['test'], tmp / 'run', LoopConfig(iterations=2)).metrics
    row('loop: student + teacher on one GPU', seconds=round(time.time() - t, 1), iterations=len(ms),
        test_acc=[m.test_accuracy for m in ms], teacher_usage=[m.teacher_usage for m in ms],
        rejected=[m.rejected_by_reason for m in ms], held_after_MiB=round(mem(), 1))
    dev = torch.cuda.get_device_name() if cuda else 'cpu'
    print(f"\n{dev} | torch {torch.__version__}")
    print(f"{'check':<36} {'seconds':>8}  notes")
    for r in rows:
        secs = r.get('fit_s', r.get('seconds'))
        notes = {k: v for k, v in r.items() if k not in ('check', 'fit_s', 'seconds')}
        print(f"{r['check']:<36} {secs:>8}  {json.dumps(notes)[:200]}")
    if a.out: Path(a.out).write_text(json.dumps({'device': dev, 'torch': torch.__version__, 'rows': rows}, indent=1))


if __name__ == '__main__':
    main()
