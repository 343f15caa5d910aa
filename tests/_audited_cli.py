"""Run `llm2llm.cli` with an audit hook that logs every file this process opens for writing, renames or deletes
under the folder in AUDIT_UNDER, to AUDIT_LOG.{rank}; tests/test_distributed.py compares the logs."""
import os, sys
from pathlib import Path

under, log = os.path.realpath(os.environ['AUDIT_UNDER']), os.environ['AUDIT_LOG']
writes = []

def hook(event, args):
    if event == 'open' and args[0] is not None and isinstance(args[0], (str, bytes, os.PathLike)):
        path, mode, flags = args
        writing = (mode is not None and any(c in mode for c in 'wax+')) or (mode is None and flags & (os.O_WRONLY | os.O_RDWR))
        if writing: writes.append(('write', os.fsdecode(path)))
    elif event in ('os.rename', 'os.remove'): writes.append((event, os.fsdecode(args[1] if event == 'os.rename' else args[0])))

sys.addaudithook(hook)
from llm2llm.cli import main
try: rc = main(sys.argv[1:])
finally:
    rank = os.environ.get('RANK', '0')
    mine = [f'{e} {os.path.relpath(os.path.realpath(p), under)}' for e, p in writes
            if os.path.realpath(p).startswith(under + os.sep)]
    Path(f'{log}.{rank}').write_text(''.join(l + '\n' for l in mine))
sys.exit(rc)
