"""The paper's tasks as people have them: the GSM8K slice through `llm2llm data --dataset gsm8k-slice` and
`llm2llm run --task gsm8k --teacher pool` with a tiny student (budget from the seeds, truncated answers marked and
counted, lineage, how the seeds were drawn in run.json); GSM8K's judge and parser on the bad inputs people have;
TREC/SST-2/SNIPS-shaped files without ids through `--task trec|sst2|snips` with the pool teacher."""
import json
from fractions import Fraction
from pathlib import Path
import pytest
from llm2llm.records import Example, DataError
from llm2llm.math_tasks import gsm8k_task, check_steps
from llm2llm.loaders import gsm8k_slice

GSM = gsm8k_task()


def _jsonl(p): return [json.loads(l) for l in Path(p).read_text().splitlines() if l.strip()]


# ---- the judge and the parser on what people (and small models) write ----

@pytest.mark.parametrize('said, got', [
    ('She has 1,000 apples.\n#### 1,000', '1000'), ('#### -5', '-5'), ('#### $-5', '-5'), ('#### 2.50', '2.5'),
    ('#### 18 dollars', '18'), ('#### 7\n#### 8', '7'), ('####', None), ('', None), ('####\n5 apples', None),
    ('It is 3 + 4 = 7 apples', '7')])
def test_the_judge_reads_what_people_write(said, got):
    assert GSM.answer(said) == got
    assert GSM.judge(said, Example('x', {'question': 'q'}, '#### 1,000')) == (got == '1000')


def test_a_seed_file_with_a_bad_answer_says_where(tmp_path):
    f = tmp_path / 'gsm.jsonl'
    f.write_text(json.dumps({'question': 'How many?', 'answer': '2 + 2 = 4\n#### 4'}) + '\n'
                 + json.dumps({'question': 'And now?', 'answer': '2 + 3 = 5\n#### 5\n#### 6'}) + '\n')
    with pytest.raises(DataError, match=r"gsm\.jsonl:2 field 'answer': the answer has 2 '####'"):
        GSM.read(f)
    f.write_text(json.dumps({'question': 'How many?', 'answer': ''}) + '\n')
    with pytest.raises(DataError, match=r"gsm\.jsonl:1 field 'answer': empty value"):
        GSM.read(f)


def test_the_teachers_bad_items_are_counted_rejections():
    reply = ('Question: Ann has 3 boxes of 4 pens. How many pens?\nAnswer: 3 * 4 = <<3*4=12>>12 pens.\n#### 12\n'
             'Question: Bo has 2 bags of 5 nuts. How many nuts?\nAnswer: 2 * 5 = 10 nuts.\n#### 10\n#### 11\n'
             'Question: Cy has 6 cups.\nAnswer: \n#### \n'
             'Question: Di has 7 caps and buys 1,000 more. How many?\nAnswer: 7 + 1,000 = 1,007 caps.\n#### 1,007\n'
             'Question: Ed has 9 pens and loses 3.\nAnswer: 9 - 3 = <<9-3=5>>5 pens.\n#### 5\n'
             'Question: Flo has 4 bags of 2 nuts.\nAnswer: 4 * 2 = 8')
    got, bad = GSM.parse_reply(reply, truncated=True)
    assert [(g.inputs['question'][:6], GSM.target_text(g)) for g in got] == [
        ('Ann ha', '3 * 4 = 12 pens.\n#### 12'), ('Di has', '7 + 1,000 = 1,007 caps.\n#### 1007')]
    assert [b.reason for b in bad] == ['truncated', 'final_number_count', 'final_not_a_number', 'inconsistent_steps']


def test_the_checker_accepts_nearly_all_of_the_slices_own_rationales():
    train = GSM.read(gsm8k_slice()['train'])
    bad = [e for e in train if check_steps(e.target.split('####')[0], Fraction(GSM.answer(e.target))) is not None]
    # measured: 5 of the slice's 300 (56 of the full split's 7,473), each a slip or a unit change in GSM8K itself
    assert len(train) == 300 and len(bad) == 5, [e.target for e in bad]


# ---- end to end on the shipped slice ----

@pytest.fixture(scope='module')
def gsm_files(tmp_path_factory):
    "Seeds drawn from the GSM8K slice by `llm2llm data`, a small test file, and a tiny student model folder."
    from conftest import run_cli
    from llm2llm.models import tiny_student
    d = tmp_path_factory.mktemp('gsm')
    r = run_cli('data', '--dataset', 'gsm8k-slice', '--n-seed', '12', '--seed', '1', '--out', d)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f'wrote gsm8k: 12 seeds, 12 validation, 200 test, 276 pool (--task gsm8k) to {d}'
    (d / 'test_small.jsonl').write_text(''.join((d / 'test.jsonl').read_text().splitlines(keepends=True)[:16]))
    tiny_student(GSM, GSM.read(d / 'seed.jsonl') + GSM.read(d / 'pool.jsonl'), d / 'tiny', hidden=32)
    return d


