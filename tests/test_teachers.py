"""The OpenAI-compatible teacher against a scripted local server: rate limits, server errors, timeouts, malformed
JSON, empty and badly formatted replies; nothing is lost and the loop goes on; a second run replays from the cache."""
import hashlib, json, re, time
import pytest
from fake_openai import FakeOpenAI, completion
from llm2llm.records import Example
from llm2llm.synthetic import IntentTask
from llm2llm.teacher import ask_teacher
from llm2llm.openai_teacher import OpenAITeacher
from llm2llm.llm_teachers import TeacherError, ReplayCache

FILTERS = dict(dedup=0.9, contamination=0.9)   # ask_teacher's thresholds (the loop's are in LoopConfig)

OK = 'Utterance: add {} to my road trip playlist\nIntent: AddToPlaylist'

# marker in the seed text -> (what the server does on attempt n, what the loop must end up with)
def _script(prompt, n, body):
    seed = prompt.split('\n')[0]
    ok = ('json', 200, completion(OK.format(seed.split()[-1] + ' song'), body['model']))
    if 'm429' in seed: return ('json', 429, {'error': {'message': 'rate limited'}}, {'Retry-After': '0.01'}) if n == 1 else ok
    if 'm503once' in seed: return ('json', 503, {'error': {'message': 'overloaded'}}) if n == 1 else ok
    if 'm500' in seed: return ('json', 500, {'error': {'message': 'boom'}})
    if 'mslowonce' in seed: return ('sleep', 1.5, ok) if n == 1 else ok
    if 'mslow' in seed: return ('sleep', 1.5, ok)
    if 'mbadjsononce' in seed: return ('raw', 200, b'{"choices": [') if n == 1 else ok
    if 'mbadjson' in seed: return ('raw', 200, b'<html>proxy error</html>')
    if 'mnochoices' in seed: return ('json', 200, {'object': 'chat.completion'})
    if 'mempty' in seed: return ('json', 200, completion('', body['model']))
    if 'mformat' in seed: return ('json', 200, completion('Sure! Some ideas: play music, set alarms.', body['model']))
    if 'mlabel' in seed: return ('json', 200, completion('Utterance: will it rain\nIntent: GetWeather', body['model']))
    if 'mcut' in seed:
        return ('json', 200, completion(OK.format('cut song') + '\n\nUtterance: play some', body['model'], finish='length'))
    return ok

EXPECT = {  # marker -> (examples kept, rejection reasons, requests sent)
    'm429': (1, [], 2), 'm503once': (1, [], 2), 'm500': (0, ['request_failed'], 3), 'mslowonce': (1, [], 2),
    'mslow': (0, ['request_failed'], 3), 'mbadjsononce': (1, [], 2), 'mbadjson': (0, ['request_failed'], 3),
    'mnochoices': (0, ['request_failed'], 3), 'mempty': (0, ['empty_reply'], 1), 'mformat': (0, ['no_example_found'], 1),
    'mlabel': (0, ['label_mismatch'], 1), 'mcut': (1, ['truncated'], 1), 'mfine': (1, [], 1)}


def _seeds():
    return [Example(f's{i}', {'text': f'add the tune {m}'}, 'AddToPlaylist') for i, m in enumerate(EXPECT)]


def _teacher(url, cache, **kw):
    return OpenAITeacher('fake-model', base_url=url, cache=cache, timeout=0.5, max_attempts=3, backoff=0.01, concurrency=4, **kw)


