"""What watches PostgreSQL's restart from outside: a probe of the database itself and a
monitor of the portal's health checks (bench/faults/pg_restart.py)."""

import threading
import time


class PgProbe(threading.Thread):
    """A new connection and SELECT 1 every 0.1 s: when PostgreSQL really refused them."""

    def __init__(self, url: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.url = url
        self.stop = stop
        self.samples: list[tuple] = []  # (time, ok)

    def run(self) -> None:
        import psycopg2

        while not self.stop.is_set():
            t = time.time()
            try:
                conn = psycopg2.connect(self.url, connect_timeout=1)
                try:
                    with conn.cursor() as cur:
                        cur.execute("SELECT 1")
                finally:
                    conn.close()
                self.samples.append((t, True))
            except psycopg2.Error:
                self.samples.append((t, False))
            time.sleep(0.1)

    def down_windows(self) -> list[tuple[float, float]]:
        """(first refused, first accepted again) of each outage seen."""
        windows, down_at = [], None
        for t, ok in self.samples:
            if not ok and down_at is None:
                down_at = t
            elif ok and down_at is not None:
                windows.append((down_at, t))
                down_at = None
        return windows


class HealthMonitor(threading.Thread):
    def __init__(self, bases: list[str], stop: threading.Event):
        super().__init__(daemon=True)
        self.bases = bases
        self.stop = stop
        self.samples: list[tuple] = []  # (time, base, status or None)

    def run(self) -> None:
        import requests

        while not self.stop.is_set():
            for base in self.bases:
                t = time.time()
                try:
                    status = requests.get(base + "/healthz", timeout=5).status_code
                except requests.RequestException:
                    status = None
                self.samples.append((t, base, status))
            time.sleep(0.25)

    def healthy_again(self, after: float) -> float | None:
        """When both servers last turned 200 after `after` (None: never)."""
        ok_since = {}
        for t, base, status in self.samples:
            if t < after:
                continue
            if status == 200:
                ok_since.setdefault(base, t)
            else:
                ok_since.pop(base, None)
        if len(ok_since) < len(self.bases):
            return None
        return max(ok_since.values())
