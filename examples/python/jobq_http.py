"""A small client for the jobq HTTP API, using only the Python standard library.

    queue = Jobq("http://127.0.0.1:7070", token=None)
    queue.submit("emails", "hello", id="mail-1")
    for job in queue.take("emails", wait_ms=5000):
        queue.complete(job["id"], job["lease"])

Every refusal raises JobqError with the API's code ("duplicate", "lease_lost", ...)
and HTTP status. The routes are listed at /openapi.json on the server.
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request


class JobqError(Exception):
    """The server refused a call: `code` is the API's error code, `status` the HTTP status."""

    def __init__(self, status, code, message):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Jobq:
    """A jobq server at `url` (default $JOBQ_URL), with `token` (default $JOBQ_TOKEN)."""

    def __init__(self, url=None, token=None):
        self.url = (url or os.environ.get("JOBQ_URL") or "http://127.0.0.1:7070").rstrip("/")
        self.token = token or os.environ.get("JOBQ_TOKEN")

    def call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as e:
            try:
                error = json.load(e)["error"]
            except (ValueError, KeyError):
                error = {"code": "http", "message": str(e)}
            raise JobqError(e.code, error["code"], error["message"]) from None

    @staticmethod
    def job_path(id):
        # Ids may hold any printable character: one path segment, percent-encoded.
        return "/v1/jobs/" + urllib.parse.quote(id, safe="")

    def submit(self, queue, payload, id=None, priority=None, delay_ms=None, max_attempts=None):
        """Submits one job; returns its id. A duplicate id raises JobqError("duplicate")."""
        body = {"payload": payload}
        for key, value in [("id", id), ("priority", priority), ("delay_ms", delay_ms),
                           ("max_attempts", max_attempts)]:
            if value is not None:
                body[key] = value
        path = f"/v1/queues/{urllib.parse.quote(queue, safe='')}/jobs"
        return self.call("POST", path, body)["id"]

    def take(self, queue, max=1, lease_ms=30000, wait_ms=0, worker=None):
        """Leases up to `max` jobs, waiting up to `wait_ms` for one; returns a list."""
        body = {"max": max, "lease_ms": lease_ms, "wait_ms": wait_ms}
        if worker:
            body["worker"] = worker
        path = f"/v1/queues/{urllib.parse.quote(queue, safe='')}/take"
        return self.call("POST", path, body, timeout=60 + wait_ms / 1000)["jobs"]

    def complete(self, id, lease):
        return self.call("POST", self.job_path(id) + "/complete", {"lease": lease})

    def fail(self, id, lease, error):
        return self.call("POST", self.job_path(id) + "/fail", {"lease": lease, "error": error})

    def extend(self, id, lease, lease_ms=30000):
        return self.call("POST", self.job_path(id) + "/extend", {"lease": lease, "lease_ms": lease_ms})

    def status(self, id):
        return self.call("GET", self.job_path(id))

    def stats(self):
        return self.call("GET", "/v1/stats")["queues"]
