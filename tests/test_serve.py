"""The OpenAI-compatible teacher against a real `transformers serve` on localhost serving the offline SmolLM2-135M-Instruct.
SmolLM2 is a poor teacher: the parser must reject its replies cleanly, count why, and the loop must go on. A second run
replays every call from the cache, with the server gone."""
import json, os, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest
from llm2llm.models import smollm2, gguf_to_folder

TRANSFORMERS = Path(sys.executable).parent / 'transformers'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    if not TRANSFORMERS.exists(): pytest.fail(f'{TRANSFORMERS} not found: install the dev extras (transformers[serving])')
    folder = gguf_to_folder(smollm2(), tmp_path_factory.mktemp('model') / 'smollm2-135m-instruct')
    port, log = _free_port(), tmp_path_factory.mktemp('serve') / 'serve.log'
    env = {**os.environ, 'HF_HUB_OFFLINE': '1'}
    with open(log, 'w') as out:
        proc = subprocess.Popen([str(TRANSFORMERS), 'serve', folder.name, '--host', '127.0.0.1', '--port', str(port), '--device', 'cpu',
                                 '--continuous-batching'], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder.parent)
    url = f'http://127.0.0.1:{port}'
    try:
        t0 = time.time()
        while True:
            if proc.poll() is not None: pytest.fail(f'transformers serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}')
            try:
                with urllib.request.urlopen(f'{url}/health', timeout=2) as r:
                    if r.status == 200: break
            except OSError: pass
            if time.time() - t0 > 180: pytest.fail(f'transformers serve did not answer /health in 180 s:\n{log.read_text()[-3000:]}')
            time.sleep(0.5)
        yield {'url': f'{url}/v1', 'model': folder.name, 'proc': proc, 'log': log}   # the server's name for it
    finally:
        proc.terminate()
        try: proc.wait(30)
        except subprocess.TimeoutExpired: proc.kill()


def test_loop_with_transformers_serve_teacher_then_replay(served, cli, tmp_path):
    cache = tmp_path / 'teacher_cache.jsonl'
    args = ['demo', '--tiny', '--n-seed', '20', '--n-test', '30', '--iterations', '2', '--teacher', f"openai:{served['model']}",
            '--teacher-url', served['url'], '--teacher-cache', cache, '--teacher-max-tokens', '64', '--teacher-concurrency', '8',
            '--teacher-timeout', '300']
    r = cli(*args, '--run-dir', tmp_path / 'r1', timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    s = json.loads((tmp_path / 'r1/metrics.json').read_text())
    ms, tot = s['iterations'], s['teacher_usage']
    assert len(ms) == 2 and s['stop_reason'] == 'finished'
    # real token counts from the server, every call answered, nothing cached yet
    assert tot['calls'] == sum(m['n_wrong'] for m in ms) > 0 and tot['requests'] >= tot['calls']
    assert tot['prompt_tokens'] > 50 * tot['calls'] and 0 < tot['completion_tokens'] <= 64 * tot['calls']
    assert 'cache_hits' not in tot and tot.get('failures', 0) == 0
    # the replies are poor: rejected by reason, each kept in rejected.jsonl; those that parse keep their lineage
    reasons = {k for m in ms for k in m['rejected_by_reason']}
    assert reasons, 'SmolLM2 wrote nothing the parser rejected: unexpected'
    for m in ms:
        d = tmp_path / f"r1/iter_{m['iteration']:03d}"
        rej = [json.loads(l) for l in (d / 'rejected.jsonl').read_text().splitlines()]
        assert len(rej) == m['n_rejected'] and all(x['reason'] and x['parent'] for x in rej)
        gen = [json.loads(l) for l in (d / 'generated.jsonl').read_text().splitlines()]
        assert len(gen) == m['n_generated'] and all(g['teacher'] == f"openai:{served['model']}" and g['iteration'] == m['iteration'] for g in gen)
    n_cached = sum(1 for _ in cache.open())
    assert n_cached == tot['calls']
    print(f"\nserve teacher: {tot}; rejected {[m['rejected_by_reason'] for m in ms]}")
    # the same run again with the server gone: every call replays from the cache
    served['proc'].terminate(); served['proc'].wait(30)
    r = cli(*args, '--run-dir', tmp_path / 'r2', timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    s2 = json.loads((tmp_path / 'r2/metrics.json').read_text())
    assert s2['teacher_usage'] == {'calls': tot['calls'], 'cache_hits': tot['calls']}
    assert [m['test_accuracy'] for m in s2['iterations']] == [m['test_accuracy'] for m in ms]
    assert [m['rejected_by_reason'] for m in s2['iterations']] == [m['rejected_by_reason'] for m in ms]
