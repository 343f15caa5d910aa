"A scriptable OpenAI-compatible chat server on localhost, for fault injection in tests."
from __future__ import annotations
import json, threading, time
from collections import Counter
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler


def completion(text: str, model: str = 'fake', finish: str = 'stop', prompt_tokens: int = 50, completion_tokens: int = 20) -> dict:
    return {'id': 'chatcmpl-1', 'object': 'chat.completion', 'created': 0, 'model': model,
            'choices': [{'index': 0, 'finish_reason': finish, 'message': {'role': 'assistant', 'content': text}}],
            'usage': {'prompt_tokens': prompt_tokens, 'completion_tokens': completion_tokens, 'total_tokens': prompt_tokens + completion_tokens}}


class FakeOpenAI:
    """`script(prompt, attempt, body)` returns what to do with a request: ('json', status, obj, headers),
    ('raw', status, bytes) or ('sleep', seconds, next_action). `attempt` counts from 1 per distinct prompt.
    An error reply without a retry header of its own asks the client to retry after `retry_after_ms`
    (the openai SDK honours it), so that tests of retries do not wait out the SDK's backoff."""
    def __init__(self, script, retry_after_ms: int = 10):
        self.script, self.lock, self.attempts, self.requests = script, threading.Lock(), Counter(), 0
        self.retry_after_ms = retry_after_ms
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
                prompt = body['messages'][-1]['content']
                with outer.lock:
                    outer.requests += 1; outer.attempts[prompt] += 1; n = outer.attempts[prompt]
                act = outer.script(prompt, n, body)
                while act[0] == 'sleep':
                    time.sleep(act[1]); act = act[2]
                try:
                    if act[0] == 'json': self._send(act[1], json.dumps(act[2]).encode(), act[3] if len(act) > 3 else {})
                    else: self._send(act[1], act[2], {})
                except (BrokenPipeError, ConnectionResetError): pass   # the client gave up (a timeout test)

            def _send(self, code, data, headers):
                if code >= 400 and not any(k.lower().startswith('retry-after') for k in headers):
                    headers = {**headers, 'retry-after-ms': str(outer.retry_after_ms)}
                self.send_response(code)
                self.send_header('Content-Type', 'application/json'); self.send_header('Content-Length', str(len(data)))
                for k, v in headers.items(): self.send_header(k, v)
                self.end_headers(); self.wfile.write(data)

            def log_message(self, *a): pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/v1'

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *a):
        self.server.shutdown(); self.server.server_close()
