"""A fake Hugging Face Hub: a real HTTP server on 127.0.0.1 speaking what ``huggingface_hub`` sends
to create a dataset or model repo and commit files to it.

Routes (those of ``HfApi.whoami``, ``create_repo``, ``create_commit`` / ``upload_folder`` in
``huggingface_hub`` 2.x): ``GET /api/whoami-v2``, ``POST /api/repos/create``,
``POST /api/validate-yaml``, ``POST /api/{type}s/{owner}/{name}/preupload/{revision}`` (every file
is answered ``regular``, so its bytes come inline in the commit, never through LFS or Xet),
``POST /api/{type}s/{owner}/{name}/commit/{revision}`` (an NDJSON body of a ``header`` line and
``file`` lines with base64 content), ``GET /api/{type}s/{owner}/{name}`` (repo info) and
``GET /{type}s/{owner}/{name}/resolve/{revision}/{path}`` (a stored file; a model repo's has no
``{type}s/`` prefix, as on the Hub). A call naming the wrong type for a repo (``/api/models/...`` of
a dataset repo) is answered 404, as the Hub does. Each repo keeps the files
it received (``repos[repo_id].files``), so tests assert on exactly what was pushed.

Tokens: ``tokens`` maps each accepted token to its user; any other token gets a 401. A repo outside
the user's namespace gets a 403, and ``down`` makes every request fail with a 503.

Example:
    >>> with FakeHubServer({"hf_good": "alice"}) as hub:  # doctest: +SKIP
    ...     HfApi(endpoint=hub.url, token="hf_good").whoami()["name"]
    'alice'
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final
from urllib.parse import unquote, urlsplit

__all__ = ["FakeHubServer", "HubRepo"]

_REPO_TYPES: Final = ("model", "dataset", "space")


@dataclass
class HubRepo:
    """One repo on the fake Hub: its visibility, files and commits."""

    repo_id: str
    repo_type: str
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[str] = field(default_factory=list)

    @property
    def sha(self) -> str:
        """The id of the last commit (a hash of the commit count and the file names)."""
        seed = f"{len(self.commits)}:{sorted(self.files)}".encode()
        return hashlib.sha1(seed, usedforsecurity=False).hexdigest()


class FakeHubServer:
    """The fake Hub on a free port of 127.0.0.1, in a background thread; use it as a context manager.

    Args:
        tokens: Accepted token -> user name.
        port: Port to listen on (0: a free one).
    """

    def __init__(self, tokens: dict[str, str] | None = None, port: int = 0) -> None:
        self.tokens = dict(tokens or {"hf_fake_token": "fake-user"})
        self.repos: dict[str, HubRepo] = {}
        self.requests: list[tuple[str, str]] = []
        self.down = False
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The endpoint to give ``HfApi(endpoint=...)``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeHubServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeHubServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # Request handling (called from the handler threads).

    def handle(self, method: str, path: str, token: str | None, body: bytes) -> tuple[int, Any]:
        """The status and JSON body (or raw bytes) of one request."""
        with self._lock:
            self.requests.append((method, path))
        if self.down:
            return 503, {"error": "the fake Hub is down"}
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if method == "GET" and parts[0] != "api" and "resolve" in parts[2:4]:
            return self._resolve(parts)
        user = self.tokens.get(token or "")
        if user is None:
            return 401, {"error": "Invalid credentials in Authorization header"}
        if parts == ["api", "whoami-v2"]:
            return 200, {"type": "user", "name": user, "auth": {"accessToken": {"role": "write"}}}
        if method == "POST" and parts == ["api", "validate-yaml"]:
            return 200, {"errors": [], "warnings": []}
        if method == "POST" and parts == ["api", "repos", "create"]:
            return self._create(user, json.loads(body or b"{}"))
        if len(parts) >= 4 and parts[0] == "api" and parts[1].rstrip("s") in _REPO_TYPES:
            return self._repo_call(method, user, parts, body)
        return 404, {"error": f"no route {method} {path}"}

    def _resolve(self, parts: list[str]) -> tuple[int, Any]:
        """A stored file: ``{type}s/owner/name/resolve/rev/path`` or ``owner/name/resolve/rev/path``."""
        kind, rest = ("model", parts) if parts[2] == "resolve" else (parts[0].removesuffix("s"), parts[1:])
        repo = self.repos.get(f"{rest[0]}/{rest[1]}") if len(rest) >= 5 else None
        if repo is None or repo.repo_type != kind:
            return 404, {"error": "Repository not found"}
        content = repo.files.get("/".join(rest[4:]))
        return (200, content) if content is not None else (404, {"error": "Entry not found"})

    def _create(self, user: str, payload: dict[str, Any]) -> tuple[int, Any]:
        owner = payload.get("organization") or user
        repo_id = f"{owner}/{payload.get('name')}"
        if owner != user:
            return 403, {"error": f"You don't have the rights to create a repo under {owner}"}
        with self._lock:
            if repo_id in self.repos:
                repo = self.repos[repo_id]
                return 409, {"error": "You already created this repo", "url": self._repo_url(repo)}
            kind = str(payload.get("type") or "model")
            repo = self.repos[repo_id] = HubRepo(repo_id, kind, payload.get("visibility") != "public")
        return 200, {"url": self._repo_url(repo), "name": repo_id}

    def _repo_call(self, method: str, user: str, parts: list[str], body: bytes) -> tuple[int, Any]:
        repo_id = f"{parts[2]}/{parts[3]}"
        repo = self.repos.get(repo_id)
        if repo is None or repo.repo_type != parts[1].removesuffix("s"):
            return 404, {"error": "Repository not found"}
        if parts[2] != user:
            return 403, {"error": "You don't have the rights to write to this repo"}
        if method == "GET" and len(parts) == 4:
            siblings = [{"rfilename": name} for name in sorted(repo.files)]
            return 200, {"id": repo_id, "sha": repo.sha, "private": repo.private, "siblings": siblings}
        action = parts[4] if len(parts) > 4 else ""
        if method == "POST" and action == "preupload":
            files = json.loads(body)["files"]
            modes = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]
            return 200, {"files": modes}
        if method == "POST" and action == "commit":
            return self._commit(repo, body)
        return 404, {"error": f"no route {method} {'/'.join(parts)}"}

    def _commit(self, repo: HubRepo, body: bytes) -> tuple[int, Any]:
        summary = ""
        added: dict[str, bytes] = {}
        for line in body.splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            value = entry.get("value", {})
            if entry.get("key") == "header":
                summary = str(value.get("summary", ""))
            elif entry.get("key") == "file":
                added[value["path"]] = base64.b64decode(value["content"])
            elif entry.get("key") == "deletedFile":
                added.pop(value["path"], None)
                repo.files.pop(value["path"], None)
            else:
                return 422, {"error": f"the fake Hub does not take {entry.get('key')!r} operations"}
        with self._lock:
            repo.files.update(added)
            repo.commits.append(summary)
        url = f"{self._repo_url(repo)}/commit/{repo.sha}"
        return 200, {"commitUrl": url, "commitOid": repo.sha, "pullRequestUrl": None}

    def _repo_url(self, repo: HubRepo) -> str:
        prefix = "" if repo.repo_type == "model" else f"{repo.repo_type}s/"
        return f"{self.url}/{prefix}{repo.repo_id}"


def _handler(hub: FakeHubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            auth = self.headers.get("Authorization") or ""
            token = auth.removeprefix("Bearer ").strip() or None
            status, answer = hub.handle(method, urlsplit(self.path).path, token, body)
            raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header(
                "Content-Type",
                "application/octet-stream" if isinstance(answer, bytes) else "application/json",
            )
            self.send_header("Content-Length", str(len(raw)))
            if status >= 400 and not isinstance(answer, bytes):
                self.send_header("X-Error-Message", str(answer.get("error", "")))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read hub.requests
            return

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Run the fake Hub in the foreground (for browser tests): ``python -m distillation.testing.fake_hub``."""
    parser = argparse.ArgumentParser(description="A fake Hugging Face Hub for tests")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", action="append", default=[], help="TOKEN=USER, accepted tokens")
    args = parser.parse_args(argv)
    tokens = dict(item.split("=", 1) for item in args.token) or None
    hub = FakeHubServer(tokens, port=args.port)
    sys.stdout.write(f"{hub.url}\n")
    sys.stdout.flush()
    try:
        hub._server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
