"""A Hugging Face Hub on loopback, for the zoo's tests.

Downloads are served by olah (a third-party Hub mirror) in offline mode, from git repositories
in a local folder, with LFS files as pointers plus objects under .git/lfs/objects: the same
protocol huggingface_hub speaks to the Hub (revision info, tree, paths-info, resolve).

Olah is read-only and nothing offline implements the Hub's upload protocol, so uploads are a
minimal implementation here: create repo, create branch, preupload, the LFS batch API with
"basic" transfers, and the ndjson commit endpoint. A commit is written into the same git
repositories, so what a test pushes is what olah then serves.

Two repo owners misbehave on purpose: `ratelimited/*` answers 429 and `down/*` answers 503.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

TOKEN = "hf_gancliTestWriteToken0123456789abcd"
READ_ONLY_TOKEN = "hf_gancliTestReadToken0123456789abcd"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "hub",
    "GIT_AUTHOR_EMAIL": "hub@localhost",
    "GIT_COMMITTER_NAME": "hub",
    "GIT_COMMITTER_EMAIL": "hub@localhost",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}
GITATTRIBUTES = b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.png filter=lfs diff=lfs merge=lfs -text\n"


def _git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=repo, env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    def __init__(self, base: Path, token: str, read_only_token: str) -> None:
        self.base = base
        self.token = token
        self.read_only_token = read_only_token
        self.mirrors = base / "mirrors"
        self.staging = base / "lfs-uploads"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[tuple[str, str]] = []
        self.created: dict[str, dict] = {}  # repo id -> the create-repo request
        self._lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None

    # ---- repositories ------------------------------------------------------------------------

    def repo_dir(self, repo_id: str) -> Path:
        return self.mirrors / "models" / repo_id

    def create(self, repo_id: str) -> bool:
        path = self.repo_dir(repo_id)
        if path.exists():
            return False
        path.mkdir(parents=True)
        _git(path, "init", "-q", "-b", "main")
        (path / ".gitattributes").write_bytes(GITATTRIBUTES)
        _git(path, "add", "-A")
        _git(path, "commit", "-q", "-m", "initial commit")
        return True

    def _lfs_object(self, repo: Path, oid: str) -> Path:
        return repo / ".git" / "lfs" / "objects" / oid[:2] / oid[2:4] / oid

    def write_files(
        self,
        repo_id: str,
        files: dict[str, bytes],
        deleted: tuple[str, ...] = (),
        branch: str = "main",
        message: str = "upload",
    ) -> str:
        """Commit `files` to `branch`: binary files as LFS pointers + objects, as the Hub does."""
        repo = self.repo_dir(repo_id)
        with self._lock:
            _git(repo, "checkout", "-q", branch)
            try:
                for path, data in files.items():
                    target = repo / path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if b"\0" in data[:1024] or path.endswith((".safetensors", ".png")):
                        oid = hashlib.sha256(data).hexdigest()
                        obj = self._lfs_object(repo, oid)
                        obj.parent.mkdir(parents=True, exist_ok=True)
                        obj.write_bytes(data)
                        target.write_text(
                            "version https://git-lfs.github.com/spec/v1\n"
                            f"oid sha256:{oid}\nsize {len(data)}\n"
                        )
                    else:
                        target.write_bytes(data)
                for path in deleted:
                    (repo / path).unlink(missing_ok=True)
                _git(repo, "add", "-A")
                _git(repo, "commit", "-q", "--allow-empty", "-m", message)
                return _git(repo, "rev-parse", "HEAD")
            finally:
                _git(repo, "checkout", "-q", "main")

    def tamper(self, repo_id: str, path: str) -> None:
        """Change the stored bytes of an LFS file but not its pointer (its sha256 on the Hub)."""
        repo = self.repo_dir(repo_id)
        oid = (repo / path).read_text().split("oid sha256:")[1].split()[0]
        obj = self._lfs_object(repo, oid)
        data = bytearray(obj.read_bytes())
        data[-1] ^= 0xFF
        obj.write_bytes(bytes(data))

    # ---- the upload endpoints ----------------------------------------------------------------

    def _auth(self, request, write: bool = True):
        from starlette.responses import JSONResponse

        auth = request.headers.get("authorization", "")
        if auth == f"Bearer {self.token}":
            return None
        if auth == f"Bearer {self.read_only_token}" and write:
            return JSONResponse(
                {"error": "You don't have the rights to create a model under this namespace"},
                status_code=403,
            )
        if auth == f"Bearer {self.read_only_token}":
            return None
        return JSONResponse({"error": "Invalid credentials in Authorization header"}, 401)

    def _upload_app(self):
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse, Response
        from starlette.routing import Route

        async def create_repo(request):
            if (denied := self._auth(request)) is not None:
                return denied
            body = await request.json()
            repo_id = f"{body['organization']}/{body['name']}"
            self.created.setdefault(repo_id, body)
            if not self.create(repo_id):
                return JSONResponse(
                    {
                        "error": "You already created this model repo",
                        "url": f"{self.url}/{repo_id}",
                    },
                    status_code=409,
                )
            return JSONResponse({"url": f"{self.url}/{repo_id}", "name": repo_id})

        async def create_branch(request):
            if (denied := self._auth(request)) is not None:
                return denied
            p = request.path_params
            repo = self.repo_dir(f"{p['owner']}/{p['name']}")
            if not repo.exists():
                return JSONResponse(
                    {"error": "Repository not found"}, 404, {"X-Error-Code": "RepoNotFound"}
                )
            branches = _git(repo, "branch", "--format=%(refname:short)").split()
            if p["branch"] in branches:
                return JSONResponse({"error": "Reference already exists"}, status_code=409)
            _git(repo, "branch", p["branch"], "main")
            return JSONResponse({})

        async def preupload(request):
            if (denied := self._auth(request)) is not None:
                return denied
            body = await request.json()
            files = []
            for f in body["files"]:
                sample = base64.b64decode(f.get("sample", ""))
                lfs = b"\0" in sample or f["path"].endswith((".safetensors", ".png"))
                files.append(
                    {
                        "path": f["path"],
                        "uploadMode": "lfs" if lfs else "regular",
                        "shouldIgnore": False,
                    }
                )
            return JSONResponse({"files": files, "commitOid": None})

        async def lfs_batch(request):
            if (denied := self._auth(request)) is not None:
                return denied
            body = await request.json()
            objects = []
            for o in body["objects"]:
                item = {"oid": o["oid"], "size": o["size"], "authenticated": True}
                if not (self.staging / o["oid"]).exists():
                    item["actions"] = {"upload": {"href": f"{self.url}/_lfs_upload/{o['oid']}"}}
                objects.append(item)
            return JSONResponse({"transfer": "basic", "objects": objects})

        async def lfs_upload(request):
            oid = request.path_params["oid"]
            data = await request.body()
            if hashlib.sha256(data).hexdigest() != oid:
                return JSONResponse({"error": "sha256 does not match"}, status_code=400)
            self.staging.mkdir(parents=True, exist_ok=True)
            (self.staging / oid).write_bytes(data)
            return Response(status_code=200)

        async def commit(request):
            if (denied := self._auth(request)) is not None:
                return denied
            p = request.path_params
            repo_id = f"{p['owner']}/{p['name']}"
            if not self.repo_dir(repo_id).exists():
                return JSONResponse(
                    {"error": "Repository not found"}, 404, {"X-Error-Code": "RepoNotFound"}
                )
            files: dict[str, bytes] = {}
            deleted: list[str] = []
            message = "upload"
            for line in (await request.body()).splitlines():
                item = json.loads(line)
                value = item["value"]
                if item["key"] == "header":
                    message = value.get("summary") or message
                elif item["key"] == "file":
                    files[value["path"]] = base64.b64decode(value["content"])
                elif item["key"] == "lfsFile":
                    files[value["path"]] = (self.staging / value["oid"]).read_bytes()
                elif item["key"] == "deletedFile":
                    deleted.append(value["path"])
            sha = self.write_files(repo_id, files, tuple(deleted), p["rev"], message)
            return JSONResponse(
                {
                    "commitUrl": f"{self.url}/{repo_id}/commit/{sha}",
                    "commitOid": sha,
                    "pullRequestUrl": None,
                }
            )

        async def validate_yaml(request):
            import yaml

            text = (await request.json()).get("content", "")
            head = text.split("---")[1] if text.startswith("---") and text.count("---") >= 2 else ""
            try:
                meta = yaml.safe_load(head) or {}
            except yaml.YAMLError as e:
                meta = {"__error__": str(e)}
            if not isinstance(meta, dict) or "__error__" in meta:
                return JSONResponse({"errors": [{"message": "invalid YAML"}]}, status_code=400)
            return JSONResponse({"errors": [], "warnings": []})

        return Starlette(
            routes=[
                Route("/api/validate-yaml", validate_yaml, methods=["POST"]),
                Route("/api/repos/create", create_repo, methods=["POST"]),
                Route(
                    "/api/models/{owner}/{name}/branch/{branch:path}",
                    create_branch,
                    methods=["POST"],
                ),
                Route(
                    "/api/models/{owner}/{name}/preupload/{rev:path}", preupload, methods=["POST"]
                ),
                Route("/api/models/{owner}/{name}/commit/{rev:path}", commit, methods=["POST"]),
                Route("/{owner}/{name}.git/info/lfs/objects/batch", lfs_batch, methods=["POST"]),
                Route("/_lfs_upload/{oid}", lfs_upload, methods=["PUT"]),
            ]
        )

    # ---- the server ---------------------------------------------------------------------------

    def start(self) -> Hub:
        import uvicorn
        from olah.configs import OlahConfig
        from olah.server import AppSettings
        from olah.server import app as olah_app

        self.mirrors.mkdir(parents=True, exist_ok=True)
        config = self.base / "olah.toml"
        config.write_text(
            "[basic]\n"
            f'host = "127.0.0.1"\nport = {self.port}\n'
            f'repos-path = "{self.base / "olah-cache"}"\n'
            f'mirrors-path = ["{self.mirrors}"]\n'
            f'mirror-netloc = "127.0.0.1:{self.port}"\n'
            f'mirror-lfs-netloc = "127.0.0.1:{self.port}"\n'
            "[accessibility]\noffline = true\n"
        )
        olah_app.state.app_settings = AppSettings(config=OlahConfig(str(config)))
        uploads = self._upload_app()
        upload_paths = ("/api/repos/create", "/api/validate-yaml", "/_lfs_upload/")

        async def app(scope, receive, send):
            if scope["type"] != "http":
                return await olah_app(scope, receive, send)
            path, method = scope["path"], scope["method"]
            with self._lock:
                self.requests.append((method, path))
            for owner, status in (("ratelimited", 429), ("down", 503)):
                if f"/{owner}/" in path:
                    from starlette.responses import JSONResponse

                    headers = {"Retry-After": "7"} if status == 429 else {}
                    response = JSONResponse({"error": "nope"}, status_code=status, headers=headers)
                    return await response(scope, receive, send)
            writes = path.startswith(upload_paths) or (
                method == "POST"
                and (
                    path.endswith("/info/lfs/objects/batch")
                    or any(f"/{k}/" in path for k in ("preupload", "commit", "branch"))
                )
            )
            return await (uploads if writes else olah_app)(scope, receive, send)

        config_ = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="error", lifespan="off"
        )
        self._server = uvicorn.Server(config_)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.time() + 20
        while not self._server.started:
            if time.time() > deadline or not self._thread.is_alive():
                raise RuntimeError("the loopback Hub did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)


def subprocess_env(hub, cache: Path, **extra: str) -> dict[str, str]:
    """The environment of a plain `python` process that talks to the loopback Hub."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HOME=str(cache),
        HF_HUB_OFFLINE="0",
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HUB_DISABLE_TELEMETRY="1",
    )
    env.update(extra)
    return env
