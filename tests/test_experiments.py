"""Experiments through the console script: a config file equals its flags, the controls (`--method`), the kfold
rule, repeats, `--match`, and `llm2llm report` over the runs they write."""
import json
from pathlib import Path
import pytest

# a small tiny-model demo: seconds per run
SMALL = ['demo', '--tiny', '--n-seed', '24', '--n-test', '24', '--epochs', '3', '--iterations', '2',
         '--error-rule', 'wrong', '--no-control']   # the paper's rule; the study's controls are experiments here


def _json(p): return json.loads(Path(p).read_text())


def _jsonl(p): return [json.loads(l) for l in Path(p).read_text().splitlines() if l.strip()]


def _metrics(run): return _json(Path(run) / 'metrics.json')['iterations']


def test_config_file_gives_the_run_json_of_its_flags(cli, tmp_path):
    flags = ['--method', 'random', '--k', '2', '--lr', '0.005', '--seed', '3']
    a = cli(*SMALL, *flags, '--run-dir', tmp_path / 'a')
    assert a.returncode == 0, a.stderr
    (tmp_path / 'b.toml').write_text(
        '[demo]\ntiny = true\nn_seed = 24\nn_test = 24\ncontrol = false\nrun_dir = "%s"\n\n[loop]\niterations = 2\n'
        'method = "random"\nerror_rule = "wrong"\nk = 2\nseed = 3\n\n[student]\nepochs = 3\nlr = 0.005\n'
        % (tmp_path / 'b'))
    b = cli('demo', tmp_path / 'b.toml')
    assert b.returncode == 0, b.stderr
    assert _json(tmp_path / 'a/run.json') == _json(tmp_path / 'b/run.json')
    conf = lambda run: (run / 'config.toml').read_text().replace(str(run), 'RUN')
    assert conf(tmp_path / 'a') == conf(tmp_path / 'b')
    # the resolved config.toml runs the same run again: it finds it finished and changes nothing
    before = (tmp_path / 'a/run.json').read_text()
    again = cli('demo', tmp_path / 'a/config.toml')
    assert again.returncode == 0, again.stderr
    assert (tmp_path / 'a/run.json').read_text() == before
    untimed = lambda run: [{k: v for k, v in m.items() if not k.endswith('_seconds')} for m in _metrics(run)]
    assert untimed(tmp_path / 'a') == untimed(tmp_path / 'b')   # the same run: the same numbers
    # a flag beside the file wins over it; a changed setting is refused by the run folder, which keeps its files
    c = cli('demo', tmp_path / 'b.toml', '--k', '3')
    assert c.returncode == 2 and 'loop.k: 2 -> 3' in c.stderr
    assert (tmp_path / 'b/config.toml').read_text().count('k = 2') == 1


def test_bad_config_file_is_one_clear_line(cli, tmp_path):
    (tmp_path / 'bad.toml').write_text('[demo]\ntiny = true\n\n[loop]\nmethod = "best"\n')
    r = cli('demo', tmp_path / 'bad.toml', '--run-dir', tmp_path / 'r')
    assert r.returncode == 2 and r.stderr.count('\n') == 1, r.stderr
    assert "line 5: [loop] method: expected one of 'llm2llm'" in r.stderr and "got 'best'" in r.stderr
    (tmp_path / 'bad.toml').write_text('[loop]\niterations = "two"\n')
    r = cli('demo', tmp_path / 'bad.toml')
    assert r.returncode == 2 and f"{tmp_path}/bad.toml, line 2: [loop] iterations: expected int, got 'two'" in r.stderr
    r = cli('run', '--task', 'intents', '--model', 'smollm2')
    assert r.returncode == 2 and 'missing: --seed-file, --test-file, --run-dir' in r.stderr


