"""The hand-off between the pipeline's threads.

A live camera does not wait for anybody: when the reader is slow the oldest
item is dropped (and counted), so the reader always gets the newest frame and
the delay never grows. A recording replayed unpaced has no clock to keep up
with, so there the queue blocks the writer instead and nothing is lost.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Generic, TypeVar, overload

T = TypeVar("T")


class QueueClosed(Exception):
    """The writer closed the queue and everything in it has been read."""


class HandOff(Generic[T]):
    def __init__(self, capacity: int, *, drop_oldest: bool = True) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.drop_oldest = drop_oldest
        self.dropped = 0
        self.high_water = 0  # the most items ever waiting at once (for the soak benchmark)
        self._items: deque[T] = deque()
        self._closed = False
        self._changed = threading.Condition()

    def put(self, item: T) -> None:
        """Add an item. Dropping: never waits. Blocking: waits for room (or close)."""
        with self._changed:
            if self._closed:
                return
            if len(self._items) >= self.capacity:
                if self.drop_oldest:
                    self._items.popleft()
                    self.dropped += 1
                else:
                    self._changed.wait_for(lambda: len(self._items) < self.capacity or self._closed)
                    if self._closed:
                        return
            self._items.append(item)
            self.high_water = max(self.high_water, len(self._items))
            self._changed.notify_all()

    @overload
    def get(self) -> T: ...

    @overload
    def get(self, timeout: float | None) -> T | None: ...

    def get(self, timeout: float | None = None) -> T | None:
        """The oldest waiting item, waiting for one; None after `timeout`
        seconds without one (never without a timeout). Raises QueueClosed
        once the queue is closed and empty."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not self._items:
                if self._closed:
                    raise QueueClosed
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._changed.wait(remaining)
            item = self._items.popleft()
            self._changed.notify_all()
            return item

    def drain(self) -> list[T]:
        """Everything waiting, oldest first, without blocking."""
        with self._changed:
            items = list(self._items)
            self._items.clear()
            self._changed.notify_all()
            return items

    def close(self) -> None:
        """No more items: readers get what is left, then QueueClosed; writers stop waiting."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
