"""Real receivers on 127.0.0.1 for the notification tests: an SMTP server (aiosmtpd) that keeps every
message it accepts, and an HTTP server that keeps every JSON body posted to it and answers like a
group-chat robot ({"errcode": 0, "errmsg": "ok"})."""

from __future__ import annotations

import email
import json
import socket
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """An SMTP server on 127.0.0.1:port; .messages holds (recipients, raw bytes, parsed message)."""

    def __init__(self, login: tuple[str, str] | None = None, parse: bool = True) -> None:
        """login: (user, password) the server then requires (AUTH over the plain connection);
        parse=False keeps the raw bytes only (a benchmark's server should cost little CPU)."""
        self.parse = parse
        self.messages: list[tuple[list[str], bytes, email.message.EmailMessage]] = []
        self.port = free_port()
        options = {}
        if login is not None:
            options = {"authenticator": self._authenticator(login), "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)

    @staticmethod
    def _authenticator(login: tuple[str, str]):
        def check(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == login
            return AuthResult(success=ok)

        return check

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=policy.default) if self.parse else None
        self.messages.append((list(envelope.rcpt_tos), raw, parsed))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for recipients, _, message in self.messages if address in recipients]

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=0"


class HttpReceiver:
    """An HTTP server on 127.0.0.1:port (a free one unless given) that records JSON posts."""

    def __init__(self, port: int | None = None) -> None:
        self.posts: list[tuple[str, dict]] = []  # (path, body)
        self.port = port or free_port()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the stdlib's name)
                length = int(self.headers.get("Content-Length", 0))
                receiver.posts.append((self.path, json.loads(self.rfile.read(length).decode("utf-8"))))
                reply = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):  # keep the test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str = "/robot/send?key=test") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> HttpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
