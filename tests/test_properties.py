"""Property-based tests (hypothesis) of everything that reads text it did not write: every task's `parse_reply`
(a teacher's reply), `answer` and `judge` (a student's generation), `parse_number`, `check_steps` and
`first_wrong_step`, the teacher prompts (a student's answer), the records parser, the teacher's `_parse` and
`ask_teacher`, the OpenAI teacher's handling of a server's reply, the replay cache's loader and the simulated
teacher's template matching.

Each takes any text (unicode, control characters, very long lines, the format's own markers in odd places) without
raising; accepts only well-formed examples (they read back as themselves); turns each malformed item into a counted
rejection with its reason; and reads back every well-formed example that the task's own `render` wrote.
The draws are derandomized, so CI tries the same inputs every time (`fast(n)`: n of them per test and task); set
LLM2LLM_PROPERTY_SCALE=20 to try twenty times as many, drawn at random, when changing a parser."""
import json, os, random, re, tempfile
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
import httpx, openai, pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from llm2llm.records import Example, DataError, parse_record, read_jsonl, write_jsonl
from llm2llm.runs import _jsonl
from llm2llm.tasks import ClassificationTask, Rejected, make_task
from llm2llm.math_tasks import (MathTask, parse_number, format_number, check_steps, strip_annotations, gsm8k_task,
                                first_wrong_step)
from llm2llm.choice import MultipleChoiceTask, _norm
from llm2llm.synthetic import IntentTask, ArithmeticTask
from llm2llm.loaders import DATASETS, _task_for
from llm2llm.teacher import TeacherRequest, TeacherReply, _parse, ask_teacher
from llm2llm.teacher_prompts import TEACHER_PROMPTS, resolve_teacher_prompt
from llm2llm.openai_teacher import OpenAITeacher
from llm2llm.llm_teachers import ReplayCache

SCALE = int(os.environ.get('LLM2LLM_PROPERTY_SCALE', '1'))


def fast(n: int):
    "Settings for a property tried on `n` inputs: derandomized (the same inputs in every CI run) unless scaled up."
    def deco(f):
        return settings(max_examples=n * SCALE, deadline=timedelta(seconds=5), derandomize=SCALE == 1,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                        database=None)(f)
    return deco


# --- the tasks: every kind, as the loaders and `make_task` build them -----------------------------------------------

BUILT = {name: _task_for(name, spec) for name, spec in DATASETS.items()}   # the tasks `load_task_data` makes
TASKS = {'trec': BUILT['trec'],                    # classification with glossed labels (snips and sst2 are the same kind)
         'trec-fine': BUILT['trec-fine'],          # 50 bare labels with colons in them
         'intents': IntentTask(),                  # the synthetic task: its own names for the input and the cue
         'classification': make_task('classification', labels='positive,negative'),
         'gsm8k': BUILT['gsm8k'], 'gsm8k-annotated': gsm8k_task(annotations=True), 'arithmetic': ArithmeticTask(),
         'casehold': BUILT['casehold'], 'choice3': MultipleChoiceTask(n_options=3)}


def _markers(task) -> list[str]:
    "The pieces of text a task's parser looks for, and some that confuse parsers: to scatter through random text."
    common = ['\n', '\n\n', ' ', ':', '**', '"', '(', ')', '[', ']', '-', '#', '####', '<<', '>>', '=', '*', '/', '.',
              '$', ',', '0', '1', '2', '7', '10', '-3', '1/3', '2.50', '\u2028', '\x00', '\r\n', 'é', '十', '🙂']
    if isinstance(task, ClassificationTask):
        return common + [f'{task.input_name}:', f'{task.cue}:', task.input_name.upper() + ' :', *task.labels,
                         *[f'{l} ({d})' for l, d in task.descriptions.items()], 'Label', 'unknown_label']
    if isinstance(task, MathTask):
        return common + ['Question:', 'Question 2:', 'Problem:', 'Answer:', '#### 7', '3 * 4 = 12', '12 - 5 = 7',
                         '<<3*4=12>>', '2 + 2 = 5', ' x ', '(', '1 + 1 + 1 = 3']
    return common + [f'{task.context_name}:', '**Context 2:**', 'Answer:', 'Answer: 2', 'Answer: 9', 'Option 1',
                     '0. ', '1) ', '(2) ', '3: ', '4] ', '<HOLDING>', 'the answer is 3']


