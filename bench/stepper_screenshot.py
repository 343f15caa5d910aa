"""Screenshot of 11_step_through's stepper on its finished run (nbs/runs/step-through) for the README: JupyterLab and
Debian's Chromium driven by Playwright. Run 11_step_through first; writes nbs/images/step_through_accuracy.png."""
import json, os, secrets, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
import tempfile
work = Path(tempfile.mkdtemp()); shutil.rmtree(work, ignore_errors=True); work.mkdir(parents=True)
nb = json.loads((ROOT / 'nbs' / '11_step_through.ipynb').read_text())
keep = []
for c in nb['cells']:
    s = ''.join(c['source'])
    if c['cell_type'] == 'code' and (s.strip() == 'stepper.run()' or not (s.startswith('import os') or s.startswith('# In Colab'))):
        continue
    keep.append(c)
nb['cells'] = [c for c in keep if c['cell_type'] == 'code']
for c in nb['cells']: c['outputs'] = []
(work / 'shot.ipynb').write_text(json.dumps(nb))
s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
token = secrets.token_hex(16)
env = {**os.environ, 'LLM2LLM_RUN_DIR': str(ROOT / 'nbs/runs/step-through'), 'HF_HUB_OFFLINE': '1', 'TQDM_DISABLE': '1'}
env.pop('IN_TEST', None); env.pop('LLM2LLM_TINY', None)
proc = subprocess.Popen([str(ROOT / '.venv/bin/jupyter'), 'lab', '--no-browser', f'--port={port}', '--ip=127.0.0.1',
                         f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={work}', '--allow-root',
                         '--ServerApp.disable_check_xsrf=True', '--LabApp.expose_app_in_browser=True'],
                        env=env, stdout=open(work / 'log', 'w'), stderr=subprocess.STDOUT, cwd=ROOT / 'nbs')
url = f'http://127.0.0.1:{port}'
for _ in range(180):
    try: urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2); break
    except OSError: time.sleep(0.5)
from playwright.sync_api import sync_playwright, expect
try:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path='/usr/bin/chromium', headless=True,
                              args=['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'])
        page = b.new_page(viewport={'width': 1200, 'height': 900})
        page.goto(f'{url}/lab/tree/shot.ipynb?token={token}', timeout=90_000)
        page.wait_for_function("""() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel
                   && w.sessionContext.session.kernel.status === 'idle'; }""", timeout=120_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        expect(page.get_by_role('button', name='Run next iteration')).to_be_visible(timeout=180_000)
        img = page.locator('.widget-tab img, .jupyter-widget-tab img, .lm-TabPanel img').first
        expect(img).to_be_visible(timeout=120_000)
        time.sleep(2)
        try: page.get_by_role('button', name='No', exact=True).click(timeout=3000)   # the news toast
        except Exception: pass
        time.sleep(1)
        box = page.locator('.jp-OutputArea-output').last
        box.screenshot(path=str(ROOT / 'nbs/images/step_through_accuracy.png'))
        b.close()
finally:
    proc.terminate()
print('ok')
