"`cpu_bf16`: a LoRA fit on a CPU with bfloat16 instructions trains in bfloat16 base weights and answers in float32."
from dataclasses import replace
import pytest, torch
from llm2llm.models import tiny_student, cpu_has_bf16
from llm2llm.student import Student
from llm2llm.synthetic import IntentTask


@pytest.mark.skipif(not cpu_has_bf16(), reason='this CPU has no bfloat16 instructions: cpu_bf16 changes nothing')
def test_fit_in_bf16_answers_in_float32(tmp_path):
    task = IntentTask()
    data = task.make_splits(n_seed=30, n_test=14, n_total=400)
    cfg = replace(tiny_student(task, data['seed'] + data['pool'], tmp_path / 'tiny', lora=True), max_steps=6)
    seen = {}
    for bf16 in (False, True):
        stu = Student(replace(cfg, cpu_bf16=bf16), task, 'cpu')
        stu.progress = lambda desc, done, total: seen.setdefault(bf16, (  # during the fit: base weights, adapters
            {p.dtype for n, p in stu.model.named_parameters() if 'lora_' not in n},
            {p.dtype for n, p in stu.model.named_parameters() if 'lora_' in n}))
        for _ in range(2):   # a second fit starts from the base weights again, cast again
            stu.fit(data['seed'])
            assert {p.dtype for p in stu.model.parameters()} == {torch.float32}   # answers in the loaded dtype
        assert len(stu.generate(data['test'][:4])) == 4
    # peft keeps the adapters (what the optimizer updates) in float32 either way
    assert seen == {False: ({torch.float32}, {torch.float32}), True: ({torch.bfloat16}, {torch.float32})}