def input_text(task) -> st.SearchStrategy[str]:
    "Any text: arbitrary unicode, the task's markers in odd places, and very long lines."
    pieces = st.one_of(st.text(max_size=30), st.sampled_from(_markers(task)))
    long = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=8), st.integers(50, 1000))
    return st.one_of(st.text(), st.lists(pieces, max_size=40).map(''.join), long,
                     st.lists(st.one_of(pieces, long), max_size=4).map(''.join))


LINE = st.characters(blacklist_categories=('Cc', 'Cs', 'Zl', 'Zp'))   # what a line of a teacher's reply holds


def _line(min_size=1, max_size=60, alphabet=LINE) -> st.SearchStrategy[str]:
    "One line of text, without surrounding whitespace."
    return st.text(alphabet, min_size=min_size, max_size=max_size).map(str.strip).filter(bool)


EDGES = ['', '"', "'", '*', '**', '(', ')', '#', '-', ':', '1. ', '?', '…']


def _quoted(s: str) -> bool: return len(s) > 1 and s[0] == s[-1] == '"' and '"' not in s[1:-1]


def _input(max_size=60) -> st.SearchStrategy[str]:
    """An input a teacher may write: one line, its ends sometimes quoted, starred or numbered; not one quoted text,
    whose quotes are the teacher's and come off."""
    edged = st.builds(lambda a, s, b: (a + s + b).strip(), st.sampled_from(EDGES), _line(max_size=max_size),
                      st.sampled_from(EDGES))
    return st.one_of(_line(max_size=max_size), edged).filter(lambda s: not _quoted(s))


# --- what a well-formed example is, for each kind of task ----------------------------------------------------------

def _same(task, a: Example, b: Example) -> bool:
    "Are `a` and `b` the same example to the task (inputs, and the target as the student learns to write it)?"
    return a.inputs == b.inputs and task.target_text(a) == task.target_text(b)


def _assert_well_formed(task, ex: Example, label: str | None = None):
    "An accepted example: the task's fields, non-empty; it passes the task's checks and reads back as itself."
    assert isinstance(ex, Example) and ex.source == 'generated'
    assert list(ex.inputs) == list(task.input_fields), ex.inputs
    assert all(isinstance(v, str) and v and v == v.strip() for v in ex.inputs.values()), ex.inputs
    assert isinstance(ex.target, str) and ex.target.strip()
    task.check(ex)                                   # the checks a seed file passes: label known, '#### n', index
    if isinstance(task, ClassificationTask):
        assert ex.target in task.labels and label in (None, ex.target)
        assert '\n' not in ex.inputs[task.input_fields[0]]
    elif isinstance(task, MathTask):
        steps, final = ex.target.split('####')
        n = parse_number(final)
        assert format_number(n) == final.strip() == task.answer(ex.target)
        assert check_steps(steps, n) is None
    else:
        assert ex.target in {str(i) for i in range(task.n_options)}
        assert len({_norm(v) for k, v in ex.inputs.items() if k != 'context'}) == task.n_options
    assert task.judge(task.target_text(ex), ex)      # its own answer is judged right
    row = json.loads(json.dumps({**ex.to_dict(task.target_field), 'id': 'g0-s1-0'}))   # `ask_teacher` gives the id
    again = parse_record(row, task.input_fields, task.target_field)
    assert again.inputs == ex.inputs and again.target == ex.target        # it is written and read back unchanged
    got, bad = task.parse_reply(task.render(ex), label=label)              # and the task reads its rendering back
    assert bad == [] and len(got) == 1 and _same(task, got[0], ex), (task.render(ex), got, bad)


def _assert_parsed(task, got, bad, label=None):
    assert isinstance(got, list) and isinstance(bad, list)
    assert got or bad                                # every reply is accounted for: examples, or why there are none
    for r in bad: assert isinstance(r, Rejected) and isinstance(r.reason, str) and r.reason and isinstance(r.text, str)
    for e in got: _assert_well_formed(task, e, label)


# --- arbitrary text into every parser ------------------------------------------------------------------------------

