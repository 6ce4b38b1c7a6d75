# Callback plugin for the fleet bench (bench/fleet-ansible.ts): one JSON line
# per task start and per result, with a wall-clock timestamp, appended to the
# file named by $BENCH_ANSIBLE_TIMING. It records host names, task names and
# loop labels only: never an item, a result body or a variable.
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: bench_timing
    type: aggregate
    short_description: per-host, per-item timings for the fleet bench
    description:
      - Writes one JSON line per runner start and result to the file in BENCH_ANSIBLE_TIMING.
    requirements:
      - enable in ansible.cfg (callbacks_enabled = bench_timing)
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        path = os.environ.get("BENCH_ANSIBLE_TIMING")
        self._out = open(path, "a", buffering=1, encoding="utf-8") if path else None

    def _emit(self, event, host, task, label=None):
        if self._out is None:
            return
        line = {"t": time.time(), "event": event, "host": host, "task": task}
        if label is not None:
            line["label"] = str(label)
        self._out.write(json.dumps(line) + "\n")

    def _result(self, event, result):
        self._emit(event, result._host.get_name(), result._task.get_name(), result._result.get("_ansible_item_label"))

    def v2_runner_on_start(self, host, task):
        self._emit("start", host.get_name(), task.get_name())

    def v2_runner_item_on_ok(self, result):
        self._result("item_ok", result)

    def v2_runner_item_on_failed(self, result):
        self._result("item_failed", result)

    def v2_runner_on_ok(self, result):
        self._result("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result("failed", result)

    def v2_runner_on_unreachable(self, result):
        self._result("unreachable", result)
