"""The replay that ships (llm2llm/data/replays): its requests are the ones the library makes today, so the lessons
replay Qwen's replies instead of silently falling back to the simulated teacher; and it holds no machine path."""
import json
from llm2llm.demo import DemoConfig, demo_setup
from llm2llm.lab import LIGHT_STUDENT
from llm2llm.methods import LoopConfig
from llm2llm.replay import shipped_replay
from llm2llm.teacher import TeacherRequest


def test_the_lessons_requests_have_their_replies(tmp_path):
    t = shipped_replay('qwen2.5-coder-1.5b-intents')
    d = demo_setup(DemoConfig(run_dir=str(tmp_path), n_test=210), LoopConfig(), student=LIGHT_STUDENT)
    seeds = {s.id: s for s in d.seeds}
    paper = [r for r in t.cache if r['messages'] == d.task.teacher_messages(seeds[r['draw'].split('/')[1]], 1)]
    assert len(paper) >= 21, len(paper)   # at least iteration 0's 21 wrong seeds, under the paper's prompt
    for r in paper:
        it, sid = r['draw'].split('/')
        req = TeacherRequest(seeds[sid], 1, int(it), d.task.teacher_messages(seeds[sid], 1))
        assert t._key(req) == r['key'], r['draw']
    replies = t.generate([TeacherRequest(seeds[r['draw'].split('/')[1]], 1, int(r['draw'].split('/')[0]),
                                         r['messages']) for r in paper])
    assert all(rep.usage == {'cache_hits': 1} for rep in replies)


def test_no_machine_path_ships():
    from pathlib import Path
    import llm2llm
    for f in (Path(llm2llm.__file__).parent / 'data' / 'replays').iterdir():
        text = f.read_text(encoding='utf-8')
        assert not any(p in text for p in ('/root/', '/home/', '/work/', '/tmp/', '/Users/')), f
        if f.suffix == '.json': assert json.loads(text)['about']
