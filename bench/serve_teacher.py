"""The offline demo with a real HTTP teacher: `transformers serve` on localhost serving SmolLM2-135M-Instruct (the only
instruct model on this machine; a poor teacher), then the same run again with the server stopped, replayed from the cache.

    .venv/bin/python bench/serve_teacher.py [--args "--teacher-max-tokens 128"] [--out bench/runs/serve]

Needs the dev extras (transformers[serving]). Prints one row per iteration of each run: test accuracy, teacher calls,
requests, cache hits, tokens, and rejections by reason."""
import argparse, json, os, shlex, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from llm2llm.models import smollm2, gguf_to_folder

BIN = Path(sys.executable).parent


def start_server(out: Path, env: dict, timeout: float = 300) -> tuple[subprocess.Popen, str, str, float, float]:
    """`transformers serve` of the offline SmolLM2 (converted to a folder in `out`) on a free port: the process, its base
    URL, the model's name, and the seconds of the conversion and of the start."""
    t = time.time(); folder = gguf_to_folder(smollm2(), out / 'smollm2-135m-instruct'); conv = time.time() - t
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    # started from its parent folder with a relative path, the server calls the model 'smollm2-135m-instruct': a name
    # that is the same on every machine, so the replay cache this writes can be shipped with the notebooks
    server = subprocess.Popen([str(BIN / 'transformers'), 'serve', folder.name, '--host', '127.0.0.1', '--port', str(port),
                               '--device', 'cpu', '--continuous-batching'], stdout=open(out / 'serve.log', 'w'),
                              stderr=subprocess.STDOUT, env=env, cwd=out)
    t = time.time()
    while True:
        try:
            with urllib.request.urlopen(f'http://127.0.0.1:{port}/health', timeout=2): break
        except OSError:
            if server.poll() is not None or time.time() - t > timeout: sys.exit(f'the server did not start; see {out / "serve.log"}')
            time.sleep(0.5)
    return server, f'http://127.0.0.1:{port}/v1', folder.name, conv, time.time() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='bench/runs/serve'); ap.add_argument('--args', default='--teacher-max-tokens 128')
    a = ap.parse_args()
    out = Path(a.out).resolve()
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TQDM_DISABLE': '1'}
    server, url, name, conv, up = start_server(out, env, timeout=180)
    cmd = [str(BIN / 'llm2llm'), 'demo', '--teacher', f'openai:{name}', '--teacher-url', url,
           '--teacher-cache', str(out / 'teacher_cache.jsonl'), *shlex.split(a.args)]
    walls = {}
    try:
        t = time.time(); subprocess.run([*cmd, '--run-dir', str(out / 'r1')], check=True, env=env); walls['r1'] = time.time() - t
    finally:
        server.terminate(); server.wait(30)
    t = time.time(); subprocess.run([*cmd, '--run-dir', str(out / 'r2')], check=True, env=env); walls['r2'] = time.time() - t
    print(f'\nconverted the GGUF in {conv:.0f} s; server up in {up:.0f} s; command: llm2llm demo {a.args} --teacher openai:<folder> ...')
    print(f"{'run':<4} {'iter':>4} {'test acc':>8} {'calls':>5} {'requests':>8} {'cached':>6} {'tok in':>7} {'tok out':>7} {'new':>4}  rejected")
    for r in ('r1', 'r2'):
        s = json.loads((out / r / 'metrics.json').read_text())
        for m in s['iterations']:
            u = m['teacher_usage']
            print(f"{r:<4} {m['iteration']:>4} {m['test_accuracy']:>8.1%} {u.get('calls', 0):>5} {u.get('requests', 0):>8} {u.get('cache_hits', 0):>6} "
                  f"{u.get('prompt_tokens', 0):>7} {u.get('completion_tokens', 0):>7} {m['n_generated']:>4}  {m['rejected_by_reason']}")
        print(f"{r:<4} total: {s['teacher_usage']}; wall {walls[r]:.0f} s" + (' (server stopped)' if r == 'r2' else ''))


if __name__ == '__main__':
    main()
