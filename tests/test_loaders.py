"The loaders of the paper's data sets, offline: local files in each published layout go through the hub's code path."
import json, os
from pathlib import Path
import pytest
from llm2llm.core import ConfigError
from llm2llm.records import DataError, Example
from llm2llm.loaders import DATASETS, load_split, sample_seeds, load_task_data

DATA = Path(__file__).parents[1] / 'nbs' / 'data' / 'loaders'   # fixtures in the published columns


@pytest.fixture
def cache(tmp_path): return str(tmp_path / 'hf')


def jsonl(path, rows):
    path.write_text(''.join(json.dumps(r) + '\n' for r in rows))
    return path


@pytest.mark.parametrize('name,split,file,n,first', [
    ('trec', 'train', 'trec_train.parquet', 20, 'ABBR'),
    ('trec', 'test', 'trec_test.jsonl', 6, 'ABBR'),
    ('trec-fine', 'train', 'trec_train.parquet', 20, 'ABBR:exp'),
    ('snips', 'train', 'snips_train.parquet', 21, 'AddToPlaylist'),
    ('snips', 'test', 'snips_test.jsonl', 7, 'AddToPlaylist'),
    ('sst2', 'train', 'sst2_train.parquet', 8, 'positive'),
    ('sst2', 'test', 'sst2_validation.jsonl', 2, 'positive'),
    ('gsm8k', 'train', 'gsm8k_train.jsonl', 4, None),
    ('gsm8k', 'test', 'gsm8k_test.parquet', 1, None),
    ('casehold', 'train', 'casehold_train.parquet', 3, '1'),
    ('casehold', 'test', 'casehold_test.jsonl', 1, '1')])
def test_published_layouts(cache, name, split, file, n, first):
    exs = load_split(name, split, data_files=DATA / file, cache_dir=cache)
    spec = DATASETS[name]
    assert len(exs) == n and exs[0].id == f'{name}:{split}:0'
    assert all(set(e.inputs) == set(spec.input_fields) for e in exs)
    if spec.labels: assert all(e.target in spec.labels for e in exs) and exs[0].target == first


def test_class_indices_become_names(cache, tmp_path):
    f = jsonl(tmp_path / 'trec.jsonl', [{'text': 'Why ?', 'coarse_label': 2, 'fine_label': 27},
                                        {'text': 'Who ?', 'coarse_label': 'HUM', 'fine_label': 29}])
    assert [e.target for e in load_split('trec', 'train', data_files=f, cache_dir=cache)] == ['DESC', 'HUM']
    assert [e.target for e in load_split('trec-fine', 'train', data_files=f, cache_dir=cache)] == ['DESC:reason', 'HUM:ind']


def test_bad_rows_say_where(cache, tmp_path):
    f = jsonl(tmp_path / 'sst.jsonl', [{'sentence': 'good', 'label': 1}, {'sentence': 'no label', 'label': -1}])
    with pytest.raises(DataError, match=r'sst.jsonl:row 1 field .label.: class index -1'):
        load_split('sst2', 'train', data_files=f, cache_dir=cache)
    f = jsonl(tmp_path / 'ch.jsonl', [{'context': 'c', 'endings': 'not a list', 'label': 0}])
    with pytest.raises(DataError, match='expected a list of options'):
        load_split('casehold', 'train', data_files=f, cache_dir=cache)
    f = jsonl(tmp_path / 'ch4.jsonl', [{'context': 'c', 'endings': ['a', 'b', 'c', 'd'], 'label': 0}])
    with pytest.raises(DataError, match='option_4'):
        load_split('casehold', 'train', data_files=f, cache_dir=cache)


def test_label_order_is_checked(cache, tmp_path):
    from datasets import Dataset, Features, Value, ClassLabel
    f = tmp_path / 'old.parquet'
    Dataset.from_dict({'text': ['Why ?'], 'coarse_label': [0]}, features=Features(
        {'text': Value('string'), 'coarse_label': ClassLabel(names=['DESC', 'ENTY', 'ABBR', 'HUM', 'NUM', 'LOC'])})
    ).to_parquet(f)
    with pytest.raises(DataError, match='in another order'):
        load_split('trec', 'train', data_files=f, cache_dir=cache)


