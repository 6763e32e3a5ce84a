"""Fault: a task worker is killed (`kill -9`) in the middle of a task. The task is put back
in the queue and done by another worker — or, on its last allowed run, marked failed with
WorkerLost where the office sees it — and no email recorded as sent goes out twice.

    .venv/bin/python bench/faults/worker_killed.py [--emails 6] [--keep]

No task of the portal takes long enough on a small database to be killed reliably in
the middle, so the task is an email delivery (deliver_email) to an SMTP server (aiosmtpd)
that waits 3 s before it answers each message. serve-prod ends the whole topology when
one process exits, so this script starts the processes itself, with serve-prod's
production environment: one gunicorn (port 8221, for the office's page) and two
`manage.py portal_worker` processes, WORKER_HEARTBEAT_SECONDS=1, WORKER_STALE_SECONDS=5,
on its own database (alliance_faults_worker, dropped and made anew).

A. TASK_MAX_ATTEMPTS=4: N emails are queued; while a worker is inside one (its
   DBTaskResult RUNNING, the SMTP server holding the message), that worker (found by the
   task's worker_ids → WorkerHeartbeat.pid) is killed with SIGKILL. Checks: the other
   worker puts the task back (audit event task.requeued) and runs it to success; every
   email ends SENT; the killed attempt's message may have reached the server before the
   worker died (at-least-once: its row was not yet SENT, so it is sent again) but no
   message arrives after its row was recorded SENT, and every other message arrives once;
   the office page shows the recovery and the silent worker.
B. TASK_MAX_ATTEMPTS=1 (two fresh workers): one email; its worker is killed likewise.
   Checks: the task is marked failed with core.workers.WorkerLost (audit event
   task.worker_lost), the email becomes FAILED, and the office page lists both.

Exit status 0: every check passed; 1: a violation (listed); 2: refused.
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faults import common
from bench.faults.common import PY, Browser, Verdict, log
from bench.faults.mail_sink import MailSink

SCRIPT = "worker_killed"
DELIVER = "core.mail.deliver_email"
WORKER_LOST = "core.workers.WorkerLost"


def wait_for(predicate, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


class Workers:
    """portal_worker processes started here, by worker id."""

    def __init__(self, env: dict, logdir: Path):
        self.env = env
        self.logdir = logdir
        self.procs: dict = {}

    def start(self, worker_id: str, **settings) -> None:
        env = {**self.env, **{k: str(v) for k, v in settings.items()}}
        self.procs[worker_id] = common.start(
            [
                PY,
                "manage.py",
                "portal_worker",
                "--no-reload",
                "--queue-name",
                "*",
                "--worker-id",
                worker_id,
            ],
            env,
            self.logdir / f"{worker_id}.log",
        )

    def kill9(self, worker_id: str, pid: int) -> None:
        proc = self.procs[worker_id]
        if proc.pid != pid:  # only ever a process this script started
            raise RuntimeError(f"heartbeat pid {pid} is not our worker {worker_id} ({proc.pid})")
        os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            common.kill_tree(proc)


def kill_a_running_delivery(workers: Workers, verdict: Verdict, sink: MailSink):
    """Wait for a delivery in the middle of its SMTP conversation; kill its worker.
    Returns (task id, email id, worker id, time of the kill)."""
    from django_tasks_db.models import DBTaskResult

    from core.models import WorkerHeartbeat

    def running():
        if sink.in_data < 1:
            return None
        task = (
            DBTaskResult.objects.running().filter(task_path=DELIVER).order_by("started_at").first()
        )
        return task

    task = wait_for(running, 30)
    if task is None:
        raise RuntimeError("no delivery was seen running")
    worker_id = task.worker_ids[-1]
    beat = WorkerHeartbeat.objects.get(worker_id=worker_id)
    email_id = task.args_kwargs["args"][0]
    time.sleep(0.5)  # well inside the 3 s the server takes to answer
    in_data = sink.in_data
    workers.kill9(worker_id, beat.pid)
    t_kill = time.time()
    log(f"killed worker {worker_id} (pid {beat.pid}) while it delivered email {email_id}")
    verdict.note(
        f"      killed {worker_id} (pid {beat.pid}) with SIGKILL during task {task.id} "
        f"(email {email_id}), {in_data} message(s) held by the SMTP server at that moment"
    )
    return str(task.id), email_id, worker_id, t_kill


def queue(n: int, label: str) -> list[int]:
    from core.mail import queue_email

    ids = []
    for i in range(n):
        email = queue_email(
            to=[f"{label}{i:02d}@faults.example.org"],
            subject=f"fault test {label} {i:02d}",
            body_text="worker_killed fault script",
            template="fault_test",
            language="zh-hant",
        )
        ids.append(email.pk)
    return ids


def arrivals_after_sent(sink: MailSink, rows) -> list[str]:
    """Messages that reached the server after their row was recorded SENT (must be none)."""
    by_subject = sink.by_subject()
    late = []
    for row in rows:
        if row.status != "sent":
            continue
        for a in by_subject.get(row.subject, []):
            if a.data_at > row.sent_at.timestamp() + 0.05:
                after = a.data_at - row.sent_at.timestamp()
                late.append(f"{row.subject} arrived {after:.2f} s after SENT")
    return late


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=6)
    parser.add_argument("--database", default="alliance_faults_worker")
    parser.add_argument("--port", type=int, default=8221)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    common.single_instance(SCRIPT)
    if not common.port_free(args.port):
        common.refuse(f"refused: port {args.port} is in use")
    smtp_port = common.free_port()
    url = common.database_url(args.database)
    env = common.portal_env(
        url,
        SCRIPT,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp_port,
        TASK_RETRY_BASE_SECONDS=3,
        WORKER_HEARTBEAT_SECONDS=1,
        WORKER_STALE_SECONDS=5,
        PORTAL_BASE_URL=f"http://127.0.0.1:{args.port}",
    )
    var = Path(env["PORTAL_VAR_DIR"])
    for old in var.glob("*.log"):
        old.unlink()
    verdict = Verdict(
        f"worker_killed: kill -9 of a worker mid-task ({args.emails} emails, SMTP server "
        f"answering after 3 s, WORKER_HEARTBEAT_SECONDS=1, WORKER_STALE_SECONDS=5)"
    )
    sink = MailSink(smtp_port, delay=3.0)
    workers = Workers(env, var)
    gunicorn = None
    t_start = time.monotonic()
    try:
        log(f"database {args.database}: creating, migrating")
        common.recreate_database(url)
        common.setup_django(env)
        common.migrate()
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        from django_tasks_db.models import DBTaskResult

        from core.models import AuditEvent, OutboundEmail
        from core.workers import live_workers

        _, secret = common.make_user("office@faults.example.org", "辦公室", office=True)
        sink.start()
        gunicorn = common.start(
            [
                common.GUNICORN,
                "alliance_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--timeout",
                "60",
            ],
            env,
            var / "gunicorn.log",
        )
        base = f"http://127.0.0.1:{args.port}"
        common.wait_http(base + "/healthz/live", proc=gunicorn, logfile=var / "gunicorn.log")
        office = Browser(base)
        office.login("office@faults.example.org", totp_secret=secret)

        # --- A: requeued and completed ---------------------------------------------------
        log("phase A: TASK_MAX_ATTEMPTS=4, two workers")
        verdict.note("A. TASK_MAX_ATTEMPTS=4 (the task may run again)")
        workers.start("faults-a1", TASK_MAX_ATTEMPTS=4)
        workers.start("faults-a2", TASK_MAX_ATTEMPTS=4)
        common.wait_http(base + "/healthz", timeout=30)  # it wants a worker's beat
        ids = queue(args.emails, "a")
        task_id, email_id, victim, t_kill = kill_a_running_delivery(workers, verdict, sink)

        def requeued():
            return AuditEvent.objects.filter(action="task.requeued", target_id=task_id).first()

        event = wait_for(requeued, 30)
        verdict.check(
            event is not None,
            "audit event task.requeued for the killed task"
            + (f", {event.occurred_at.timestamp() - t_kill:.1f} s after the kill" if event else ""),
        )

        def all_done():
            rows = OutboundEmail.objects.filter(pk__in=ids)
            return rows.filter(status="sent").count() == len(ids)

        wait_for(all_done, 60, step=0.5)
        t_done = time.time()
        task = DBTaskResult.objects.get(id=task_id)
        verdict.check(
            task.status == "SUCCESSFUL"
            and len(task.worker_ids) == 2
            and task.worker_ids[0] == victim,
            f"the killed task ran again and succeeded: status {task.status}, "
            f"runs by {task.worker_ids}",
        )
        rows = list(OutboundEmail.objects.filter(pk__in=ids).order_by("pk"))
        verdict.check(
            all(r.status == "sent" for r in rows),
            f"{sum(r.status == 'sent' for r in rows)}/{len(rows)} emails SENT "
            f"({t_done - t_kill:.0f} s after the kill)",
        )
        time.sleep(1)
        late = arrivals_after_sent(sink, rows)
        verdict.check(not late, f"no message arrived after its row was SENT {late or ''}")
        by_subject = sink.by_subject()
        victim_row = next(r for r in rows if r.pk == email_id)
        victim_n = len(by_subject.get(victim_row.subject, []))
        others = {r.subject: len(by_subject.get(r.subject, [])) for r in rows if r.pk != email_id}
        verdict.check(
            all(n == 1 for n in others.values()),
            f"every other message arrived exactly once ({sorted(set(others.values()))})",
        )
        verdict.check(
            victim_n in (1, 2),
            f"the killed delivery's message arrived {victim_n}× (the killed attempt had "
            f"handed it to the server but was not recorded SENT: at-least-once, allowed)",
        )
        verdict.note(f"      email attempts counter of the killed message: {victim_row.attempts}")
        r = office.get("/office/background-work/")
        html = r.text if r is not None else ""
        verdict.check(
            r is not None and r.status_code == 200 and task_id in html and victim in html,
            "office /office/background-work/ shows the recovery (task id) and the silent worker",
        )

        # --- B: the last allowed run: failed, WorkerLost ------------------------------------
        log("phase B: TASK_MAX_ATTEMPTS=1, two fresh workers")
        verdict.note("B. TASK_MAX_ATTEMPTS=1 (the killed run was the last allowed)")
        workers.stop_all()
        workers.procs.clear()
        workers.start("faults-b1", TASK_MAX_ATTEMPTS=1)
        workers.start("faults-b2", TASK_MAX_ATTEMPTS=1)
        wait_for(lambda: live_workers().filter(worker_id__startswith="faults-b").count() == 2, 30)
        before_arrivals = len(sink.arrivals)
        ids_b = queue(1, "b")
        task_id_b, email_id_b, victim_b, t_kill_b = kill_a_running_delivery(workers, verdict, sink)

        def lost():
            return AuditEvent.objects.filter(action="task.worker_lost", target_id=task_id_b).first()

        event = wait_for(lost, 30)
        verdict.check(
            event is not None,
            "audit event task.worker_lost for the killed task"
            + (f", {event.occurred_at.timestamp() - t_kill_b:.1f} s later" if event else ""),
        )
        task = DBTaskResult.objects.get(id=task_id_b)
        verdict.check(
            task.status == "FAILED" and task.exception_class_path == WORKER_LOST,
            f"the task is FAILED with {task.exception_class_path}",
        )
        row = OutboundEmail.objects.get(pk=ids_b[0])
        verdict.check(row.status == "failed", f"its email is {row.status.upper()} (not sent again)")
        verdict.note(f"      its last_error, as the office reads it: {row.last_error!r}")
        time.sleep(4)
        r = office.get("/office/background-work/")
        html = r.text if r is not None else ""
        verdict.check(
            r is not None and r.status_code == 200 and "WorkerLost" in html and row.subject in html,
            "office page lists the failed task (WorkerLost) and the undelivered email",
        )
        verdict.check(
            len(sink.arrivals) - before_arrivals <= 1,
            f"the given-up message reached the server {len(sink.arrivals) - before_arrivals}× "
            f"(only the killed attempt, never retried)",
        )
        alive = [w for w, p in workers.procs.items() if p.poll() is None]
        verdict.check(len(alive) == 1, f"the surviving worker kept running ({alive})")
    except Exception as exc:  # report, then clean up
        verdict.check(False, f"the script stopped: {type(exc).__name__}: {exc}")
        for f in sorted(var.glob("*.log")):
            print(f"--- {f.name}\n{f.read_text(errors='replace')[-1500:]}", file=sys.stderr)
    finally:
        workers.stop_all()
        common.kill_tree(gunicorn)
        sink.stop()
        common.close_db()
        if not args.keep:
            common.drop_database(url)
    verdict.note(f"      run took {time.monotonic() - t_start:.0f} s")
    return verdict.print()


if __name__ == "__main__":
    raise SystemExit(main())
