"""Tidy the notebooks before a commit: drop progress-bar outputs (they render as a frozen bar outside a live
kernel), the outputs of `#| eval: false` cells (nbconvert runs them; nbdev does not), and the saved widget
state where no other widget is left; keep every other output; run nbdev_clean.

    .venv/bin/python .ci/clean_notebooks.py [NOTEBOOK ...]    # all of nbs/ when none is named
"""
import json, re, subprocess, sys
from pathlib import Path

WIDGET = 'application/vnd.jupyter.widget-view+json'
root = Path(__file__).resolve().parent.parent
named = [Path(a).resolve() for a in sys.argv[1:]]
for f in named or sorted((root / 'nbs').glob('*.ipynb')):
    nb = json.loads(f.read_text(encoding='utf-8'))
    def bar(o): return o['output_type'] == 'display_data' and WIDGET in o.get('data', {}) and re.search(r'\d+%\|', ''.join(o['data'].get('text/plain', '')))
    for c in nb['cells']:
        if c['cell_type'] != 'code': continue
        if re.search(r'^#\|\s*eval:\s*false', ''.join(c['source']), re.M): c['outputs'], c['execution_count'] = [], None
        else: c['outputs'] = [o for o in c.get('outputs', []) if not bar(o)]
    if not any(WIDGET in o.get('data', {}) for c in nb['cells'] for o in c.get('outputs', [])): nb['metadata'].pop('widgets', None)
    f.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
clean = [str(Path(sys.executable).parent / 'nbdev_clean')]
sys.exit(max([subprocess.call(clean + ['--fname', str(f)], cwd=root) for f in named] or [subprocess.call(clean, cwd=root)]))
