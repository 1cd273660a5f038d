"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py config.wsgi``.

gunicorn writes ``Server: gunicorn`` into every HTTP/1 response and has no setting to leave it
out; naming the server software only helps an attacker pick an exploit, so the header line is
dropped here. The configuration file runs in the master before the workers fork, so the workers
inherit the change. (HTTP/2, which gunicorn can also speak, is not configured here.)
"""

import os

from gunicorn.http import wsgi

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))


class _Response(wsgi.Response):
    def default_headers(self):
        return [line for line in super().default_headers() if not line.lower().startswith("server:")]


wsgi.Response = _Response