def test_faults_are_retried_or_rejected_and_nothing_is_lost(tmp_path):
    task, seeds = IntentTask(), _seeds()
    with FakeOpenAI(_script) as srv:
        gen = ask_teacher(_teacher(srv.url, tmp_path / 'c.jsonl', price=(1.0, 2.0)), task, seeds, k=1, iteration=0, **FILTERS)
    by_parent = {s.id: ([e for e in gen.examples if e.parent == s.id], [r.reason for r in gen.rejected if r.parent == s.id])
                 for s in seeds}
    for s, (marker, (n_ok, reasons, _)) in zip(seeds, EXPECT.items()):
        got, why = by_parent[s.id]
        assert (len(got), why) == (n_ok, reasons), (marker, got, why)
    assert sum(n for _, (_, _, n) in EXPECT.items()) == srv.requests == gen.usage['requests']
    assert gen.usage['failures'] == 4 and gen.usage['calls'] == len(seeds)
    assert gen.usage['retries'] == gen.usage['requests'] - len(seeds)
    ok_calls = len(seeds) - 4   # the answered calls report 50 prompt and 20 completion tokens each
    assert gen.usage['prompt_tokens'] == 50 * ok_calls and gen.usage['completion_tokens'] == 20 * ok_calls
    assert gen.usage['cost_usd'] == pytest.approx((50 * 1.0 + 20 * 2.0) * ok_calls / 1e6)
    failed = {r.text for r in gen.rejected if r.reason == 'request_failed'}
    assert any('HTTP 500' in f for f in failed) and any('no reply within' in f for f in failed) and any('malformed' in f for f in failed)
    # only answered calls are cached: a second round replays them and asks again for the 4 that failed
    assert len(ReplayCache(tmp_path / 'c.jsonl')) == len(seeds) - 4
    with FakeOpenAI(_script) as srv2:
        again = ask_teacher(_teacher(srv2.url, tmp_path / 'c.jsonl'), task, seeds, k=1, iteration=0, **FILTERS)
    assert again.usage['cache_hits'] == len(seeds) - 4 and srv2.requests == 3 + 3 + 3 + 3
    assert [e.to_dict() for e in again.examples] == [e.to_dict() for e in gen.examples]


def test_the_sdk_does_not_retry_a_malformed_reply():
    "Why OpenAITeacher keeps one retry of its own: the SDK retries 5xx, but not a 200 whose body is not a chat completion."
    import openai
    def script(prompt, n, body):
        return {'html': ('raw', 200, b'<html>proxy error</html>'), 'cut': ('raw', 200, b'{"choices": ['),
                'nochoices': ('json', 200, {'object': 'chat.completion'}),
                '503': ('json', 503, {'error': {'message': 'overloaded'}})}[prompt]
    with FakeOpenAI(script) as srv:
        client = openai.OpenAI(base_url=srv.url, api_key='none', max_retries=2)
        def ask(prompt): return client.chat.completions.with_raw_response.create(
            model='m', messages=[{'role': 'user', 'content': prompt}])
        with pytest.raises(openai.InternalServerError): ask('503')
        assert srv.requests == 3                           # the SDK retried the 503 twice
        for prompt in ('html', 'cut'):
            raw = ask(prompt)
            assert raw.retries_taken == 0
            with pytest.raises(json.JSONDecodeError): raw.parse()
        assert not ask('nochoices').parse().choices
        assert srv.requests == 3 + 3                       # ...and sent each malformed one once


def test_a_malformed_reply_is_retried_within_max_attempts():
    "A malformed reply, then server errors: the SDK's retries and ours share `max_attempts` requests in all."
    def script(prompt, n, body):
        return ('raw', 200, b'<html>proxy error</html>') if n == 1 else ('json', 500, {'error': {'message': 'boom'}})
    with FakeOpenAI(script) as srv:
        rep = _teacher(srv.url, None)._one(_one_request())
    assert srv.requests == 3 and rep.usage == {'requests': 3, 'retries': 2}
    assert rep.error.startswith('HTTP 500: boom') and 'after 3 attempts' in rep.error


def _one_request():
    from llm2llm.teacher import TeacherRequest
    seed = _seeds()[0]
    return TeacherRequest(seed, 1, 0, IntentTask().teacher_messages(seed, 1))


def _barrier_round(parties: int, concurrency: int):
    "Each reply waits until `parties` requests are in the server at once (else it is refused)."
    import threading
    barrier = threading.Barrier(parties, timeout=3)
    def script(prompt, n, body):
        try: barrier.wait()
        except threading.BrokenBarrierError: return ('json', 400, {'error': {'message': f'fewer than {parties} requests at once'}})
        song = prompt.split('\n')[0].split()[-1]
        return ('json', 200, completion(f'Utterance: put song {song} on my road trip playlist\nIntent: AddToPlaylist', body['model']))
    seeds = [Example(f'c{i}', {'text': f'add tune {i}'}, 'AddToPlaylist') for i in range(8)]
    with FakeOpenAI(script) as srv:
        teacher = OpenAITeacher('fake-model', base_url=srv.url, cache=None, concurrency=concurrency, max_attempts=1)
        return ask_teacher(teacher, IntentTask(), seeds, k=1, iteration=0, **FILTERS)