@pytest.mark.parametrize('name', list(TASKS))
@fast(40)
@given(data=st.data(), truncated=st.booleans())
def test_parse_reply_takes_any_text(name, data, truncated):
    task = TASKS[name]
    text = data.draw(input_text(task))
    label = data.draw(st.sampled_from([None, *task.labels])) if isinstance(task, ClassificationTask) else None
    got, bad = task.parse_reply(text, truncated=truncated, label=label)
    _assert_parsed(task, got, bad, label)
    if truncated: assert 'truncated' in [r.reason for r in bad]   # a cut reply always says so


@pytest.mark.parametrize('name', list(TASKS))
@fast(40)
@given(data=st.data())
def test_answer_and_judge_take_any_text(name, data):
    task = TASKS[name]
    text = data.draw(input_text(task))
    got = task.answer(text)
    assert got is None or isinstance(got, str)
    if isinstance(task, ClassificationTask): assert got is None or got in task.labels
    elif isinstance(task, MathTask): assert got is None or format_number(parse_number(got)) == got
    else: assert got is None or got in {str(i) for i in range(task.n_options)}
    ex = data.draw(_example(task))
    assert task.judge(text, ex) in (True, False)
    assert task.judge(task.target_text(ex), ex) is True
    end = task.answer_end(text)
    assert end is None or 0 < end <= len(text)


@fast(200)
@given(st.one_of(st.text(), st.sampled_from(['1/0', '0/0', '-$.5', '$-3', '1,,2', '7 / 0.0', '−4', '1e9', '٣']),
                 st.builds(lambda s, n: s * n, st.sampled_from(['9', '1,', '0.', '1/']), st.integers(100, 6000))))
def test_parse_number_takes_any_text(s):
    n = parse_number(s)
    assert n is None or isinstance(n, Fraction)
    if n is not None: assert parse_number(format_number(n)) == n


@fast(200)
@given(st.fractions(max_denominator=10 ** 12).filter(lambda x: abs(x) < 10 ** 15))
def test_numbers_round_trip(x):
    assert parse_number(format_number(x)) == x
    assert MathTask().answer(f'so the answer is\n#### {format_number(x)}') == format_number(x)


@fast(100)
@given(data=st.data())
def test_check_steps_takes_any_text(data):
    text = data.draw(input_text(TASKS['gsm8k']))
    why = check_steps(text, data.draw(st.fractions()))
    assert why is None or isinstance(why, str)
    assert isinstance(strip_annotations(text), str)
    where = first_wrong_step(text, data.draw(input_text(TASKS['gsm8k'])))
    assert where is None or isinstance(where, str)


# --- well-formed replies round-trip; malformed items are counted ----------------------------------------------------

WORDS = _line(alphabet=st.characters(whitelist_categories=('L', 'Zs'), whitelist_characters=",.'?!;-"))


@st.composite
def _steps(draw) -> tuple[str, Fraction | None]:
    "Right arithmetic, one step a line between words, and the last value it works out (None: no step)."
    lines, last = [], None
    for _ in range(draw(st.integers(0, 4))):
        a, b = draw(st.integers(0, 999)), draw(st.integers(1, 99))
        op = draw(st.sampled_from('+-*/'))
        val = {'+': a + b, '-': a - b, '*': a * b, '/': Fraction(a, b)}[op]
        note = f'<<{a}{op}{b}={format_number(val)}>>' if draw(st.booleans()) else ''
        if op == '/' and Fraction(val).denominator != 1 and Fraction(f'{float(val):.2f}') != val: note = ''
        lines.append(f'{draw(WORDS)} has {a} {op} {b} = {note}{format_number(val)} {draw(WORDS)}.'); last = val
    if not lines or draw(st.booleans()): lines.append(draw(WORDS))   # a line of words only
    return '\n'.join(lines), last