def test_bad_arguments(cache, tmp_path):
    with pytest.raises(ConfigError, match='unknown data set'): load_split('imdb', 'train')
    with pytest.raises(ConfigError, match='has the splits'): load_split('sst2', 'validation')
    with pytest.raises(DataError, match='file not found'): load_split('trec', 'train', data_files=tmp_path / 'x.jsonl')
    (tmp_path / 'x.csv').write_text('text\n')
    with pytest.raises(ConfigError, match='all .parquet or all .json'):
        load_split('trec', 'train', data_files=tmp_path / 'x.csv', cache_dir=cache)


def test_offline_hub_fails_fast_and_clearly(cache):
    assert os.environ.get('HF_HUB_OFFLINE') == '1'
    with pytest.raises(ConfigError) as e: load_split('gsm8k', 'train', cache_dir=cache)
    msg = str(e.value)
    assert "openai/gsm8k config 'main' split 'train' at revision e53f048856ff" in msg
    assert 'pass data_files=... for local copies' in msg


@pytest.fixture
def trec(cache): return load_split('trec', 'train', data_files=DATA / 'trec_train.parquet', cache_dir=cache)


def test_stratified_seeds_cover_every_label_and_are_deterministic(trec):
    for seed in range(5):
        s = sample_seeds(trec, n=6, seed=seed)
        assert s.stratified and sorted(e.target for e in s.seeds) == sorted(DATASETS['trec'].labels)
        assert [e.id for e in s.seeds] == [e.id for e in sample_seeds(trec, n=6, seed=seed).seeds]
        assert {e.id for e in s.seeds} | {e.id for e in s.rest} == {e.id for e in trec}
        assert not {e.id for e in s.seeds} & {e.id for e in s.rest}
    assert len({tuple(e.id for e in sample_seeds(trec, n=6, seed=k).seeds) for k in range(5)}) > 1


def test_count_and_fraction(trec):
    assert len(sample_seeds(trec, n=13).seeds) == 13
    s = sample_seeds(trec, fraction=0.3, seed=7, dataset='trec')
    assert len(s.seeds) == 6 and len(s.rest) == 14
    assert s.config() == {'dataset': 'trec', 'split': 'train', 'n': 6, 'fraction': 0.3, 'seed': 7, 'stratified': True}
    counts = {}
    for e in sample_seeds(trec, n=12).seeds: counts[e.target] = counts.get(e.target, 0) + 1
    assert counts == {'ABBR': 2, 'ENTY': 2, 'DESC': 2, 'HUM': 2, 'LOC': 2, 'NUM': 2}


def test_plain_draw_for_free_text():
    probs = [Example(f'g{i}', {'question': f'q{i}'}, f'#### {i}') for i in range(300)]
    s = sample_seeds(probs, fraction=0.01, seed=2)
    assert not s.stratified and len(s.seeds) == 3
    with pytest.raises(ConfigError, match='needs a label set'): sample_seeds(probs, n=3, stratify=True)


@pytest.mark.parametrize('kw,msg', [({}, 'exactly one of'), ({'n': 3, 'fraction': 0.1}, 'exactly one of'),
                                    ({'n': 0}, 'from 1 to 20'), ({'n': 21}, 'from 1 to 20'), ({'n': 2.5}, 'whole number'),
                                    ({'fraction': 0}, r'in \(0, 1\]'), ({'fraction': 1.5}, r'in \(0, 1\]'),
                                    ({'fraction': 0.01}, 'is no seed')])
def test_bad_sampling_arguments(trec, kw, msg):
    with pytest.raises(ConfigError, match=msg): sample_seeds(trec, **kw)


def test_load_task_data(cache):
    d = load_task_data('trec', n=6, seed=0, cache_dir=cache, data_files={
        'train': DATA / 'trec_train.parquet', 'test': DATA / 'trec_test.jsonl'})
    assert d.task.labels == DATASETS['trec'].labels and 'ABBR (' in d.task.instruction
    assert (len(d.seeds), len(d.pool), len(d.test)) == (6, 14, 6) and d.sample.config()['dataset'] == 'trec'
    d = load_task_data('gsm8k', fraction=0.5, cache_dir=cache, data_files={
        'train': DATA / 'gsm8k_train.jsonl', 'test': DATA / 'gsm8k_test.parquet'})
    assert type(d.task).__name__ == 'MathTask' and not d.sample.stratified and len(d.seeds) == 2
    d = load_task_data('casehold', n=2, cache_dir=cache, data_files={
        'train': DATA / 'casehold_train.parquet', 'test': DATA / 'casehold_test.jsonl'})
    assert type(d.task).__name__ == 'MultipleChoiceTask' and not d.sample.stratified
    assert d.test[0].target == '1' and d.task.judge('1', d.test[0])