def test_requests_run_concurrently_up_to_the_bound():
    gen = _barrier_round(parties=4, concurrency=4)   # one request at a time would never get 4 in at once
    assert len(gen.examples) == 8 and 'failures' not in gen.usage, gen.rejected
    gen = _barrier_round(parties=5, concurrency=4)   # more than `concurrency` at once would let 5 in
    assert not gen.examples and gen.usage['failures'] == 8


@pytest.mark.parametrize('status,words', [(401, 'HTTP 401'), (404, 'HTTP 404')])
def test_a_refused_key_or_unknown_model_stops_at_once(tmp_path, status, words, cli):
    def script(prompt, n, body): return ('json', status, {'error': {'message': 'nope'}})
    with FakeOpenAI(script) as srv:
        with pytest.raises(TeacherError, match=words):
            ask_teacher(_teacher(srv.url, None), IntentTask(), _seeds(), k=1, iteration=0, **FILTERS)
        assert srv.requests <= 4   # the requests already in flight, no retries
        r = cli('demo', '--tiny', '--n-test', '20', '--iterations', '1', '--run-dir', tmp_path / 'run',
                '--teacher', 'openai:fake-model', '--teacher-url', srv.url, '--teacher-cache', 'none')
    assert r.returncode == 2 and words in r.stderr and 'Traceback' not in r.stderr, r.stderr


def test_no_api_key_for_openai_is_a_clear_error(monkeypatch):
    monkeypatch.delenv('OPENAI_API_KEY', raising=False)
    with pytest.raises(TeacherError, match='OPENAI_API_KEY'):
        ask_teacher(OpenAITeacher('gpt-4o-mini', cache=None), IntentTask(), _seeds()[:1], k=1, iteration=0, **FILTERS)


def _loop_script(prompt, n, body):
    "Answers like a teacher that follows the format, with transient faults and some useless replies."
    label = re.search(r'with intent (\w+)\.', prompt).group(1)
    text = prompt.split('\n')[0].removeprefix('Utterance: ')
    h = int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 6
    ok = ('json', 200, completion(f'Utterance: could you {text} for me please\nIntent: {label}', body['model']))
    if h == 0 and n == 1: return ('json', 429, {'error': {'message': 'slow down'}}, {'retry-after-ms': '1'})
    if h == 1 and n == 1: return ('json', 502, {'error': {'message': 'bad gateway'}})
    if h == 2: return ('json', 200, completion('', body['model']))
    if h == 3: return ('json', 200, completion('I am sorry, I cannot help with that.', body['model']))
    return ok