def test_gsm8k_run_with_the_pool_teacher(cli, gsm_files, tmp_path):
    from llm2llm.models import StudentConfig
    from llm2llm.student import Student
    d, run = gsm_files, tmp_path / 'run'
    r = cli('run', '--task', 'gsm8k', '--seed-file', d / 'seed.jsonl', '--test-file', d / 'test_small.jsonl',
            '--model', d / 'tiny', '--teacher', 'pool', '--teacher-pool-file', d / 'pool.jsonl', '--run-dir', run,
            '--iterations', '2', '--epochs', '1', '--quiet')
    assert r.returncode == 0, r.stderr
    conf = json.loads((run / 'run.json').read_text())
    assert (conf['task'], conf['teacher'], conf['data']['sample']) == ('gsm8k', 'pool:pool', json.loads(
        (d / 'sample.json').read_text()))
    seeds = GSM.read(d / 'seed.jsonl')
    budget = Student(StudentConfig(model=str(d / 'tiny')), GSM).eval_budget(seeds)
    for i in range(2):
        m = json.loads((run / f'iter_{i:03d}' / 'metrics.json').read_text())
        preds = _jsonl(run / f'iter_{i:03d}' / 'pred_test.jsonl') + _jsonl(run / f'iter_{i:03d}' / 'pred_seed.jsonl')
        assert m['max_new_tokens'] == budget                  # from the seeds' targets, the same each iteration
        assert m['n_truncated_test'] + m['n_truncated_seed'] == sum(p['truncated'] for p in preds)
    # a random tiny model rarely writes its end token: its answers run to the budget and are marked so
    assert m['n_truncated_test'] > 0
    gen = _jsonl(run / 'iter_000' / 'generated.jsonl')
    wrong = {p['id'] for p in _jsonl(run / 'iter_000' / 'pred_seed.jsonl') if p['error']}
    pool = {e['question']: e['answer'] for e in _jsonl(d / 'pool.jsonl')}
    assert gen and all(g['parent'] in wrong and g['teacher'] == 'pool:pool' and g['iteration'] == 0 for g in gen)
    assert all(pool[g['question']] == g['answer'] or GSM.answer(pool[g['question']]) == GSM.answer(g['answer'])
               for g in gen)


# ---- classification files as published: no ids ----

@pytest.mark.parametrize('task, rows', [
    ('trec', [('What does NASA stand for ?', 'ABBR'), ('Who wrote Hamlet ?', 'HUM'), ('Where is Rome ?', 'LOC'),
              ('How many legs has a spider ?', 'NUM'), ('What is a fjord ?', 'DESC'), ('What animal barks ?', 'ENTY')]),
    ('sst2', [('a gorgeous , witty film', 'positive'), ('a dull , lifeless mess', 'negative'),
              ('warm and funny', 'positive'), ('tedious and overlong', 'negative')]),
    ('snips', [('add this song to my road trip playlist', 'AddToPlaylist'), ('book a table for two', 'BookRestaurant'),
               ('will it rain tomorrow', 'GetWeather'), ('play some jazz', 'PlayMusic'),
               ('rate this novel four stars', 'RateBook'), ('find the game called doom', 'SearchCreativeWork'),
               ('when is dune showing nearby', 'SearchScreeningEvent')])])
def test_published_classification_files_run_with_the_pool_teacher(cli, tmp_path, task, rows):
    from llm2llm.tasks import make_task
    from llm2llm.models import tiny_student
    t = make_task(task)
    field = {'trec': 'coarse_label', 'sst2': 'label', 'snips': 'label'}[task]
    write = lambda f, rs: f.write_text(''.join(json.dumps({'text': x, field: y}) + '\n' for x, y in rs))
    write(tmp_path / 'seed.jsonl', rows); write(tmp_path / 'test.jsonl', rows[::-1])
    write(tmp_path / 'pool.jsonl', [(x + ' please', y) for x, y in rows] + [('now ' + x, y) for x, y in rows])
    tiny_student(t, [Example(str(i), {'text': x}, y) for i, (x, y) in enumerate(rows)], tmp_path / 'tiny')
    r = cli('run', '--task', task, '--target-field', field, '--seed-file', tmp_path / 'seed.jsonl', '--test-file',
            tmp_path / 'test.jsonl', '--model', tmp_path / 'tiny', '--teacher', 'pool', '--teacher-pool-file',
            tmp_path / 'pool.jsonl', '--run-dir', tmp_path / 'run', '--iterations', '2', '--epochs', '1', '--quiet')
    assert r.returncode == 0, r.stderr
    assert 'lines without an id' in r.stderr
    seed_ids = [p['id'] for p in _jsonl(tmp_path / 'run' / 'iter_000' / 'pred_seed.jsonl')]
    assert seed_ids == [f'seed:{i}' for i in range(1, len(rows) + 1)]
    gen = _jsonl(tmp_path / 'run' / 'iter_000' / 'generated.jsonl')
    assert all(g['teacher'] == 'pool:pool' and g[field] == dict(rows)[g['text'].removesuffix(' please')
                                                                     .removeprefix('now ')] for g in gen)


# ---- CaseHOLD on its fixture, through the command line ----

def test_casehold_fixture_runs_with_the_pool_teacher(cli, tmp_path):
    from llm2llm.tasks import make_task
    from llm2llm.models import tiny_student
    nbs, t = Path(__file__).parents[1] / 'nbs' / 'data', make_task('casehold')
    files = {s: nbs / f'casehold_fixture_{s}.jsonl' for s in ('seed', 'test', 'pool')}
    tiny_student(t, t.read(files['seed']) + t.read(files['pool']), tmp_path / 'tiny')
    r = cli('run', '--task', 'casehold', '--seed-file', files['seed'], '--test-file', files['test'], '--model',
            tmp_path / 'tiny', '--teacher', 'pool', '--teacher-pool-file', files['pool'], '--run-dir', tmp_path / 'run',
            '--iterations', '2', '--epochs', '1', '--quiet')
    assert r.returncode == 0, r.stderr
    m = [json.loads((tmp_path / 'run' / f'iter_{i:03d}' / 'metrics.json').read_text()) for i in range(2)]
    gen = _jsonl(tmp_path / 'run' / 'iter_000' / 'generated.jsonl')
    assert m[0]['n_wrong'] == len(gen) + m[0]['n_rejected'] and m[1]['train_size'] == 30 + len(gen)
    assert all(set(g) >= {'context', 'option_0', 'option_4', 'label', 'parent', 'teacher'} for g in gen)
