"""The token never appears in output, even when the API quotes it back in an error answer
(a proxy or a Bria error page that echoes the `api_token` header it refused)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.contract.conftest import TOKEN, run


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with `status` and a body quoting the token it was sent."""

    status = 400
    shape = "message"

    def do_GET(self) -> None:
        token = self.headers.get("api_token", "")
        if self.shape == "errors":
            document: object = {
                "errors": [{"msg": f"bad {token}", "field_name": "api_token", "field_input": token}]
            }
        elif self.shape == "string":
            document = f"Token {token} is not valid"
        else:
            document = {"message": f"Invalid api_token {token} for this route"}
        body = json.dumps(document).encode()
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def echoing(request: pytest.FixtureRequest) -> Iterator[str]:
    status, shape = request.param
    handler = type("Handler", (_Echo,), {"status": status, "shape": shape})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "echoing",
    [(401, "message"), (400, "message"), (400, "errors"), (403, "string"), (404, "message")],
    indirect=True,
)
def test_an_error_answer_quoting_the_token_is_shown_without_it(
    quickstart: Path, echoing: str
) -> None:
    (quickstart / "tailor.yaml").write_text(f"api: {echoing}\n")
    result = run("plan", str(quickstart), env={"BRIA_API_TOKEN": TOKEN})
    assert result.code == 1
    assert "Bria answered" in result.stderr
    assert "***" in result.stderr
    assert TOKEN not in result.output