def _example(task) -> st.SearchStrategy[Example]:
    "A well-formed example of `task`, as the teacher should write it."
    if isinstance(task, ClassificationTask):
        return st.builds(lambda t, l: Example('', {task.input_fields[0]: t}, l, source='generated'),
                         _input(), st.sampled_from(task.labels))
    if isinstance(task, MathTask):
        @st.composite
        def math(draw):
            steps, last = draw(_steps())
            n = last if last is not None else draw(st.fractions(max_denominator=100).filter(lambda x: abs(x) < 10 ** 6))
            return Example('', {task.input_fields[0]: draw(_input())}, f'{steps}\n#### {format_number(n)}',
                           source='generated')
        return math()
    opts = st.lists(_input(), min_size=task.n_options, max_size=task.n_options, unique_by=_norm)
    return st.builds(lambda c, o, i: Example('', {'context': c, **dict(zip(task.input_fields[1:], o))}, str(i),
                                             source='generated'),
                     _input(max_size=200), opts, st.integers(0, task.n_options - 1))


@pytest.mark.parametrize('prompt', list(TEACHER_PROMPTS))
@pytest.mark.parametrize('name', list(TASKS))
@fast(15)
@given(data=st.data())
def test_teacher_prompts_take_any_student_answer(name, prompt, data):
    "Every teacher prompt asks about any seed with any answer the student wrote (or none), keeping the task's rules."
    task = TASKS[name]
    seed, k = data.draw(_example(task)), data.draw(st.integers(1, 5))
    msgs = resolve_teacher_prompt(prompt)(task, seed, k, data.draw(st.none() | input_text(task)))
    assert msgs[-1]['role'] == 'user' and all(isinstance(m['content'], str) and m['content'] for m in msgs)
    assert msgs[:-1] == task.teacher_messages(seed, k)[:-1]



def _names(task) -> list[str]:
    "The names that start the lines of the task's format."
    if isinstance(task, ClassificationTask): return [task.input_name, task.cue]
    return ['Question', 'Answer'] if isinstance(task, MathTask) else [task.context_name, 'Answer']


def _styled(task, text: str, style: str) -> str:
    "`text` with the names that start its lines styled as LLM teachers write them: '**Answer:**', '- Answer:'."
    for n in _names(task): text = re.sub(rf'^{re.escape(n)}:', style.format(f'{n}:'), text, flags=re.M)
    return text


@pytest.mark.parametrize('name', list(TASKS))
@fast(30)
@given(data=st.data(), sep=st.sampled_from(['\n\n', '\n', '\n\n---\n\n']),
       style=st.sampled_from(['{}', '{}', '**{}**', '- {}', '### {}']))
def test_well_formed_replies_round_trip(name, data, sep, style):
    task = TASKS[name]
    label = data.draw(st.sampled_from(task.labels)) if isinstance(task, ClassificationTask) else None
    exs = data.draw(st.lists(_example(task) if label is None else _example(task).map(lambda e: Example('', e.inputs, label, source='generated')),
                             min_size=1, max_size=4))
    reply = _styled(task, sep.join(task.render(e) for e in exs), style)
    got, bad = task.parse_reply(reply, label=label)
    assert bad == [] and len(got) == len(exs), (reply, got, bad)
    for g, e in zip(got, exs):
        assert _same(task, g, e), (g, e)
        _assert_well_formed(task, g, label)
    got, bad = task.parse_reply(reply, truncated=True, label=label)   # cut by the length limit: the last goes
    assert [r.reason for r in bad] == ['truncated'] and len(got) == len(exs) - 1


