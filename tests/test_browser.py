"""The stepping tutorial in a real browser: JupyterLab on localhost, headless Chromium driven by Playwright.

It opens nbs/11_step_through.ipynb (a copy without its `stepper.run()` cell), runs it with the tiny model, clicks "Run next iteration" twice
and checks that the widget shows each new iteration's plot and tables, and the phases (training, asking the
teacher) while the click's work runs on the kernel's main thread. A screenshot is saved to
tests/artifacts/step_through.png.
"""
import json, os, secrets, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
ARTIFACTS = ROOT / 'tests' / 'artifacts'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    assert Path(CHROMIUM).exists(), 'Chromium is missing: apt-get install chromium (.ci/run does)'
    work = tmp_path / 'nbs'; work.mkdir()
    nb = json.loads((ROOT / 'nbs' / '11_step_through.ipynb').read_text(encoding='utf-8'))
    run_cells = [c for c in nb['cells'] if ''.join(c['source']).strip() == 'stepper.run()']
    assert len(run_cells) == 1, 'the tutorial runs its iterations from code in one cell: stepper.run()'
    nb['cells'].remove(run_cells[0])   # here the test clicks instead
    (work / '11_step_through.ipynb').write_text(json.dumps(nb), encoding='utf-8')
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, 'LLM2LLM_TINY': '1', 'LLM2LLM_RUN_DIR': str(tmp_path / 'run'), 'HF_HUB_OFFLINE': '1', 'TQDM_DISABLE': '1'}
    env.pop('IN_TEST', None)
    log = open(tmp_path / 'jupyter.log', 'w')
    proc = subprocess.Popen([str(Path(sys.executable).parent / 'jupyter'), 'lab', '--no-browser', f'--port={port}', '--ip=127.0.0.1',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={work}', '--LabApp.expose_app_in_browser=True',
                             '--ServerApp.disable_check_xsrf=True', '--allow-root', '--ServerApp.open_browser=False'], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    url = f'http://127.0.0.1:{port}'
    t0 = time.time()
    while True:
        try:
            urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2); break
        except OSError:
            assert proc.poll() is None and time.time() - t0 < 90, (tmp_path / 'jupyter.log').read_text()[-3000:]
            time.sleep(0.5)
    yield url, token, tmp_path
    proc.terminate()
    try: proc.wait(20)
    except subprocess.TimeoutExpired: proc.kill()


def test_step_through_tutorial_in_chromium(lab):
    from playwright.sync_api import sync_playwright, expect
    url, token, tmp = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={'width': 1400, 'height': 1600})
        try:
            page.goto(f'{url}/lab/tree/11_step_through.ipynb?token={token}', timeout=90_000)
            page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=90_000)
            # wait for the kernel, then run every cell (the tutorial builds the stepper and shows it)
            page.wait_for_function("""() => { const w = window.jupyterapp.shell.currentWidget;
                return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel
                       && w.sessionContext.session.kernel.status === 'idle'; }""", timeout=90_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            button = page.get_by_role('button', name='Run next iteration')
            expect(button).to_be_visible(timeout=120_000)
            expect(button).to_be_enabled(timeout=60_000)
            # every text the widget shows while it works: the updates made during the click's callback must arrive
            page.evaluate("""() => { window.__seen = new Set();
                new MutationObserver(() => document.querySelectorAll('.widget-html-content').forEach(
                    e => window.__seen.add(e.textContent))).observe(document.body, {subtree: true, childList: true,
                                                                                    characterData: true}); }""")
            for it in (0, 1):
                button.click()
                # the dropdown offers the new iteration, the phase is back to idle, the plot is drawn
                expect(page.locator('select option', has_text=f'iteration {it}')).to_have_count(1, timeout=180_000)
                expect(button).to_be_enabled(timeout=60_000)
                img = page.locator('.widget-tab img, .jupyter-widget-tab img, .lm-TabPanel img').first
                expect(img).to_be_visible(timeout=30_000)
                assert page.evaluate("el => el.naturalWidth > 200", img.element_handle()), 'the accuracy plot is empty'
            seen = page.evaluate('() => [...window.__seen]')
            assert any('iteration 1: training' in s for s in seen), seen   # shown while the step was running
            assert any('iteration 1: asking the teacher' in s for s in seen), seen
            select = page.locator('select', has=page.locator('option', has_text='iteration 0'))
            assert select.evaluate('s => s.options[s.selectedIndex].text').replace('\xa0', ' ') == 'iteration 1'   # shows the newest iteration
            # the lineage table of the new iteration and the flips since the last one
            page.get_by_role('tab', name='wrong seeds → teacher').click()
            table = page.locator('table.llm2llm').first
            expect(table).to_be_visible(timeout=30_000)
            expect(page.get_by_text('Iteration 1:')).to_be_visible()
            assert table.locator('tr').count() >= 2, 'no wrong seed listed'
            page.get_by_role('tab', name='flipped').click()
            heading = page.get_by_text('flipped from iteration 0 to 1')
            expect(heading).to_be_visible(timeout=30_000)
            # the flip table: one row per flipped seed under its heading, with the answers before → after and the
            # generated examples trained for it
            flips = page.locator('table.llm2llm', has=page.locator('th', has_text='answer before → after'))
            expect(flips).to_be_visible()
            expect(flips.locator('th', has_text='trained on in iteration 1, written for it')).to_have_count(1)
            n = int(heading.text_content().split()[0])
            assert flips.locator('tr').count() == n + 1, (n, flips.inner_text())
            for row in flips.locator('tr').all()[1:]:
                way, *_, answers, _trained = [c.inner_text() for c in row.locator('td').all()]
                assert way in ('fixed ✔', 'broken ✘') and '→' in answers, row.inner_text()
            page.get_by_role('tab', name='accuracy').click()
            page.screenshot(path=str(ARTIFACTS / 'step_through.png'), full_page=True)
        finally:
            browser.close()
    # the widget drove the real loop: the run folder holds both iterations
    assert (tmp / 'run' / 'iter_001' / 'metrics.json').exists()
