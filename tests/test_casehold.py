"""CaseHOLD as a multiple-choice task: the published shape reads, bad lines are `DataError`s at their line and field,
a teacher's bad items are counted rejections with their reasons, the student's choice is read from what small
models write, and the loop runs on the hand-written fixture with the pool teacher and a tiny student."""
import json
from dataclasses import replace
from pathlib import Path
import pytest
from llm2llm.choice import MultipleChoiceTask
from llm2llm.records import DataError, read_jsonl

DATA = Path(__file__).parent.parent / 'nbs' / 'data'
TASK = MultipleChoiceTask()
ROW = {'context': 'The officers searched the truck without a warrant. See Harlan v. State (<HOLDING>).',
       'endings': ['holding that a will needs two witnesses', 'holding that a car may be searched on probable cause',
                   'holding that a lease must be in writing', 'holding that hearsay is inadmissible',
                   'holding that a guilty plea must be voluntary'], 'label': 1}


def _file(tmp_path, *rows, name='cases.jsonl'):
    p = tmp_path / name
    p.write_text(''.join(json.dumps(r) + '\n' for r in rows))
    return p


def test_the_published_shape_reads_with_ids_from_lines(tmp_path, caplog):
    [e] = TASK.read(_file(tmp_path, ROW))
    assert (e.id, e.target, e.inputs['context'], e.inputs['option_1']) == \
        ('cases:1', '1', ROW['context'], ROW['endings'][1])
    assert 'lines without an id: 1 of 1' in caplog.text
    assert [len(TASK.read(DATA / f'casehold_fixture_{s}.jsonl')) for s in ('seed', 'test', 'pool')] == [30, 30, 60]


@pytest.mark.parametrize('change, where', [
    ({'endings': ROW['endings'][:4]}, "field 'endings': expected 5 options, got 4"),               # a missing option
    ({'endings': ROW['endings'][:2] + [''] + ROW['endings'][3:]}, "field 'endings': option 2 is empty"),
    ({'endings': 'holding that...'}, "field 'endings': expected a list of 5 options, got str"),
    ({'label': 7}, "field 'label': label 7 is out of range 0..4"),
    ({'label': -1}, "field 'label': label -1 is out of range 0..4"),
    ({'label': 'B'}, "field 'label': expected an option index, got 'B'"),
    ({'label': None}, "field 'label': expected an option index, got None"),
    ({'context': ''}, "field 'context': empty value"),
    ({'context': None}, "field 'context': expected a string, got NoneType"),
])
def test_bad_lines_name_file_line_and_field(tmp_path, change, where):
    p = _file(tmp_path, ROW, {**ROW, **change})
    with pytest.raises(DataError, match='cases.jsonl:2 ' + where.replace('(', r'\(').replace('.', r'\.')):
        TASK.read(p)


def test_missing_context_or_label(tmp_path):
    with pytest.raises(DataError, match="cases.jsonl:1 field 'context': missing field"):
        TASK.read(_file(tmp_path, {k: v for k, v in ROW.items() if k != 'context'}))
    with pytest.raises(DataError, match="cases.jsonl:1 field 'label': missing field"):
        TASK.read(_file(tmp_path, {k: v for k, v in ROW.items() if k != 'label'}))


GOOD = 'Context: c (<HOLDING>).\n0. a\n1. b\n2. c\n3. d\n4. e\nAnswer: 3'


@pytest.mark.parametrize('item, reason', [
    (GOOD.replace('4. e\n', ''), 'option_count'),                       # a missing option
    (GOOD.replace('0. a\n', '0. a\n5. f\n'), 'option_count'),             # one too many
    (GOOD.replace('Answer: 3', 'Answer: 5'), 'answer_out_of_range'),     # the index of no option
    (GOOD.replace('4. e', '4. B'), 'duplicate_options'),
    (GOOD.replace('Answer: 3', 'Answer:'), 'no_answer'),                 # an empty answer
    (GOOD.replace('\nAnswer: 3', ''), 'no_answer'),
    (GOOD.replace('1. b', '1.'), 'empty_input'),
    (GOOD.replace('c (<HOLDING>).', ''), 'empty_input'),
])
def test_a_bad_item_is_counted_with_its_reason_and_the_good_ones_kept(item, reason):
    got, bad = TASK.parse_reply(f'{GOOD}\n\n{item}\n\n{GOOD.replace("Answer: 3", "Answer: (0)")}')
    assert [e.target for e in got] == ['3', '0'] and {e.source for e in got} == {'generated'}
    assert [r.reason for r in bad] == [reason]


def test_a_truncated_reply_loses_only_its_last_item():
    got, bad = TASK.parse_reply(f'{GOOD}\n\n{GOOD}\n\nContext: d (<HOLDING>).\n0. a\n1. b', truncated=True)
    assert (len(got), [r.reason for r in bad]) == (2, ['truncated'])
    assert [r.reason for r in TASK.parse_reply('Sorry, I cannot.')[1]] == ['no_example_found']


def test_the_choice_small_models_write():
    said = {'2': '2', ' 2': '2', '(2)': '2', 'Option 2': '2', '2.': '2', '2) holding that ...': '2', 'Answer: 2': '2',
            '': None, '7': None, '12': None, '-1': None, 'B': None, 'holding that a lease must be in writing': None}
    assert {s: TASK.answer(s) for s in said} == said


def test_render_round_trips_through_parse_reply():
    for e in TASK.read(DATA / 'casehold_fixture_test.jsonl'):
        [got], bad = TASK.parse_reply(TASK.render(e))
        assert bad == [] and (got.inputs, got.target) == (e.inputs, e.target)


# ---- end to end: the loop on the fixture with the pool teacher and a tiny student ----

def test_the_loop_with_the_pool_teacher_on_the_fixture(tmp_path):
    from llm2llm.loop import LoopConfig, run_loop
    from llm2llm.models import tiny_student
    from llm2llm.pool_teacher import PoolTeacher
    seeds, test, pool = (TASK.read(DATA / f'casehold_fixture_{s}.jsonl') for s in ('seed', 'test', 'pool'))
    cfg = replace(tiny_student(TASK, seeds + pool, tmp_path / 'tiny'), epochs=1)
    run = tmp_path / 'run'
    res = run_loop(TASK, cfg, PoolTeacher(TASK, pool, 'casehold_fixture_pool'), seeds, test[:10], run,
                   LoopConfig(iterations=2))
    assert len(res.metrics) == 2
    preds = [json.loads(l) for l in (run / 'iter_000' / 'pred_seed.jsonl').read_text().splitlines()]
    wrong = {p['id'] for p in preds if p['error']}
    gen = read_jsonl(run / 'iter_000' / 'generated.jsonl', TASK.input_fields, TASK.target_field)
    assert wrong and len(gen) == len(wrong)          # one pool item per wrong seed (k=1), none refused
    assert {g.parent for g in gen} == wrong
    assert {(g.iteration, g.teacher, g.source) for g in gen} == {(0, 'pool:casehold_fixture_pool', 'generated')}
    assert all((g.inputs, g.target) in [(p.inputs, p.target) for p in pool] for g in gen)
    # the next iteration trains on the seeds and the generated items, and its train.jsonl reads back as them
    again = read_jsonl(run / 'iter_001' / 'train.jsonl', TASK.input_fields, TASK.target_field)
    assert again == seeds + gen
    assert TASK.read(run / 'iter_001' / 'train.jsonl') == again