@st.composite
def _malformed(draw, task, label: str | None) -> tuple[str, str]:
    "A malformed item in the task's format, and the reason it must be rejected with."
    ok = draw(_example(task))
    if isinstance(task, ClassificationTask):
        name, cue = task.input_name, task.cue
        how = draw(st.sampled_from(['unknown_label', 'empty_input'] + (['label_mismatch'] if len(task.labels) > 1 else [])))
        if how == 'unknown_label':
            bad = draw(st.just('') | _line(alphabet='abcdefghijklmnopqrstuvwxyz ').filter(lambda s: task.answer(s) is None))
            return f'{name}: {ok.inputs[task.input_fields[0]]}\n{cue}: {bad}', how
        if how == 'empty_input': return f'{name}: \n{cue}: {label}', how
        return f'{name}: {ok.inputs[task.input_fields[0]]}\n{cue}: {draw(st.sampled_from([l for l in task.labels if l != label]))}', how
    if isinstance(task, MathTask):
        q, (steps, final) = ok.inputs[task.input_fields[0]], ok.target.split('####')
        how = draw(st.sampled_from(['answer_count', 'final_number_count', 'empty_input', 'final_not_a_number',
                                    'inconsistent_steps']))
        if how == 'answer_count': return f'Question: {q}', how
        if how == 'final_number_count': return f'Question: {q}\nAnswer: {steps}' + draw(st.sampled_from(['', f'\n#### {final}\n#### {final}'])), how
        if how == 'empty_input': return f'Question:\nAnswer: {ok.target}', how
        if how == 'final_not_a_number': return f'Question: {q}\nAnswer: {steps}#### {draw(WORDS)}', how
        a, b = draw(st.integers(0, 99)), draw(st.integers(0, 99))
        return f'Question: {q}\nAnswer: {a} + {b} = {a + b + draw(st.integers(1, 9))}\n#### {a + b}', how
    opts = [ok.inputs[f] for f in task.input_fields[1:]]
    how = draw(st.sampled_from(['option_count', 'duplicate_options', 'answer_out_of_range', 'no_answer', 'empty_input']))
    ctx, ans = ok.inputs['context'], ok.target
    if how == 'option_count': opts = opts[:-1]
    if how == 'duplicate_options': opts[-1] = ' '.join(opts[0].split())
    if how == 'answer_out_of_range': ans = str(task.n_options + draw(st.integers(0, 50)))
    if how == 'empty_input': ctx = ''
    body = f'Context: {ctx}' + ''.join(f'\n{i}. {o}' for i, o in enumerate(opts))
    return body + ('' if how == 'no_answer' else f'\nAnswer: {ans}'), how


@pytest.mark.parametrize('name', list(TASKS))
@fast(30)
@given(data=st.data())
def test_malformed_items_are_counted_rejections(name, data):
    task = TASKS[name]
    label = data.draw(st.sampled_from(task.labels)) if isinstance(task, ClassificationTask) else None
    good = data.draw(st.lists(_example(task), max_size=3))
    if label is not None: good = [Example('', e.inputs, label, source='generated') for e in good]
    bad_items = data.draw(st.lists(_malformed(task, label), min_size=1, max_size=3))
    items = [(task.render(e), None) for e in good] + bad_items
    items = data.draw(st.permutations(items))
    got, bad = task.parse_reply('\n\n'.join(t for t, _ in items), label=label)
    assert len(got) == len(good), (items, got, bad)
    assert sorted(r.reason for r in bad) == sorted(w for _, w in bad_items), (items, bad)
    for g in got: _assert_well_formed(task, g, label)


@fast(100)
@given(labels=st.lists(_line(max_size=12), min_size=1, max_size=6, unique=True), data=st.data())
def test_any_label_set_judges_its_own_labels(labels, data):
    "A classification task made from any labels either refuses them or tells each of them apart."
    try: task = ClassificationTask(labels=labels)
    except ValueError: return
    for l in labels: assert task.answer(l) == l and task.answer(f' {l}\nmore') == l
    assert task.answer('') is None and task.answer(data.draw(st.text())) in (None, *labels)


# --- the records parser --------------------------------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4), max_leaves=12)
FIELDS = ['id', 'text', 'label', 'source', 'parent', 'iteration', 'teacher', 'teacher_prompt', 'meta']


GOOD_ROW = {'id': 'a1', 'text': 'play some jazz', 'label': 'PlayMusic'}


@fast(200)
@given(st.one_of(JSON, st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), JSON, max_size=8),
                 st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=3).map(lambda d: {**GOOD_ROW, **d})))
def test_parse_record_takes_any_json(d):
    try: e = parse_record(d, ['text'], 'label', path='f.jsonl', line=3)
    except DataError as err:
        assert str(err).startswith('f.jsonl:3'); return
    assert all(isinstance(v, str) and v.strip() for v in [e.id, e.target, *e.inputs.values()])
    assert e.source in ('seed', 'generated')
    assert e.iteration is None or type(e.iteration) is int
    assert all(v is None or isinstance(v, str) for v in (e.parent, e.teacher, e.teacher_prompt))


META = st.dictionaries(st.text(max_size=8).filter(lambda k: k not in FIELDS), JSON, max_size=3)
@fast(100)
@given(st.builds(Example, _line(max_size=20), st.fixed_dictionaries({'text': _line()}), _line(max_size=20),
                 st.sampled_from(['seed', 'generated']), st.none() | _line(max_size=20), st.none() | st.integers(0, 99),
                 st.none() | _line(max_size=20), st.none() | st.sampled_from(['paper', 'mistake', 'contrast']), META))
