import os, subprocess, sys
from pathlib import Path
import pytest

os.environ.setdefault('HF_HUB_OFFLINE', '1')  # a test must never wait on a hub that this machine cannot reach

LLM2LLM = Path(sys.executable).parent / 'llm2llm'   # the console script the README uses


def run_cli(*args, timeout=600, **kw):
    "Run the `llm2llm` command; return the CompletedProcess (text, both streams captured)."
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TQDM_DISABLE': '1'}
    return subprocess.run([str(LLM2LLM), *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env, **kw)


@pytest.fixture
def cli():
    assert LLM2LLM.exists(), f'{LLM2LLM} not found: install the project (pip install -e .)'
    return run_cli
