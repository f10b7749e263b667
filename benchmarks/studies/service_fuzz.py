"""Schemathesis over the service's OpenAPI schema: a bounded number of generated requests per
route, checking that none answers 500 (a server error).

Starts `forgelens serve --no-auth` on loopback with a temporary data folder and two cheap
detectors, runs the schemathesis CLI against /openapi.json, prints its summary, stops the server.

    pip install schemathesis
    python benchmarks/studies/service_fuzz.py --max-examples 25
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/_local_server.py
from _local_server import start_server  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-examples", type=int, default=25, help="generated requests per route and phase")
    args = ap.parse_args()
    st = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    if not Path(st).exists():
        sys.exit("schemathesis is not installed (pip install schemathesis)")
    server, url, data = start_server(["--max-upload-bytes", "2000000"],
                                     {"FORGELENS_DETECTORS": "ela,metadata", "FORGELENS_JOBS_PER_HOUR": "0"},
                                     prefix="forgelens-fuzz-")
    try:
        t0 = time.monotonic()
        r = subprocess.run([st, "run", url + "/openapi.json", "--checks", "not_a_server_error",
                            "--max-examples", str(args.max_examples), "--workers", "1", "--no-color"],
                           capture_output=True, text=True, timeout=1800, cwd=data)  # its cache stays out of the tree
        print(r.stdout[-6000:])
        print(f"schemathesis exit status {r.returncode} in {time.monotonic() - t0:.0f} s "
              f"(0: no server error found)")
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
