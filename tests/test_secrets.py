"""API keys come from the environment (or Colab's secrets), never from settings, and are written nowhere: a run with
an OpenAI-compatible teacher and a fake key, resumed, leaves the key in no file of its folder or cache and in none of
its output; the teacher's errors and every log record at any level leave it out too. And the library loads no pickle
and executes no text it reads."""
import json, logging, re, secrets, sys, types
from pathlib import Path
import pytest
from fake_openai import FakeOpenAI, completion
from llm2llm.cli import main
from llm2llm.records import Example
from llm2llm.synthetic import IntentTask
from llm2llm.teacher import TeacherRequest, ask_teacher
from llm2llm.llm_teachers import TeacherConfig, TeacherError
from llm2llm.teachers import make_teacher

ROOT = Path(__file__).resolve().parent.parent


def _key() -> str: return f'sk-test-{secrets.token_hex(16)}'


def _reply(prompt, n, body):
    "A teacher that follows the format: one new utterance with the seed's intent."
    label = re.search(r'with intent (\w+)\.', prompt).group(1)
    text = prompt.split('\n')[0].removeprefix('Utterance: ')
    return ('json', 200, completion(f'Utterance: could you {text} for me please\nIntent: {label}', body['model']))


class _Keyed(FakeOpenAI):
    "The fake server, noting the Authorization header of every request (so a test knows the key was sent)."
    def __init__(self, script):
        super().__init__(script)
        self.auth, base = [], self.server.RequestHandlerClass
        outer = self
        class Handler(base):
            def do_POST(self):
                outer.auth.append(self.headers.get('Authorization')); super().do_POST()
        self.server.RequestHandlerClass = Handler


def _files_with(folder: Path, key: str) -> list[str]:
    "The files under `folder` whose bytes hold `key` (or its random part), in any of the encodings JSON may use."
    needles = {key.encode(), key.removeprefix('sk-test-').encode(), json.dumps(key).encode()}
    return [str(p) for p in folder.rglob('*') if p.is_file() and any(n in p.read_bytes() for n in needles)]


def _llm2llm(capfd, *args) -> tuple[int, str]:
    "Run the `llm2llm` command in this process (its `main`, as the console script does); its code and its output."
    code = main([str(a) for a in args])
    out, err = capfd.readouterr()
    return code, out + err


def test_a_run_with_an_api_teacher_writes_the_key_nowhere(tmp_path, monkeypatch, capfd, caplog):
    key, run, cache = _key(), tmp_path / 'run', tmp_path / 'cache' / 'teacher_cache.jsonl'
    monkeypatch.setenv('OPENAI_API_KEY', key)
    monkeypatch.setenv('LLM2LLM_CACHE', str(tmp_path / 'cache'))
    monkeypatch.setenv('TQDM_DISABLE', '1')
    args = ['demo', '--tiny', '--n-seed', '21', '--n-test', '14', '--epochs', '1', '--teacher', 'openai:fake-model',
            '--teacher-cache', cache, '--run-dir', run]
    with caplog.at_level(logging.DEBUG), _Keyed(_reply) as srv:
        first = _llm2llm(capfd, *args, '--iterations', '1', '--teacher-url', srv.url)
        assert first[0] == 0, first[1]
        asked = len(srv.auth)
        again = _llm2llm(capfd, *args, '--iterations', '2', '--teacher-url', srv.url)   # resumes; iteration 1 asks
        assert again[0] == 0, again[1]
    assert 'resuming' in again[1] and len(srv.auth) > asked > 0
    assert set(srv.auth) == {f'Bearer {key}'}      # the key was sent: its absence below means something
    assert cache.exists() and (run / 'config.toml').exists() and (run / 'run.json').exists()
    assert _files_with(tmp_path, key) == []         # the run folder, the cache, everything else the run wrote
    said = first[1] + again[1] + caplog.text + ''.join(str(r.args) for r in caplog.records)
    assert key not in said and key.removeprefix('sk-test-') not in said   # output, and every log record (DEBUG up)
    # what the run records is where the key came from, never the key
    assert re.search(r'(?m)^api_key_env = "OPENAI_API_KEY"$', (run / 'config.toml').read_text())
    assert 'api_key' not in (run / 'run.json').read_text()


