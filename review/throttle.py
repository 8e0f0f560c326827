"""Login throttling: after repeated wrong passwords, a user name (or a client address) must wait.

In memory, per app process: enough to make guessing passwords over the network slow, without a
table or a server. A success clears the user name's failures. Time is injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5  # wrong passwords allowed within the window, per user name and per client
WINDOW_SECONDS = 15 * 60


class LoginThrottle:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # FastAPI runs plain handlers in a thread pool

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, name: str, client: str) -> int:
        """Seconds to wait before another attempt for this name or client (0: go ahead)."""
        now = self.clock()
        with self._lock:
            wait = 0.0
            for key in (f"user:{name.casefold()}", f"client:{client}"):
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    wait = max(wait, times[0] + self.window - now)
            return int(wait) + 1 if wait > 0 else 0

    def failed(self, name: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (f"user:{name.casefold()}", f"client:{client}"):
                self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{name.casefold()}", None)
