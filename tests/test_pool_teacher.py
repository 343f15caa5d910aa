"""The pool teacher: its choices on a small hand-made pool (nearest by TF-IDF, same label, never reused, never a
known example, a counted rejection when nothing is left), and `llm2llm run --teacher pool` end to end on the intents
data with a tiny student, interrupted after one iteration and extended to two."""
import json
from pathlib import Path
import pytest
from llm2llm.records import Example
from llm2llm.synthetic import IntentTask, ArithmeticTask
from llm2llm.tasks import Rejected
from llm2llm.pool_teacher import PoolTeacher
from llm2llm.teacher import ask_teacher

FILTERS = dict(dedup=0.9, contamination=0.9)   # ask_teacher's thresholds (the loop's are in LoopConfig)
TASK = IntentTask()
SEED = Example('s1', {'text': 'add hey jude to my workout playlist'}, 'AddToPlaylist')


def _ex(i, text, label='AddToPlaylist'): return Example(f'p{i}', {'text': text}, label)


def _pool():
    return [_ex(0, 'play hey jude to my workout mix', 'PlayMusic'),         # nearest in words, another intent
            _ex(1, 'put this track on my chill list'),                    # same intent, few words shared
            _ex(2, 'add let it be to my workout playlist'),               # same intent, nearest
            _ex(3, 'add a song to my playlist'),                          # same intent, second nearest
            _ex(4, 'Add Hey Jude to my workout playlist!')]               # the seed itself, in other case


def _texts(gen): return [e.inputs['text'] for e in gen.examples]


def _ask(teacher, i, known, seeds=(SEED,), k=1, task=TASK):
    return ask_teacher(teacher, task, list(seeds), k=k, iteration=i, known=known, **FILTERS)


def test_nearest_same_label_unused_then_nothing_left():
    t, known, got = PoolTeacher(TASK, _pool()), [SEED], []
    for i in range(4):
        g = _ask(t, i, known)
        known += g.examples; got.append(g)
    # by TF-IDF similarity, of the seed's intent only, never the seed's own text, never twice
    assert [_texts(g) for g in got] == [['add let it be to my workout playlist'], ['add a song to my playlist'],
                                        ['put this track on my chill list'], []]
    assert all(g.rejected == [] for g in got[:3])
    assert got[3].rejected == [Rejected('no_example_found', 'The pool has no unused example labelled AddToPlaylist.',
                                        's1')]
    e = got[0].examples[0]
    assert (e.id, e.parent, e.iteration, e.teacher, e.source, e.target) == \
        ('g0-s1-0', 's1', 0, 'pool:pool', 'generated', 'AddToPlaylist')


def test_k_examples_per_request_in_order_of_similarity():
    g = _ask(PoolTeacher(TASK, _pool(), 'songs'), 0, [SEED], k=2)
    assert _texts(g) == ['add let it be to my workout playlist', 'add a song to my playlist']
    assert {e.teacher for e in g.examples} == {'pool:songs'}


def test_a_resumed_teacher_skips_what_the_run_has():
    first = _ask(PoolTeacher(TASK, _pool()), 0, [SEED])
    # a new teacher (a new process) told what the run trains on goes on where the first left off
    again = _ask(PoolTeacher(TASK, _pool()), 1, [SEED, *first.examples])
    assert _texts(again) == ['add a song to my playlist']


def test_two_seeds_in_one_round_never_share_an_example_and_copies_count_as_used():
    pool = _pool() + [_ex(5, 'ADD let it be to my workout playlist')]    # a copy of p2
    s2 = Example('s2', {'text': 'add let it be to my running playlist'}, 'AddToPlaylist')
    g = _ask(PoolTeacher(TASK, pool), 0, [SEED], seeds=[SEED, s2])
    assert _texts(g) == ['add let it be to my workout playlist', 'add a song to my playlist']


def test_a_seed_whose_label_the_pool_lacks_is_a_rejection():
    seed = Example('s9', {'text': 'wake me up at seven'}, 'SetAlarm')
    g = _ask(PoolTeacher(TASK, _pool()), 0, [seed], seeds=[seed])
    assert (g.examples, g.rejected_by_reason) == ([], {'no_example_found': 1})


