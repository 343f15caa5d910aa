"""`NearDuplicates.match` with its candidate index against the brute force it replaced: `extractOne` over every text
seen. The same id and the same rounded similarity for every text, the first of equally similar texts included, on
streams of random texts with many near copies (a few words edited, words repeated, empty texts), at thresholds from
0.1 to 1.0; and no text at least the threshold similar is ever left out of the candidates."""
import math, random
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from rapidfuzz import process
from rapidfuzz.distance import Indel
from llm2llm.similarity import NearDuplicates, _bits, words

THRESHOLDS = [0.1, 0.5, 0.75, 0.8, 0.9, 0.95, 1.0]


class Brute:
    "The index as it was before the candidate index: every text seen is scored."
    def __init__(self, threshold): self.threshold, self.vocab, self.keys, self.ids, self.exact = threshold, {}, [], [], {}
    def code(self, text): return ''.join(chr(0x20000 + self.vocab.setdefault(w, len(self.vocab))) for w in words(text))
    def add(self, text, id):
        k = self.code(text)
        self.keys.append(k); self.ids.append(id); self.exact.setdefault(k, id)
    def match(self, text):
        k = self.code(text)
        if k in self.exact: return self.exact[k], 1.0
        if self.threshold >= 1 or not self.keys: return None
        m = process.extractOne(k, self.keys, scorer=Indel.normalized_similarity, score_cutoff=self.threshold)
        return None if m is None else (self.ids[m[2]], round(m[1], 3))


def _drawer(rng, n=150):
    """Draws of `k` words with very uneven frequencies (a few common, most rare), as in real text; more words than the
    64 bits of a mask, so that words share bits."""
    words = [f'w{i}' for i in range(n)]
    weights = [1 / (i + 1) for i in range(n)]
    return lambda k: rng.choices(words, weights, k=k)


def _edit(rng, words: list[str], draw) -> list[str]:
    "A near copy: a few words replaced, inserted, dropped or swapped."
    w = list(words)
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.choice('rids')
        i = rng.randrange(len(w) + 1)
        if op == 'i' or not w: w.insert(i, draw(1)[0])
        elif op == 'r': w[min(i, len(w) - 1)] = draw(1)[0]
        elif op == 'd': del w[min(i, len(w) - 1)]
        elif len(w) > 1: j = min(i, len(w) - 2); w[j], w[j + 1] = w[j + 1], w[j]
    return w


def _stream(seed: int, n: int) -> list[str]:
    "`n` texts: fresh ones of 0-30 words, near copies of earlier ones, exact copies, repeated words, case and punctuation."
    rng = random.Random(seed)
    draw, out = _drawer(rng), []
    for _ in range(n):
        r = rng.random()
        if out and r < 0.45: w = _edit(rng, words(rng.choice(out)), draw)
        elif out and r < 0.5: w = words(rng.choice(out))
        elif r < 0.53: w = []
        elif r < 0.6: w = draw(1) * rng.randint(2, 8) + draw(rng.randint(0, 3))
        else: w = draw(rng.choice([rng.randint(1, 8), rng.randint(1, 30)]))
        text = ' '.join(w)
        out.append(text.upper() + '!' if rng.random() < 0.05 else text)
    return out


def _run(threshold: float, texts: list[str], scan_share: float | None = None, check_candidates=False) -> int:
    "Vet `texts` as `ask_teacher` does (a text that matches nothing is added) in both indexes; how many matched."
    new, old, matched = NearDuplicates(threshold), Brute(threshold), 0
    if scan_share is not None: new._scan_share = scan_share
    for i, text in enumerate(texts):
        got, want = new.match(text), old.match(text)
        assert got == want, (threshold, i, text, got, want)
        if check_candidates and threshold < 1:
            k = new._code(text)
            ix = new._candidates(k)
            if ix is not None:
                first = {}
                for j, key in enumerate(new._keys): first.setdefault(key, j)
                similar = {first[key] for key in new._keys   # but an exact copy, found in the dict
                           if key != k and Indel.normalized_similarity(k, key) >= threshold}
                assert similar <= set(ix), (threshold, i, text, sorted(similar - set(ix)))
        matched += want is not None
        if want is None or (want[1] < 1 and i % 3 == 0): new.add(text, f'x{i}'); old.add(text, f'x{i}')
    return matched


@pytest.mark.parametrize('threshold', THRESHOLDS)
def test_same_matches_as_scoring_every_text(threshold):
    texts = _stream(int(threshold * 100), 1500)
    n = _run(threshold, texts, scan_share=math.inf)   # candidates only, never the fallback to scanning all
    assert n > 100                               # many matches, so that a dropped one would show
    _run(threshold, texts)                       # with the fallback


@pytest.mark.parametrize('threshold', [0.5, 0.8, 0.9])
def test_every_text_that_similar_is_a_candidate(threshold):
    _run(threshold, _stream(7 + int(threshold * 10), 300), scan_share=math.inf, check_candidates=True)


def test_ties_go_to_the_first_text_seen():
    idx, old = NearDuplicates(0.5), Brute(0.5)
    for i, t in enumerate(['a b c x', 'a b c y', 'a b c x', 'z a b c', 'a b c z']):
        idx.add(t, f's{i}'); old.add(t, f's{i}')
    for q in ['a b c d', 'a b c', 'b c x', 'z a b c d', '']:
        assert idx.match(q) == old.match(q)
    assert idx.match('a b c d') == ('s0', 0.75)
    assert idx.match('a b c x') == ('s0', 1.0)   # an exact copy: the first of its copies


WORDS = st.lists(st.sampled_from(['a', 'b', 'c', 'd', 'e', 'the', 'to', 'be']), max_size=12).map(' '.join)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.lists(st.tuples(st.booleans(), WORDS), max_size=25), st.sampled_from(THRESHOLDS + [0.6, 0.66, 0.7, 0.85]))
def test_small_vocabularies(ops, threshold):
    "Short texts of a few words: many ties and many exact bounds (2·LCS/(m+n) equal to the threshold)."
    new, old = NearDuplicates(threshold), Brute(threshold)
    new._scan_share = math.inf
    for i, (add, text) in enumerate(ops):
        if add: new.add(text, f'x{i}'); old.add(text, f'x{i}')
        else: assert new.match(text) == old.match(text), (text, threshold)


def test_copies_then_new_texts():
    "Copies are not filed, so the arrays of masks and lengths must grow past them."
    idx, old = NearDuplicates(0.8), Brute(0.8)
    for i in range(300):
        t = 'a b c d e' if i % 100 else f'a b c d e f{i}'
        idx.add(t, f'x{i}'); old.add(t, f'x{i}')
    for q in ['a b c d e f0', 'a b c d e f200 g', 'a b c d', 'b c d e']:
        assert idx.match(q) == old.match(q)


def test_bits_without_numpy_2(monkeypatch):
    "numpy 1 has no `bitwise_count`: the fallback counts the same bits."
    x = np.array([0, 1, 2**64 - 1, 2**63 + 5, 0x0F0F], np.uint64)
    want = _bits(x).tolist()
    monkeypatch.delattr(np, 'bitwise_count', raising=False)
    assert _bits(x).tolist() == want == [0, 1, 64, 3, 8]
