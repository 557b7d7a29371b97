"""Reading ahead: the next items of an iterator are produced by a thread while the caller works on this one.

An import alternates between parsing a batch of the file (Arrow's CSV reader and compute kernels, which release
the GIL) and waiting for the database to store the previous one; on two cores the two overlap. The producer
must not touch the database (Django's connections belong to their thread).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

_DONE = object()


def read_ahead[T](items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """``items``, with up to ``depth`` of them produced in advance by a background thread. An exception in the
    producer is raised here, at the item where it happened; closing the generator stops the producer."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:
            put((_DONE, exc))
            return
        put((_DONE, None))

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join()