def test_loop_with_http_teacher_goes_on_and_replays_from_cache(tmp_path, cli):
    cache = tmp_path / 'teacher_cache.jsonl'
    args = ['demo', '--tiny', '--n-test', '40', '--teacher', 'openai:fake-model', '--teacher-cache', cache, '--teacher-price', '0.5,1.5']
    with FakeOpenAI(_loop_script) as srv:
        r = cli(*args, '--teacher-url', srv.url, '--run-dir', tmp_path / 'r1')
        assert r.returncode == 0, r.stderr
        first = srv.requests
    assert 'teacher:' in r.stdout and 'from cache' in r.stdout
    s1 = json.loads((tmp_path / 'r1/metrics.json').read_text())
    assert len(s1['iterations']) == 3 and s1['stop_reason'] == 'finished'
    tot = s1['teacher_usage']
    assert tot['requests'] == first > tot['calls'] > 0 and tot['prompt_tokens'] == 50 * tot['calls'] and tot['cost_usd'] > 0
    reasons = {k for m in s1['iterations'] for k in m['rejected_by_reason']}
    assert {'empty_reply', 'no_example_found'} <= reasons
    rejected = [json.loads(l) for m in s1['iterations'] for l in (tmp_path / f"r1/iter_{m['iteration']:03d}/rejected.jsonl").read_text().splitlines()]
    assert len(rejected) == sum(m['n_rejected'] for m in s1['iterations'])
    run = json.loads((tmp_path / 'r1/run.json').read_text())
    assert run['teacher'] == 'openai:fake-model' and run['teacher_config']['sampling']['temperature'] == 1.0
    gens = [json.loads(l) for l in (tmp_path / 'r1/iter_000/generated.jsonl').read_text().splitlines()]
    assert gens and all(g['teacher'] == 'openai:fake-model' and g['iteration'] == 0 and g['parent'] for g in gens)
    # the same run again in a new folder, with a server that counts: not a single request
    with FakeOpenAI(_loop_script) as srv2:
        r = cli(*args, '--teacher-url', srv2.url, '--run-dir', tmp_path / 'r2')
        assert r.returncode == 0, r.stderr
        assert srv2.requests == 0
    s2 = json.loads((tmp_path / 'r2/metrics.json').read_text())
    assert s2['teacher_usage'] == {'calls': tot['calls'], 'cache_hits': tot['calls']}
    assert [m['test_accuracy'] for m in s2['iterations']] == [m['test_accuracy'] for m in s1['iterations']]
    # and with no server at all
    r = cli(*args, '--teacher-url', 'http://127.0.0.1:9/v1', '--run-dir', tmp_path / 'r3')
    assert r.returncode == 0, r.stderr


def test_a_4bit_teacher_without_cuda_is_refused_before_training(cli, tmp_path):
    import torch
    if torch.cuda.is_available(): pytest.skip('this machine has CUDA')
    r = cli('demo', '--tiny', '--teacher', 'hf:some/model', '--teacher-quantize', '4bit', '--run-dir', tmp_path / 'run')
    assert r.returncode == 2 and 'needs a CUDA GPU' in r.stderr and not (tmp_path / 'run').exists(), r.stderr


def test_stepper_shows_teacher_progress_and_can_stop_during_the_teacher_phase(tmp_path):
    "The widget reports each teacher reply, and Stop during the teacher phase stops the round (cached calls kept)."
    from llm2llm.demo import DemoConfig, demo_setup
    from llm2llm.loop import LoopConfig
    from llm2llm.widgets import LoopStepper
    import threading
    d = demo_setup(DemoConfig(run_dir=tmp_path / 'run', tiny=True, n_test=20), LoopConfig(iterations=1))
    gate = threading.Event()
    def script(prompt, n, body):
        gate.wait(10)   # hold replies until the test says so
        return _loop_script(prompt, n, body)
    with FakeOpenAI(script) as srv:
        teacher = OpenAITeacher('fake-model', base_url=srv.url, cache=tmp_path / 'c.jsonl', concurrency=2)
        st = LoopStepper(d.task, d.student, teacher, d.seeds, d.test, d.run_dir, d.cfg, background=True)   # Stop needs a thread
        seen = []
        report = st._report
        def spy(desc, done, total):
            seen.append((desc, done, total))
            if desc.startswith('teacher') and done >= 3: st._stop.set()   # the user clicks Stop mid-round
            return report(desc, done, total)
        st._report = spy
        st.step(1, wait=False)
        t0 = time.time()
        while not any(s[0].startswith('teacher') for s in seen) and time.time() - t0 < 120: time.sleep(0.05)
        gate.set()
        st._thread.join(120)
    teach = [s for s in seen if s[0].startswith('teacher')]
    assert teach and teach[0][1] == 0 and teach[0][2] > 3, seen[-5:]
    assert st.error is None and 'stopped' in st.phase.value, st.phase.value
    assert not (tmp_path / 'run/iter_000/metrics.json').exists()          # the iteration is not finished...
    assert 3 <= len(ReplayCache(tmp_path / 'c.jsonl')) < teach[0][2]      # ...but the calls it paid for are kept
    assert teacher.progress is None                                        # the widget let go of the teacher
