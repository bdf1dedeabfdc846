"""Kernel launcher for tests: fails to start once when asked to, else starts ipykernel.

Used by tests/test_batch.py through a kernelspec named ``josanalysis`` on ``JUPYTER_PATH``.
``python flaky_kernel.py MARKER_DIR -f CONNECTION_FILE``: when ``MARKER_DIR/fail_next`` exists,
the first launcher to remove it exits at once (the kernel "dies before replying to
kernel_info", as under port races); every other launch execs the real ipykernel.
"""

import os
import sys

marker = os.path.join(sys.argv[1], "fail_next")
try:
    os.remove(marker)
except FileNotFoundError:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[2:]])
else:
    with open(os.path.join(sys.argv[1], "failed_starts"), "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()}\n")
    sys.exit(1)
