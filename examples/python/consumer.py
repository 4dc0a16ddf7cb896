#!/usr/bin/env python3
"""Takes jobs from a jobq server and works on them: a long poll waits for work, each
job is completed, or failed with the error when the work raises.

    JOBQ_URL=http://127.0.0.1:7070 python3 consumer.py --queue emails
"""

import argparse
import json
import os
import socket
import sys

from jobq_http import Jobq, JobqError


def work(payload):
    """The work: here, sending a mail. Every seventh recipient bounces."""
    message = json.loads(payload)
    if message["n"] % 7 == 0:
        raise RuntimeError(f"mailbox {message['to']} does not exist")
    return f"sent to {message['to']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="the server (default $JOBQ_URL)")
    parser.add_argument("--queue", default="default")
    parser.add_argument("--wait", type=float, default=5.0, help="seconds to wait for a job")
    parser.add_argument("--exit-when-empty", action="store_true",
                        help="stop when no job came within --wait")
    args = parser.parse_args()

    queue = Jobq(args.url)
    worker = f"python-{socket.gethostname()}-{os.getpid()}"
    done = failed = 0
    while True:
        jobs = queue.take(args.queue, max=10, wait_ms=int(args.wait * 1000), worker=worker)
        if not jobs:
            if args.exit_when_empty:
                break
            continue
        for job in jobs:
            try:
                result = work(job["payload"])
            except Exception as e:  # the job's error, not the consumer's
                settled = queue.fail(job["id"], job["lease"], str(e))
                failed += 1
                print(f"failed {job['id']} (attempt {job['attempt']}): {e}; now {settled['state']}")
                continue
            try:
                queue.complete(job["id"], job["lease"])
                done += 1
                print(f"done {job['id']}: {result}")
            except JobqError as e:
                if e.code != "lease_lost":
                    raise
                print(f"lost the lease of {job['id']}; it runs again elsewhere")
    print(f"consumer stops: {done} done, {failed} failed attempts")


if __name__ == "__main__":
    try:
        main()
    except JobqError as e:
        sys.exit(f"error: {e}")
