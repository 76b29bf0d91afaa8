"""Reading a screen's warehouse data off the UI thread, only when something changed.

`VersionWatch` tells a worker whether another connection has committed since this thread last
read (`PRAGMA data_version`, through the warehouse); `LiveReader` runs a screen's read in a
thread worker on that condition and posts the result back as a message, so a timer can ask
every second for free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse


class VersionWatch:
    """'Has anyone committed since this thread last read?' for refresh workers.

    `PRAGMA data_version` is per connection and the warehouse keeps one connection per
    thread; workers run on a pool, so the last version is remembered per thread.
    """

    def __init__(self) -> None:
        self._versions: dict[int, int] = {}
        self._lock = threading.Lock()

    def changed(self, version: int) -> bool:
        """Record this thread's `version`; True when it differs from the last one seen."""
        thread = threading.get_ident()
        with self._lock:
            old = self._versions.get(thread)
            self._versions[thread] = version
        return old != version


class LiveReader:
    """Reads a screen's warehouse data in a thread worker and posts it as a message.

    `refresh()` starts a read unless one is running, and reads only when another connection
    committed since this thread last read (or when forced): a timer can call it every second
    for free. `read_now()` starts a read whatever is running, for a change of what is shown.
    """

    def __init__(
        self,
        screen: Screen[Any],
        warehouse: Warehouse,
        read: Callable[[], Message],
        group: str,
    ) -> None:
        self.screen = screen
        self.warehouse = warehouse
        self.read = read
        self.group = group
        self._watch = VersionWatch()
        self._worker: Worker[None] | None = None

    def refresh(self, force: bool = False) -> None:
        if self._worker is None or self._worker.is_finished:
            self._start(force)

    def read_now(self) -> None:
        self._start(True)

    def _start(self, force: bool) -> None:
        self._worker = self.screen.run_worker(
            partial(self._run, force), thread=True, exit_on_error=False, group=self.group
        )

    def _run(self, force: bool) -> None:
        if self._watch.changed(self.warehouse.data_version()) or force:
            self.screen.post_message(self.read())
