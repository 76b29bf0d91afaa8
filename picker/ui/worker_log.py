"""The app's workers, each of which leaves its traceback in the log when it ends in an error.

Screens run their reads and actions in workers with `exit_on_error=False` and show a failed
worker's error as a red line; Textual keeps the exception but writes its traceback nowhere
(only to devtools). Textual 8.2 calls `WorkerManager._remove_worker` for every worker when
it ends, whatever its node: the one place that sees them all. Textual is pinned exactly;
`tests/test_logging.py` notices if that hook stops being called.
"""

from __future__ import annotations

import logging
from typing import Any

from textual.worker import Worker, WorkerState
from textual.worker_manager import WorkerManager

from picker.errors import PickerError

log = logging.getLogger(__name__)


def log_failed_worker(worker: Worker[Any]) -> None:
    """Log a worker that ended in an error: a refusal (`PickerError`) at INFO, anything else
    at ERROR, both with the traceback."""
    error = worker.error
    if worker.state is not WorkerState.ERROR or error is None:
        return
    level = logging.INFO if isinstance(error, PickerError) else logging.ERROR
    where = type(worker.node).__name__
    log.log(level, "worker %s (%s) of %s failed: %s", worker.name, worker.group, where, error,
            exc_info=error)  # fmt: skip


class LoggedWorkers(WorkerManager):
    """Textual's worker manager, logging every worker that ends in an error."""

    def _remove_worker(self, worker: Worker[Any]) -> None:
        log_failed_worker(worker)
        super()._remove_worker(worker)
