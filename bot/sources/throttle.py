"""Politeness per host: at most N requests in flight and a minimum gap between their starts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class HostThrottle:
    """A semaphore per host key (``hostname:port``) and a polite delay between request starts.

    Thread-safe: the collector fetches from a thread pool and every thread shares one throttle.
    Start times are reserved under a lock, so N waiting threads start ``polite_delay`` apart
    rather than all at once when the delay is over. ``clock`` and ``sleep`` are injectable
    (``time.monotonic`` and ``time.sleep`` by default) so tests need not wait.
    """

    def __init__(
        self,
        max_per_host: int = 2,
        polite_delay: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_per_host < 1:
            raise ValueError("max_per_host must be at least 1")
        if polite_delay < 0:
            raise ValueError("polite_delay must not be negative")
        self._max_per_host = max_per_host
        self._polite_delay = polite_delay
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host_key: str, *, timeout: float | None = None) -> Iterator[None]:
        """Hold one of ``host_key``'s slots, after its polite delay, for the ``with`` block.

        Raises ``TimeoutError`` when neither a slot nor the start time comes within
        ``timeout`` seconds (None waits as long as it takes).
        """
        key = host_key.lower()
        semaphore = self._semaphore_for(key)
        started = self._clock()
        if not semaphore.acquire(timeout=timeout):
            raise TimeoutError(f"no free connection slot for {key} within {timeout:g}s")
        try:
            left = None if timeout is None else timeout - (self._clock() - started)
            self._wait_turn(key, left)
            yield
        finally:
            semaphore.release()

    def _semaphore_for(self, key: str) -> threading.BoundedSemaphore:
        with self._lock:
            semaphore = self._slots.get(key)
            if semaphore is None:
                semaphore = self._slots[key] = threading.BoundedSemaphore(self._max_per_host)
            return semaphore

    def _wait_turn(self, key: str, left: float | None) -> None:
        """Reserve the next start time for ``key`` and sleep until it comes."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start.get(key, now))
            wait = start - now
            if left is not None and wait > left:
                raise TimeoutError(f"polite delay for {key} ends after the {left:g}s left")
            self._next_start[key] = start + self._polite_delay
        if wait > 0:
            self._sleep(wait)