def test_records_round_trip(ex):
    d = json.loads(json.dumps(ex.to_dict('label')))
    assert parse_record(d, ['text'], 'label') == ex


@fast(60)
@given(st.one_of(st.binary(max_size=300), input_text(TASKS['intents']).map(str.encode),
                 st.lists(JSON.map(json.dumps), max_size=5).map(lambda ls: '\n'.join(ls).encode()),
                 st.integers(1, 100_000).map(lambda n: b'[' * n), st.sampled_from([b'\xff\xfe{}', '{"text": "caf\xe9"}'.encode('latin-1')])))
def test_reading_any_file_gives_examples_or_a_data_error(raw):
    task = IntentTask()
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / 'seed.jsonl'; p.write_bytes(raw)
        try: exs = task.read(p)
        except DataError as err:
            assert 'seed.jsonl' in str(err); return
    for e in exs: assert e.target in task.labels and e.inputs['text'].strip()


@fast(60)
@given(st.lists(st.dictionaries(st.text(max_size=5), JSON, max_size=4), max_size=4))
def test_run_folder_files_read_back(rows):
    "What the loop writes into a run folder (teacher text included) is what the run folder's reader reads."
    with tempfile.TemporaryDirectory() as d:
        write_jsonl(Path(d) / 'rejected.jsonl', rows)
        assert _jsonl(Path(d) / 'rejected.jsonl') == [r for r in rows]


# --- the teacher's side: _parse, ask_teacher, the OpenAI reply, the replay cache, the simulated teacher --------------

def _request(task, seed: Example, k=2, iteration=0) -> TeacherRequest:
    return TeacherRequest(seed, k, iteration, task.teacher_messages(seed, k))


@pytest.mark.parametrize('name', ['intents', 'trec', 'gsm8k', 'casehold'])
@fast(40)
@given(data=st.data(), truncated=st.booleans(), error=st.none() | st.text(max_size=20))
def test_teacher_parse_takes_any_reply(name, data, truncated, error):
    task = TASKS[name]
    seed = data.draw(_example(task)); seed.id = 's1'
    req = _request(task, seed)
    got, bad = _parse(task, req, TeacherReply(data.draw(input_text(task)), truncated, error=error))
    _assert_parsed(task, got, bad, seed.target if isinstance(task, ClassificationTask) else None)
    assert all(r.parent == 's1' for r in bad)
    if error is not None: assert got == [] and [r.reason for r in bad] == ['request_failed']


SPLITS = TASKS['intents'].make_splits(n_seed=21, n_test=14, n_total=70, seed=0)


class _Scripted:
    "A duck-typed teacher that answers each request with the next of `texts`."
    name = 'scripted'
    def __init__(self, texts): self.texts = texts
    def generate(self, reqs): return [TeacherReply(t) for t, _ in zip(self.texts, reqs)]


@fast(30)
@given(data=st.data())
def test_ask_teacher_takes_any_replies(data):
    task, seeds = TASKS['intents'], SPLITS
    wrong = seeds['seed'][:3]
    texts = [data.draw(st.one_of(input_text(task), st.lists(_example(task), max_size=3).map(
        lambda es: '\n\n'.join(task.render(e) for e in es)))) for _ in wrong]
    gen = ask_teacher(_Scripted(texts), task, wrong, 2, 1, known=seeds['seed'], test=seeds['test'],
                      dedup=0.9, contamination=0.9)
    for e in gen.examples:
        assert e.parent in {s.id for s in wrong} and e.iteration == 1 and e.teacher == 'scripted'
        assert e.target == next(s.target for s in wrong if s.id == e.parent)
        _assert_well_formed(task, e, e.target)
    assert len({e.id for e in gen.examples}) == len(gen.examples)
    assert all(r.parent in {s.id for s in wrong} for r in gen.rejected)