def test_controls_repeats_match_and_report(cli, tmp_path):
    study = tmp_path / 'study'
    r = cli(*SMALL, '--repeats', '2', '--run-dir', study / 'llm2llm')
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (study / 'llm2llm').iterdir()) == ['seed-0', 'seed-1']
    # plain at the steps of each seed's last LLM2LLM iteration: no teacher, nothing asked, same data
    r = cli(*SMALL, '--repeats', '2', '--method', 'plain', '--match', study / 'llm2llm', '--run-dir', study / 'plain')
    assert r.returncode == 0, r.stderr
    for s in (0, 1):
        ref, plain = _metrics(study / f'llm2llm/seed-{s}'), _metrics(study / f'plain/seed-{s}')
        assert [m['steps'] for m in plain] == [ref[-1]['steps']] * 2
        assert all(m['n_asked'] == 0 and m['train_size'] == 24 and m['teacher_usage'] == {'calls': 0} for m in plain)
        assert _json(study / f'plain/seed-{s}/run.json')['teacher'] is None
        assert _jsonl(study / f'plain/seed-{s}/seed.jsonl') == _jsonl(study / f'llm2llm/seed-{s}/seed.jsonl')
    # random: as many seeds asked about in each iteration as the matched LLM2LLM run, drawn at random
    r = cli(*SMALL, '--repeats', '2', '--method', 'random', '--match', study / 'llm2llm', '--run-dir', study / 'random')
    assert r.returncode == 0, r.stderr
    for s in (0, 1):
        ref, ms = _metrics(study / f'llm2llm/seed-{s}'), _metrics(study / f'random/seed-{s}')
        assert [m['n_asked_seeds'] for m in ms] == [m['n_asked_seeds'] for m in ref] and ms[0]['n_asked_seeds'] > 0
        parents = {g['parent'] for g in _jsonl(study / f'random/seed-{s}/iter_000/generated.jsonl')}
        parents |= {x['parent'] for x in _jsonl(study / f'random/seed-{s}/iter_000/rejected.jsonl')}
        assert len(parents) == ms[0]['n_asked_seeds']
        counts = ','.join(str(m['n_asked_seeds']) for m in ref)
        assert f'counts = "{counts}"' in (study / f'random/seed-{s}/config.toml').read_text()
    r = cli(*SMALL, '--method', 'all', '--iterations', '1', '--run-dir', study / 'all')
    assert r.returncode == 0, r.stderr
    assert _metrics(study / 'all')[0]['n_asked'] == 24
    # the report: a row per experiment, repeats as mean ± sd, no warning since plain matches the steps
    r = cli('report', study)
    assert r.returncode == 0, r.stderr
    rows = [l for l in r.stdout.splitlines() if l.startswith('| **')]
    assert [l.split('**')[1] for l in rows] == ['llm2llm', 'all', 'plain', 'random'], r.stdout
    assert ' ± ' in rows[0] and ' ± ' in rows[2] and 'No plain fine-tuning baseline' not in r.stdout
    assert (study / 'report/report.png').stat().st_size > 1000
    # a verdict per comparison with LLM2LLM: two repeats are too few, so none is given, and the note says why
    verdicts = [l for l in r.stdout.splitlines() if l.startswith('| llm2llm − ')]
    assert [l.split(' | ')[0] for l in verdicts] == ['| llm2llm − all', '| llm2llm − plain', '| llm2llm − random']
    assert all(l.endswith('| **no verdict** |') for l in verdicts), verdicts
    assert 'Run both with `--repeats 3`' in r.stdout and (study / 'report/verdicts.png').stat().st_size > 1000
    assert (study / 'report/report.md').read_text() == r.stdout.split('\nwrote ')[0].rstrip('\n') + '\n'


def test_kfold_rule_and_its_cost(cli, tmp_path):
    r = cli(*SMALL, '--iterations', '1', '--error-rule', 'kfold', '--folds', '3', '--run-dir', tmp_path / 'k')
    assert r.returncode == 0, r.stderr
    assert 'the kfold error rule trains 3 more students in every iteration' in r.stdout
    m = _metrics(tmp_path / 'k')[0]
    preds = _jsonl(tmp_path / 'k/iter_000/pred_seed.jsonl')
    assert m['error_rule'] == 'kfold' and m['n_wrong'] == sum(p['error'] for p in preds) and m['rule_seconds'] > 0
    r = cli(*SMALL, '--error-rule', 'kfold', '--folds', '30', '--run-dir', tmp_path / 'k2')
    assert r.returncode == 2 and 'folds must be between 2 and the number of seeds (24), got 30' in r.stderr
