"""Lines of llm2llm/*.py past 120 characters (nbdev's generated `__all__` and `_modidx.py` aside): each is printed as
NOTEBOOK-MODULE:LINE and the check fails. Edit the notebook the module is exported from, not the module."""
import ast, sys
from pathlib import Path

LIMIT = 120

def long_lines(path: Path) -> list[int]:
    "Line numbers of `path` longer than LIMIT, outside its `__all__` assignment."
    text = path.read_text(encoding='utf-8')
    skip = set()
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '__all__' for t in node.targets):
            skip |= set(range(node.lineno, node.end_lineno + 1))
    return [n for n, line in enumerate(text.splitlines(), 1) if len(line) > LIMIT and n not in skip]

if __name__ == '__main__':
    lib = Path(__file__).resolve().parent.parent / 'llm2llm'
    bad = [f'{p.relative_to(lib.parent)}:{n}' for p in sorted(lib.glob('*.py')) if p.name != '_modidx.py'
           for n in long_lines(p)]
    for b in bad: print(b)
    if bad: sys.exit(f'{len(bad)} lines of llm2llm/ are longer than {LIMIT} characters: shorten them in the notebooks')