BODY = st.one_of(
    st.binary(max_size=100),
    JSON.map(lambda j: json.dumps(j).encode()),
    st.builds(lambda content, finish, usage, choices: json.dumps(
        {'id': 'x', 'object': 'chat.completion', 'created': 0, 'model': 'm', 'usage': usage,
         'choices': choices if choices is not None else
         [{'index': 0, 'finish_reason': finish, 'message': {'role': 'assistant', 'content': content}}]}).encode(),
        JSON, st.none() | st.sampled_from(['stop', 'length']) | st.text(max_size=5),
        st.none() | st.dictionaries(st.sampled_from(['prompt_tokens', 'completion_tokens', 'total_tokens']), JSON),
        st.none() | JSON))


@fast(40)
@given(body=BODY, status=st.sampled_from([200, 200, 200, 400, 429, 500, 503]))
def test_openai_teacher_takes_any_server_reply(body, status):
    "Whatever an OpenAI-compatible server sends back, the teacher returns a reply: text, or an error in words."
    task = TASKS['intents']
    seed = Example('s1', {'text': 'play some jazz'}, 'PlayMusic')
    t = OpenAITeacher('fake-model', base_url='http://fake.invalid/v1', cache=None, max_attempts=1, price=(0.5, 1.5))
    t._client = openai.OpenAI(base_url=t.base_url, api_key='sk-none', max_retries=0, http_client=httpx.Client(
        transport=httpx.MockTransport(lambda req: httpx.Response(status, content=body,
                                                                 headers={'content-type': 'application/json'}))))
    t.progress = lambda *a: None
    [rep] = t.generate([_request(task, seed)])
    assert isinstance(rep.text, str) and isinstance(rep.truncated, bool)
    assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rep.usage.values()), rep.usage
    assert rep.error is None or (isinstance(rep.error, str) and rep.text == '')
    if status != 200: assert rep.error is not None
    _assert_parsed(task, *_parse(task, _request(task, seed), rep), 'PlayMusic')


@fast(60)
@given(st.lists(st.one_of(JSON.map(json.dumps), st.text(max_size=40),
                          st.dictionaries(st.sampled_from(['key', 'text', 'truncated', 'usage']), JSON).map(json.dumps),
                          st.builds(lambda t: json.dumps({'key': 'k', 'text': t}), JSON)), max_size=6),
       st.booleans())
def test_the_replay_cache_loads_any_file(lines, torn):
    "A cache file with any lines loads; every record it keeps replays as a reply with text."
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / 'cache.jsonl'
        p.write_text('\n'.join(lines) + ('' if torn else '\n'), encoding='utf-8')
        c = ReplayCache(p)
        t = OpenAITeacher('m', base_url='http://fake.invalid/v1', cache=c)
        for rec in c:
            rep = t._replay(rec['key'])
            assert isinstance(rep.text, str) and isinstance(rep.truncated, bool)
        c.put('new', {'text': 'x'})
        assert ReplayCache(p).get('new')['text'] == 'x'


@fast(60)
@given(st.lists(st.tuples(st.text(max_size=10), st.text(), st.booleans()), max_size=5))
def test_the_replay_cache_replays_any_reply(calls):
    "Whatever a teacher wrote (U+2028, NEL, NUL...) comes back from the cache file as it was written."
    with tempfile.TemporaryDirectory() as d:
        c = ReplayCache(Path(d) / 'cache.jsonl')
        for key, text, cut in calls: c.put(key, {'text': text, 'truncated': cut})
        back = ReplayCache(c.path)
        assert {k: (r['text'], r['truncated']) for k, r in ((k, back.get(k)) for k, _, _ in calls)} == \
               {k: (t, cut) for k, t, cut in calls}


@pytest.mark.parametrize('name', ['intents', 'arithmetic'])
@fast(50)
@given(data=st.data())
def test_the_simulated_teacher_takes_any_seed(name, data):
    "The simulated teacher's template matching takes any seed text: new examples of the seed's kind, or none."
    task = TASKS[name]
    text = data.draw(st.one_of(_line(max_size=300), input_text(task).map(str.strip).filter(bool)))
    target = data.draw(st.sampled_from(task.labels)) if name == 'intents' else '1 + 1 = 2\n#### 2'
    new = task.rewrite(Example('s', {task.input_fields[0]: text}, target), 2, random.Random(0))
    for e in new:
        e.source = 'generated'
        _assert_well_formed(task, e, target if name == 'intents' else None)
