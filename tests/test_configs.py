"""The experiment configs shipped in configs/: each file parses, is accepted by its command, and every value it
sets is one its dataclass takes. Nothing is trained or downloaded: seconds."""
import dataclasses, re
from pathlib import Path
import pytest
from llm2llm.cli import _RUN_OWN, _SHARED_OWN, _REQUIRED, _check_file
from llm2llm.config import read_config
from llm2llm.demo import DemoConfig
from llm2llm.llm_teachers import Sampling, TeacherConfig
from llm2llm.loaders import DATASETS
from llm2llm.methods import LoopConfig, METHODS, check_loop
from llm2llm.models import StudentConfig
from llm2llm.tasks import make_task

CONFIGS = Path(__file__).resolve().parent.parent / 'configs'
FILES = sorted(CONFIGS.rglob('*.toml'))


def _cmd(path: Path) -> str: return 'demo' if path.parent.name == 'demo' else 'run'


def _read(path: Path) -> dict:
    cmd = _cmd(path)
    conf = read_config(path, _RUN_OWN if cmd == 'run' else _SHARED_OWN)
    _check_file(path, conf, cmd)
    return conf


def test_the_configs_are_there():
    names = {p.relative_to(CONFIGS).as_posix() for p in FILES}
    demo = {f'demo/{n}.toml' for n in 'llm2llm plain random all oneshot llm2llm-kfold max-steps continue'.split()}
    paper = {f'paper/{t}-{k}.toml' for t in ('gsm8k', 'casehold', 'snips', 'trec', 'sst2') for k in ('t4', '7b')}
    assert names == demo | paper
    assert (CONFIGS / 'README.md').exists()


@pytest.mark.parametrize('path', FILES, ids=lambda p: p.relative_to(CONFIGS).as_posix())
def test_config_is_accepted(path):
    conf, cmd = _read(path), _cmd(path)
    top = conf['']
    loop = LoopConfig(**conf.get('loop', {}))
    TeacherConfig(**conf.get('teacher', {}))
    Sampling(**conf.get('sampling', {}))
    student = dataclasses.replace(StudentConfig('x'), **conf.get('student', {}))
    if cmd == 'demo':
        demo = DemoConfig(**conf.get('demo', {}))
        check_loop(loop, demo.n_seed, student.from_base)   # settings that cannot work together (e.g. kfold and continue)
        assert top.get('repeats') == 3 and demo.run_dir == f'runs/study/{path.stem}'
    else:
        assert not (missing := [k for k in _REQUIRED if not top.get(k)]), f'{path}: missing {missing}'
        make_task(top['task'], top.get('labels'), top.get('target_field'), top.get('descriptions'))
        assert top['task'] in DATASETS and top['seed_file'] == f"data/{top['task']}/seed.jsonl"
    if top.get('match'):
        assert METHODS[loop.method].match, f'{path}: match goes with a method that can match (plain, oneshot, random)'
        assert top['match'] in ('runs/study/llm2llm', 'runs/study/llm2llm-kfold')


@pytest.mark.parametrize('path', FILES, ids=lambda p: p.relative_to(CONFIGS).as_posix())
def test_top_comment_says_how_to_run_it(path):
    head = ''.join(re.findall(r'^#.*\n', path.read_text(encoding='utf-8').split('\n\n')[0], re.M))
    rel = path.relative_to(CONFIGS.parent).as_posix()
    assert f'llm2llm {_cmd(path)} {rel}' in head
    if _cmd(path) == 'demo': assert 'llm2llm report runs/study' in head
    else:
        task = _read(path)['']['task']
        assert f'llm2llm data --dataset {task} --fraction ' in head and f'--out data/{task}' in head
    if m := _read(path)[''].get('match'): assert f"llm2llm demo configs/demo/{m.split('/')[-1]}.toml" in head


@pytest.mark.parametrize('path', FILES, ids=lambda p: p.relative_to(CONFIGS).as_posix())
def test_the_command_resolves_it(path):
    "What `llm2llm demo|run FILE` reads, through its own parser, up to the point where a run would start."
    from llm2llm.cli import _parser, _resolve, _repeats
    s = _resolve(_parser().parse_args([_cmd(path), str(path)]), _cmd(path))
    assert _repeats(s) == ([(0, True), (1, True), (2, True)] if _cmd(path) == 'demo' else [(0, False)])
