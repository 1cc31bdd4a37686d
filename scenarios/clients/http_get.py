"""A small HTTP client, the kind whose resilience a flaky network tests.

Usage: python3 http_get.py URL [RETRIES]

Prints "STATUS REASON, N bytes" and exits 0 when the whole body arrived;
on a broken connection it retries up to RETRIES times (default 0), then
prints "failed: ERROR" and exits 2.
"""

import sys
import urllib.request

url = sys.argv[1]
retries = int(sys.argv[2]) if len(sys.argv) > 2 else 0

for attempt in range(retries + 1):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read()
        print(f"{response.status} {response.reason}, {len(body)} bytes", flush=True)
        sys.exit(0)
    except (OSError, ValueError) as exc:
        # http.client.HTTPException is a ValueError's cousin; IncompleteRead among them.
        print(f"attempt {attempt + 1}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    except Exception as exc:
        print(f"attempt {attempt + 1}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
print("failed: the connection broke on every attempt", flush=True)
sys.exit(2)
