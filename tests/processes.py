"""Helpers for tests that run commands in their own session and signal the whole process group."""

import os
import time


def group_is_gone(pgid, timeout=20):
    """Wait until no process of group `pgid` is left (the command and all its workers); False after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