def test_the_teacher_keeps_the_key_out_of_logs_errors_and_cache(tmp_path, monkeypatch, caplog):
    "Every log record (the SDK's and httpx's included, at DEBUG), each error and the cache leave the key out."
    key, task = _key(), IntentTask()
    monkeypatch.setenv('OPENAI_API_KEY', key)
    seeds = [Example(f's{i}', {'text': t}, 'PlayMusic') for i, t in enumerate(['play some jazz', 'put on a song x500'])]
    def script(prompt, n, body):
        if 'x500' in prompt: return ('json', 500, {'error': {'message': f'boom, your key is {key}'}})  # a server echoing it
        return _reply(prompt, n, body)
    cfg = TeacherConfig(name='openai:fake-model', cache=str(tmp_path / 'c.jsonl'), max_attempts=1)
    with caplog.at_level(logging.DEBUG), _Keyed(script) as srv:
        t = make_teacher(TeacherConfig(**{**cfg.__dict__, 'url': srv.url}), task)
        t.progress = lambda *a: None
        gen = ask_teacher(t, task, seeds, 1, 0, dedup=0.9, contamination=0.9)
    assert len(gen.examples) == 1 and [r.reason for r in gen.rejected] == ['request_failed']
    assert gen.rejected[0].text == 'HTTP 500: boom, your key is <API key>'   # what rejected.jsonl would hold
    assert set(srv.auth) == {f'Bearer {key}'}
    assert key not in caplog.text and all(key not in str(r.args) for r in caplog.records)
    assert _files_with(tmp_path, key) == []
    # a server that refuses the key: the error names the server and the model, not the key
    with _Keyed(lambda p, n, b: ('json', 401, {'error': {'message': f'Incorrect API key provided: {key}'}})) as srv:
        t = make_teacher(TeacherConfig(name='openai:fake-model', url=srv.url, cache='none'), task)
        t.progress = lambda *a: None
        with pytest.raises(TeacherError) as e: t.generate([TeacherRequest(seeds[0], 1, 0, task.teacher_messages(seeds[0], 1))])
    assert 'HTTP 401' in str(e.value) and key not in str(e.value) and key not in caplog.text


def test_a_key_is_never_a_setting(tmp_path, monkeypatch, capfd):
    "Settings are saved with a run, so no setting holds a key: a config file's `api_key` is refused, and so is a key"
    "given where the name of its environment variable goes; neither error repeats it."
    key = _key()
    monkeypatch.delenv('OPENAI_API_KEY', raising=False)
    assert not [f for f in TeacherConfig.__dataclass_fields__ if 'key' in f and f != 'api_key_env']
    conf = tmp_path / 'run.toml'
    conf.write_text(f'[teacher]\nname = "openai:gpt-4o-mini"\napi_key = "{key}"\n')
    code, said = _llm2llm(capfd, 'demo', conf, '--tiny', '--run-dir', tmp_path / 'r1')
    assert code == 2 and '[teacher] api_key: no such setting' in said and key not in said
    code, said = _llm2llm(capfd, 'demo', '--tiny', '--teacher', 'openai:gpt-4o-mini', '--teacher-api-key-env', key,
                          '--run-dir', tmp_path / 'r2')
    assert code == 2 and 'api_key_env is the name of the environment variable' in said and key not in said
    assert not (tmp_path / 'r1').exists() and not (tmp_path / 'r2').exists()
    assert TeacherConfig(api_key_env='MY_PROVIDER_KEY').api_key_env == 'MY_PROVIDER_KEY'


def test_colab_secrets_go_to_the_environment_and_only_their_names_are_shown(monkeypatch):
    key = _key()
    colab = types.ModuleType('google.colab')
    colab.userdata = types.SimpleNamespace(get=lambda name: key if name == 'OPENAI_API_KEY' else None)
    monkeypatch.setitem(sys.modules, 'google', types.ModuleType('google'))
    monkeypatch.setitem(sys.modules, 'google.colab', colab)
    monkeypatch.delenv('OPENAI_API_KEY', raising=False); monkeypatch.delenv('HF_TOKEN', raising=False)
    from llm2llm.colab import copy_secrets, Runtime
    assert copy_secrets() == ['OPENAI_API_KEY']
    import os
    assert os.environ['OPENAI_API_KEY'] == key
    shown = str(Runtime(True, None, 'float32', ['OPENAI_API_KEY'], Path('runs'), 'hub'))
    assert 'OPENAI_API_KEY' in shown and key not in shown


# Nothing loads a pickle or runs text it reads: the only places these names occur, each with why it is safe.
SAFE = {
    ('core.py', "cls = eval(ann, f.__globals__) if isinstance(ann, str) else ann"):
        "`patch` evaluates a type annotation of the library's own source (`self: Student`), never data",
    ('tasks.py', 'return getattr(importlib.import_module(module), attr)'):
        "`make_task` imports a built-in task's module named in `TASKS` by the library (or by a user's code), never "
        "a name read from data: a task name only selects a key of `TASKS`",
    ('saved.py', "if mod is None and module.split('.')[0] == 'llm2llm': mod = importlib.import_module(module)"):
        "`task_from_spec` rebuilds a saved student's task: it imports a module named in student.json only when it is "
        "one of llm2llm's own; any other class must already be imported by the user's code",
}
RISKY = re.compile(r'\bpickle\b|\bcloudpickle\b|\bdill\b|\bmarshal\b|\bshelve\b|\bjoblib\b|(?<![.\w])eval\(|'
                   r'(?<![.\w])exec\(|(?<![.\w])compile\(|torch\.load\(|\bnp\.load\(|allow_pickle|yaml\.load\(|'
                   r'trust_remote_code\s*=\s*True|__import__\(|importlib\.import_module\(|subprocess|os\.system')


def test_nothing_loads_pickles_or_executes_text():
    found = {}
    for p in sorted((ROOT / 'llm2llm').glob('*.py')):
        for line in p.read_text(encoding='utf-8').splitlines():
            code = line.split(' #')[0]
            if RISKY.search(code): found[(p.name, code.strip())] = line
    assert set(found) <= set(SAFE), sorted(set(found) - set(SAFE))
    # torch.load is not called: the student's weights load through transformers from safetensors
    assert not any('torch.load' in p.read_text() for p in (ROOT / 'llm2llm').glob('*.py'))
