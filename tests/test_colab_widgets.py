"""The stepper under Colab's ipywidgets: the widget notebook's examples run with ipywidgets 7.7.1 (what Colab ships)
first on the path. `bash .ci/install dev` puts that version in .venv/ipywidgets-7.7.1."""
import os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
W77 = ROOT / '.venv' / 'ipywidgets-7.7.1'


def test_the_stepper_notebook_runs_with_ipywidgets_7_7_1():
    assert (W77 / 'ipywidgets').is_dir(), f'{W77} is missing: run bash .ci/install dev'
    env = {**os.environ, 'PYTHONPATH': str(W77), 'HF_HUB_OFFLINE': '1', 'TQDM_DISABLE': '1'}
    v = subprocess.run([sys.executable, '-c', 'import ipywidgets, llm2llm.widgets as w; print(w.W.__version__)'],
                       capture_output=True, text=True, env=env, timeout=120)
    assert v.stdout.strip() == '7.7.1', v.stdout + v.stderr
    r = subprocess.run([str(Path(sys.executable).parent / 'nbdev_test'), '--path', 'nbs/08_widgets.ipynb'],
                       capture_output=True, text=True, env=env, timeout=900, cwd=ROOT)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
