"Bad data and missing models give errors that say what and where, before anything is trained."
import json, logging
import pytest
from llm2llm.records import DataError
from llm2llm.tasks import make_task

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


# Files as people have them: no ids, the same text twice. Warnings, not errors; nothing is dropped.

def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.name == 'llm2llm.records' and r.levelno == logging.WARNING]


@pytest.mark.parametrize('task, rows', [
    (make_task('math'), [{'question': 'Tom has 3 apples and buys 2. How many?', 'answer': '3 + 2 = <<3+2=5>>5\n#### 5'},
                         {'question': 'A pen costs $2. What do 4 pens cost?', 'answer': '4 * 2 = <<4*2=8>>8\n#### 8'}]),
    (make_task('classification', 'ABBR,DESC,ENTY,HUM,LOC,NUM'), [{'text': 'What does NASA stand for?', 'label': 'ABBR'},
                                                                  {'text': 'Who wrote Hamlet?', 'label': 'HUM'}]),
], ids=['gsm8k', 'trec'])
def test_published_files_without_ids_load(tmp_path, caplog, task, rows):
    path = _write(tmp_path / 'train.jsonl', *rows[:1], '', *rows[1:])    # a blank line keeps its number
    exs = task.read(path)
    assert [e.id for e in exs] == ['train:1', 'train:3']
    assert [e.where for e in exs] == [(str(path), 1), (str(path), 3)]
    assert 'where' not in exs[0].to_dict() and exs[0].to_dict()['id'] == 'train:1'
    assert _warnings(caplog) == [f"{path}: lines without an id: 2 of 2; each gets the id {{file stem}}:{{line}}, e.g. 'train:1'"]


def test_ids_reported_once_per_file(tmp_path, caplog):
    path = _write(tmp_path / 'seed.jsonl', GOOD, *[{'text': f'play song {i}', 'intent': 'PlayMusic'} for i in range(50)])
    exs = make_task('intents').read(path)
    assert [e.id for e in exs[:3]] == ['a', 'seed:2', 'seed:3'] and exs[-1].id == 'seed:51'
    assert _warnings(caplog) == [f"{path}: lines without an id: 50 of 51; each gets the id {{file stem}}:{{line}}, e.g. 'seed:2'"]


def test_given_id_colliding_with_a_made_one(tmp_path):
    path = _write(tmp_path / 'seed.jsonl', {**GOOD, 'id': 'seed:2'}, {'text': 'will it rain', 'intent': 'GetWeather'})
    with pytest.raises(DataError, match=r"seed.jsonl:2 field 'id': duplicate id 'seed:2' \(first on line 1\)"):
        make_task('intents').read(path)


def test_files_with_ids_read_as_before(tmp_path, caplog):
    path = _write(tmp_path / 'seed.jsonl', GOOD, {'id': 'b', 'text': 'will it rain', 'intent': 'GetWeather'})
    assert [e.to_dict('intent') for e in make_task('intents').read(path)] == [
        {**GOOD, 'source': 'seed'}, {'id': 'b', 'text': 'will it rain', 'intent': 'GetWeather', 'source': 'seed'}]
    assert _warnings(caplog) == []


def test_same_input_within_a_file(tmp_path, caplog):
    rows = [GOOD, {'id': 'b', 'text': 'will it rain', 'intent': 'GetWeather'}, {'id': 'c', 'text': ' Play  some JAZZ', 'intent': 'PlayMusic'},
            {'id': 'd', 'text': 'WILL IT RAIN', 'intent': 'GetWeather'}, {'id': 'e', 'text': 'play some jazz', 'intent': 'PlayMusic'}]
    exs = make_task('intents').read(_write(tmp_path / 'seed.jsonl', *rows))
    assert len(exs) == 5                                                     # nothing is dropped
    assert _warnings(caplog) == [f'{tmp_path}/seed.jsonl: lines 1, 3 and 5 have the same input; lines 2 and 4 have the same input']


def test_same_input_many_times_is_one_line(tmp_path, caplog):
    rows = [{'text': f'song {i // 2}', 'intent': 'PlayMusic'} for i in range(20)]    # 10 pairs
    make_task('intents').read(_write(tmp_path / 'seed.jsonl', *rows))
    dup = _warnings(caplog)[-1]
    assert dup.startswith(f'{tmp_path}/seed.jsonl: lines 1 and 2 have the same input; lines 3 and 4 have the same input;')
    assert dup.endswith('lines 9 and 10 have the same input; and 5 more')


def test_seed_and_test_overlap_through_run(cli, tmp_path):
    "`llm2llm run` warns about each kind once, with the lines, then goes on (here to a missing model)."
    seed = _write(tmp_path / 'seed.jsonl', {'text': 'play some jazz', 'intent': 'PlayMusic'}, {'text': 'will it rain', 'intent': 'GetWeather'},
                  {'text': 'Play some jazz', 'intent': 'PlayMusic'})
    test = _write(tmp_path / 'test.jsonl', {'id': 't1', 'text': 'book a table for two', 'intent': 'BookRestaurant'},
                  {'id': 't2', 'text': 'WILL it  rain', 'intent': 'GetWeather'})
    r = cli('run', '--task', 'intents', '--seed-file', seed, '--test-file', test, '--model', tmp_path / 'no-model', '--run-dir', tmp_path / 'run')
    assert r.returncode == 2 and 'does not exist' in r.stderr, r.stderr
    warnings = [l for l in r.stderr.splitlines() if l.startswith('WARNING')]
    assert warnings == [f"WARNING: {seed}: lines without an id: 3 of 3; each gets the id {{file stem}}:{{line}}, e.g. 'seed:1'",
                        f'WARNING: {seed}: lines 1 and 3 have the same input',
                        f'WARNING: seed and test overlap: {seed}:2 and {test}:2 have the same input'], r.stderr
