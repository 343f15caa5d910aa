"Bad data and missing models give errors that say what and where, before anything is trained."
import json
from pathlib import Path
import pytest

GOOD = {'id': 'a', 'text': 'play some jazz', 'intent': 'PlayMusic'}
CASES = {  # name: (second line of the seed file, text the error must contain)
    'missing field': ({'id': 'b', 'text': 'will it rain'}, "seed.jsonl:2 field 'intent': missing field"),
    'empty input': ({'id': 'b', 'text': '   ', 'intent': 'GetWeather'}, "seed.jsonl:2 field 'text': empty value"),
    'wrong type': ({'id': 'b', 'text': ['will', 'it', 'rain'], 'intent': 'GetWeather'}, "seed.jsonl:2 field 'text': expected a string, got list"),
    'duplicate id': ({'id': 'a', 'text': 'will it rain', 'intent': 'GetWeather'}, "seed.jsonl:2 field 'id': duplicate id 'a' (first on line 1)"),
    'unknown label': ({'id': 'b', 'text': 'will it rain', 'intent': 'Weather'}, "seed.jsonl:2 field 'intent': unknown label 'Weather'"),
    'not JSON': ('{"id": "b", "text": "will it rain",', 'seed.jsonl:2: invalid JSON'),
    'not an object': ([1, 2], 'seed.jsonl:2: expected a JSON object, got list'),
}


def _write(path, *rows):
    path.write_text(''.join((r if isinstance(r, str) else json.dumps(r)) + '\n' for r in rows))
    return path


@pytest.mark.parametrize('case', list(CASES))
def test_bad_seed_file(cli, tmp_path, case):
    row, msg = CASES[case]
    seed = _write(tmp_path / 'seed.jsonl', GOOD, row)
    test = _write(tmp_path / 'test.jsonl', GOOD)
    r = cli('run', '--task', 'intents', '--seed-file', seed, '--test-file', test, '--model', 'smollm2', '--run-dir', tmp_path / 'run')
    assert r.returncode == 2
    assert msg in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr
    assert not (tmp_path / 'run').exists()          # nothing was started


def test_bad_test_file_named(cli, tmp_path):
    seed = _write(tmp_path / 'seed.jsonl', GOOD)
    test = _write(tmp_path / 'test.jsonl', GOOD, GOOD, {'id': 'c', 'text': 'x', 'intent': 'Nope'})
    r = cli('run', '--task', 'intents', '--seed-file', seed, '--test-file', test, '--model', 'smollm2', '--run-dir', tmp_path / 'run')
    assert r.returncode == 2 and "test.jsonl:2 field 'id': duplicate id 'a'" in r.stderr


def test_missing_file(cli, tmp_path):
    r = cli('run', '--task', 'intents', '--seed-file', tmp_path / 'nope.jsonl', '--test-file', tmp_path / 'nope.jsonl',
            '--model', 'smollm2', '--run-dir', tmp_path / 'run')
    assert r.returncode == 2 and 'nope.jsonl: file not found' in r.stderr


@pytest.fixture
def data(tmp_path):
    return _write(tmp_path / 'seed.jsonl', GOOD), _write(tmp_path / 'test.jsonl', {**GOOD, 'id': 't'})


@pytest.mark.parametrize('model, gguf, msg', [
    ('/no/such/folder', None, "model folder '/no/such/folder' does not exist"),
    ('no-such-org/no-such-model', None, "could not load a tokenizer for model 'no-such-org/no-such-model' as a hub id"),
])
def test_unknown_model(cli, tmp_path, data, model, gguf, msg):
    r = cli('run', '--task', 'intents', '--seed-file', data[0], '--test-file', data[1], '--model', model, '--run-dir', tmp_path / 'run')
    assert r.returncode == 2 and msg in r.stderr, r.stderr


def test_missing_gguf_file(cli, tmp_path, data):
    folder = tmp_path / 'weights'; folder.mkdir(); (folder / 'other.gguf').write_bytes(b'')
    r = cli('run', '--task', 'intents', '--seed-file', data[0], '--test-file', data[1], '--model', folder,
            '--gguf-file', 'model.Q4.gguf', '--run-dir', tmp_path / 'run')
    assert r.returncode == 2 and f"GGUF file 'model.Q4.gguf' not found in {folder} (GGUF files there: ['other.gguf'])" in r.stderr, r.stderr


def test_classification_needs_labels(cli, tmp_path, data):
    r = cli('run', '--task', 'classification', '--seed-file', data[0], '--test-file', data[1], '--model', 'smollm2', '--run-dir', tmp_path / 'r')
    assert r.returncode == 2 and 'needs --labels' in r.stderr
