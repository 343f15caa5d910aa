"""Stopping the stepper with the kernel's interrupt, as a user does in Jupyter (■) or Colab (Runtime → Interrupt):
a real IPython kernel runs `stepper.step()` in a cell, the test interrupts it while the teacher is asked, and the
widget says it stopped, the iteration is left unfinished, and the next step finishes the run."""
import os, time
from pathlib import Path
import pytest

SETUP = '''
import time
from llm2llm.synthetic import IntentTask
from llm2llm.models import tiny_student
from llm2llm.teacher import SimulatedTeacher
from llm2llm.loop import LoopConfig
from llm2llm.runs import finished_iterations
from llm2llm.widgets import LoopStepper
class Slow(SimulatedTeacher):
    slow = True
    def generate(self, requests):
        if self.slow: print('asking', flush=True); time.sleep(120)
        return super().generate(requests)
task = IntentTask(); data = task.make_splits(n_seed=21, n_test=14, n_total=300)
teacher = Slow(task)
st = LoopStepper(task, tiny_student(task, data['seed'] + data['pool'], {tmp!r} + '/tiny'), teacher, data['seed'], data['test'],
                 {tmp!r} + '/run', LoopConfig(iterations=2))
'''


def _run(kc, code, timeout=300):
    "Execute `code`; return (status, stdout text)."
    msg_id = kc.execute(code)
    out = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m['parent_header'].get('msg_id') != msg_id: continue
        if m['msg_type'] == 'stream': out.append(m['content']['text'])
        if m['msg_type'] == 'error': out.append('\n'.join(m['content']['traceback']))
        if m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle': break
    return kc.get_shell_msg(timeout=timeout)['content']['status'], ''.join(out)


def test_a_kernel_interrupt_stops_the_stepper_cleanly(tmp_path):
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name='python3', env={**os.environ, 'TQDM_DISABLE': '1', 'HF_HUB_OFFLINE': '1'})
    try:
        status, out = _run(kc, SETUP.format(tmp=str(tmp_path)))
        assert status == 'ok', out
        msg_id = kc.execute('st.step()')
        t0 = time.time()
        while True:   # wait until the teacher is being asked, then interrupt the kernel
            m = kc.get_iopub_msg(timeout=300)
            if m['msg_type'] == 'stream' and 'asking' in m['content']['text']: break
            assert time.time() - t0 < 300, 'the step never reached the teacher'
        km.interrupt_kernel()
        while True:
            m = kc.get_shell_msg(timeout=60)
            if m['parent_header'].get('msg_id') == msg_id: break
        assert m['content']['status'] == 'ok', m['content']   # caught: the cell ends without an error
        assert time.time() - t0 < 60, 'the interrupt did not stop the step'
        status, out = _run(kc, "print(repr(st.phase.value), st.error, finished_iterations(st.run_dir), st.next_button.disabled)")
        assert status == 'ok' and out.strip() == "'stopped: the unfinished iteration runs again at the next step' None [] False", out
        status, out = _run(kc, "teacher.slow = False; st.run(); print(finished_iterations(st.run_dir), st.phase.value)")
        assert status == 'ok' and out.strip() == '[0, 1] finished', out
    finally:
        kc.stop_channels(); km.shutdown_kernel(now=True)