def test_math_any_problem_nearest_first():
    task = ArithmeticTask()
    pool = [Example('m1', {'question': 'A box holds 5 coins. How many coins are in 10 boxes?'}, '5 * 10 = 50\n#### 50'),
            Example('m2', {'question': 'Ana has 7 apples and eats 2. How many are left?'}, '7 - 2 = 5\n#### 5'),
            Example('m3', {'question': 'Ben has 9 pears and eats 4. How many pears are left?'}, '9 - 4 = 5\n#### 5')]
    seed = Example('s1', {'question': 'Cy has 8 pears and eats 3. How many pears are left?'}, '8 - 3 = 5\n#### 5')
    g = _ask(PoolTeacher(task, pool), 0, [seed], seeds=[seed], task=task)
    assert [(e.inputs['question'], e.target) for e in g.examples] == [(pool[2].inputs['question'], pool[2].target)]


# ---- end to end: `llm2llm run --teacher pool`, one iteration, then extended to two ----

def _jsonl(p): return [json.loads(l) for l in Path(p).read_text().splitlines() if l.strip()]


@pytest.fixture(scope='module')
def intents_files(tmp_path_factory):
    "The intents data as `llm2llm data` writes it (a smaller test file), and a tiny student model folder."
    from conftest import run_cli
    from llm2llm.models import tiny_student
    d = tmp_path_factory.mktemp('pool')
    r = run_cli('data', '--task', 'intents', '--out', d)
    assert r.returncode == 0, r.stderr
    (d / 'test_small.jsonl').write_text(''.join((d / 'test.jsonl').read_text().splitlines(keepends=True)[::10]))
    seeds, pool = TASK.read(d / 'seed.jsonl'), TASK.read(d / 'pool.jsonl')
    tiny_student(TASK, seeds + pool, d / 'tiny')
    return d


def _run(cli, d, run, *extra):
    return cli('run', '--task', 'intents', '--seed-file', d / 'seed.jsonl', '--test-file', d / 'test_small.jsonl',
               '--model', d / 'tiny', '--teacher', 'pool', '--teacher-pool-file', d / 'pool.jsonl',
               '--run-dir', run, '--epochs', '2', '--quiet', *extra)


def test_run_with_the_pool_teacher_resumes_without_reuse(cli, intents_files, tmp_path):
    d, run = intents_files, tmp_path / 'run'
    r = _run(cli, d, run, '--iterations', '1')
    assert r.returncode == 0, r.stderr
    r = _run(cli, d, run, '--iterations', '2')   # resumes after iteration 0 in a new process
    assert r.returncode == 0, r.stderr
    conf = json.loads((run / 'run.json').read_text())
    assert (conf['teacher'], conf['teacher_config']['backend'], conf['teacher_config']['n_pool']) == \
        ('pool:pool', 'pool', len(_jsonl(d / 'pool.jsonl')))
    pool = {e['text']: e['intent'] for e in _jsonl(d / 'pool.jsonl')}
    gens = [_jsonl(run / f'iter_{i:03d}' / 'generated.jsonl') for i in range(2)]
    assert gens[0] and gens[1], 'the tiny student should get seeds wrong in both iterations'
    for i, gen in enumerate(gens):
        # every generated example is a pool example with its own label, named after the pool teacher
        assert all(pool.get(g['text']) == g['intent'] and g['teacher'] == 'pool:pool' and g['iteration'] == i
                   for g in gen)
    # iteration 1 (after the resume) hands out nothing the run trained on or was handed out before
    trained = {e['text'] for e in _jsonl(run / 'iter_001' / 'train.jsonl')}
    assert {g['text'] for g in gens[0]} <= trained
    rejected = [r for r in _jsonl(run / 'iter_001' / 'rejected.jsonl') if r['reason'] != 'no_example_found']
    handed = [g['text'] for g in gens[1]] + [r['text'].split('\n')[0].removeprefix('Utterance: ') for r in rejected]
    assert len(set(handed)) == len(handed) and set(handed) <= set(pool)
    assert not set(handed) & trained


def test_pool_teacher_without_a_pool_file_is_a_user_error(cli, intents_files, tmp_path):
    d = intents_files
    r = cli('run', '--task', 'intents', '--seed-file', d / 'seed.jsonl', '--test-file', d / 'test_small.jsonl',
            '--model', d / 'tiny', '--teacher', 'pool', '--run-dir', tmp_path / 'run')
    assert r.returncode == 2 and 'needs a pool file' in r.stderr, r.stderr
