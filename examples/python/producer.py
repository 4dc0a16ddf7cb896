#!/usr/bin/env python3
"""Submits N jobs to a jobq server, each with a chosen id, so running it twice submits
nothing twice.

    JOBQ_URL=http://127.0.0.1:7070 python3 producer.py --queue emails --count 10
"""

import argparse
import json
import sys

from jobq_http import Jobq, JobqError


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="the server (default $JOBQ_URL)")
    parser.add_argument("--queue", default="default")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--prefix", default="py", help="ids are PREFIX-1, PREFIX-2, ...")
    args = parser.parse_args()

    queue = Jobq(args.url)
    submitted = existing = 0
    for n in range(1, args.count + 1):
        id = f"{args.prefix}-{n}"
        payload = json.dumps({"to": f"user{n}@example.com", "n": n})
        try:
            queue.submit(args.queue, payload, id=id, max_attempts=2)
            submitted += 1
            print(f"submitted {id}")
        except JobqError as e:
            if e.code != "duplicate":
                raise
            existing += 1
            print(f"{id} was submitted before")
    print(f"done: {submitted} submitted, {existing} already there")


if __name__ == "__main__":
    try:
        main()
    except JobqError as e:
        sys.exit(f"error: {e}")
