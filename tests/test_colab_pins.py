"""Installing llm2llm in Colab changes none of the packages Colab ships: the project's wheel, with its `cuda` and
`offline` extras, resolves for Python 3.13 on Linux (x86_64) with Colab's pins (`.ci/colab-pins.txt`) as
constraints, by `uv pip compile` against the package index; and the library imports no module Python 3.13 removed."""
import ast, os, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / '.ci/colab-pins.txt'
REMOVED_IN_313 = {'aifc', 'audioop', 'cgi', 'cgitb', 'chunk', 'crypt', 'imghdr', 'mailcap', 'msilib', 'nis', 'nntplib',
                  'ossaudiodev', 'pipes', 'sndhdr', 'spwd', 'sunau', 'telnetlib', 'uu', 'xdrlib', 'lib2to3'}   # PEP 594


def _pins() -> dict[str, str]:
    return dict(l.split('==') for l in PINS.read_text().splitlines() if l.strip() and not l.startswith('#'))


def test_install_keeps_colabs_pins(tmp_path):
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', str(ROOT),
                    '-w', str(tmp_path)], check=True, capture_output=True)
    wheel, = tmp_path.glob('llm2llm-*.whl')
    (tmp_path / 'req.txt').write_text(f'llm2llm[cuda,offline] @ {wheel.as_uri()}\n')
    uv = Path(sys.executable).parent / 'uv'
    r = subprocess.run([str(uv), 'pip', 'compile', '--python-version', '3.13', '--python-platform',
                        'x86_64-manylinux_2_28', '-c', str(PINS), str(tmp_path / 'req.txt'), '--no-header',
                        '--no-annotate'], capture_output=True, text=True, timeout=300,
                       env={**os.environ, 'UV_PYTHON_DOWNLOADS': 'never'})
    assert r.returncode == 0, r.stderr[-3000:]
    got = dict(re.match(r'([A-Za-z0-9_.-]+)==(\S+)', l).groups() for l in r.stdout.splitlines() if '==' in l)
    got = {k.lower().replace('_', '-'): v for k, v in got.items()}
    assert {k: got.get(k) for k in _pins()} == _pins()   # every pinned package, at Colab's version
    assert 'bitsandbytes' in got and 'gguf' in got        # the extras were resolved too


def test_no_module_python_313_removed():
    used = set()
    for p in (ROOT / 'llm2llm').glob('*.py'):
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Import): used |= {a.name.split('.')[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level: used.add(node.module.split('.')[0])
    assert not used & REMOVED_IN_313, used & REMOVED_IN_313
