"""Fault: the mail server is down. Mail waits, the office sees it waiting, and it goes out
once — and only once — when the server is back.

    .venv/bin/python bench/faults/mail_down.py [--emails 8] [--keep]

Runs scripts/serve-prod (production settings, SMTP mailer) on its own database
(alliance_faults_mail, dropped and made anew) and ports (8211/8212), with
EMAIL_HOST=127.0.0.1 and EMAIL_PORT=<a port where nothing listens>,
TASK_RETRY_BASE_SECONDS=2 and TASK_MAX_ATTEMPTS=6 (retries after 2, 8, 32, 128 s). Then:

1. K people ask for a password reset on /accounts/password/reset/ (K emails queued by
   the real web path);
2. every OutboundEmail row is RETRYING with attempts ≥ 2 and the connection error as
   last_error; the office (logged in with TOTP) finds the K messages and their count
   under "Emails waiting to be sent" on /office/background-work/;
3. an SMTP server (aiosmtpd) starts on that port; every message arrives exactly once, each
   row becomes SENT with sent_at after the server came up; the office page shows none
   waiting and no failed task;
4. deliver_email is enqueued again for every SENT row: each run returns "already-sent"
   and the server receives nothing new.

Exit status 0: every check passed; 1: a violation (listed); 2: refused.
"""

import argparse
import re
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faults import common
from bench.faults.common import Browser, ServeProd, Verdict, log
from bench.faults.mail_sink import MailSink

SCRIPT = "mail_down"
PENDING = re.compile(r'id="pending-heading">.*?<span class="count">\((\d+)\)', re.S)


def wait_for(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def office_page(office: Browser) -> tuple[int | None, str]:
    r = office.get("/office/background-work/")
    if r is None or r.status_code != 200:
        return None, f"status {r and r.status_code}"
    match = PENDING.search(r.text)
    return (int(match.group(1)) if match else None), r.text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=8, help="messages to queue (≤ 20)")
    parser.add_argument("--down", type=float, default=15, help="seconds the server stays down")
    parser.add_argument("--database", default="alliance_faults_mail")
    parser.add_argument("--ports", default="8211,8212")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    common.single_instance(SCRIPT)
    k = min(args.emails, 20)  # allauth allows 20 reset requests a minute from one address
    port_a, port_b = (int(p) for p in args.ports.split(","))
    smtp_port = common.free_port()
    url = common.database_url(args.database)
    env = common.portal_env(
        url,
        SCRIPT,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp_port,
        TASK_RETRY_BASE_SECONDS=2,
        TASK_MAX_ATTEMPTS=6,
        WORKER_HEARTBEAT_SECONDS=1,
        WORKER_STALE_SECONDS=5,
        WORKERS=2,
        GUNICORN_WORKERS=1,
        GUNICORN_THREADS=4,
    )
    verdict = Verdict(
        f"mail_down: mail server down, {k} emails, SMTP port {smtp_port} "
        f"(TASK_RETRY_BASE_SECONDS=2, TASK_MAX_ATTEMPTS=6)"
    )
    logfile = Path(env["PORTAL_VAR_DIR"]) / "serve-prod.log"
    server = ServeProd(env, port_a, port_b, logfile)
    sink = MailSink(smtp_port)
    t_start = time.monotonic()
    try:
        log(f"database {args.database}: creating, migrating, building {k} accounts")
        common.recreate_database(url)
        common.setup_django(env)
        common.migrate()
        from django_tasks_db.models import DBTaskResult

        from core.mail import deliver_email
        from core.models import OutboundEmail
        from core.tasks import failed_tasks

        people = [
            common.make_user(f"person{i:02d}@faults.example.org", f"測試者{i:02d}")[0].email
            for i in range(k)
        ]
        _, secret = common.make_user("office@faults.example.org", "辦公室", office=True)
        log(f"serve-prod on {port_a}/{port_b}; nothing listens on SMTP port {smtp_port}")
        server.start()
        base = server.bases[0]

        # 1. K password resets through the real form.
        for i, address in enumerate(people):
            anonymous = Browser(server.bases[i % 2])
            r = anonymous.post("/accounts/password/reset/", {"email": address})
            if r is None or r.status_code != 302:
                verdict.check(False, f"password reset of {address}: {r and r.status_code}")
        t_queued = time.time()
        log(f"{k} password resets requested")

        # 2. They wait, retrying, with the error; the office sees them.
        def retrying():
            rows = list(OutboundEmail.objects.filter(to__0__in=people))
            if len(rows) == k and all(
                e.status == OutboundEmail.Status.RETRYING and e.attempts >= 2 and e.last_error
                for e in rows
            ):
                return rows
            return None

        rows = wait_for(retrying, 40)
        rows = list(OutboundEmail.objects.filter(to__0__in=people).order_by("pk"))
        verdict.check(len(rows) == k, f"{len(rows)} OutboundEmail rows queued for {k} resets")
        states = sorted({(e.status, e.attempts) for e in rows})
        verdict.check(
            all(e.status == "retrying" and e.attempts >= 2 for e in rows),
            f"while the server is down every row is RETRYING after ≥ 2 attempts "
            f"(status, attempts seen: {states})",
        )
        errors = sorted({e.last_error[:70] for e in rows})
        verdict.check(all(e.last_error for e in rows), f"last_error kept: {errors}")
        verdict.check(
            not OutboundEmail.objects.filter(status="sent").exists(), "nothing recorded as sent"
        )
        office = Browser(base)
        office.login("office@faults.example.org", totp_secret=secret)
        count, html = office_page(office)
        listed = [a for a in people if a in html]
        verdict.check(
            count == k and len(listed) == k,
            f"office /office/background-work/: 'waiting to be sent' count {count}, "
            f"{len(listed)}/{k} recipients listed, with the error",
        )
        time.sleep(max(0.0, args.down - (time.time() - t_queued)))
        waited = time.time() - t_queued
        rows = list(OutboundEmail.objects.filter(to__0__in=people))
        verdict.check(
            all(e.status == "retrying" for e in rows),
            f"still RETRYING after {waited:.0f} s down, attempts so far "
            f"{sorted({e.attempts for e in rows})}",
        )

        # 3. The mail server comes back.
        sink.start()
        t_up = time.time()
        log(f"SMTP server up on {smtp_port} after {waited:.0f} s down; waiting for the retries")

        def all_sent():
            return OutboundEmail.objects.filter(to__0__in=people, status="sent").count() == k

        wait_for(all_sent, 150, step=1)
        t_sent = time.time()
        rows = list(OutboundEmail.objects.filter(to__0__in=people).order_by("pk"))
        sent = [e for e in rows if e.status == "sent"]
        verdict.check(len(sent) == k, f"{len(sent)}/{k} rows SENT {t_sent - t_up:.0f} s after")
        verdict.check(
            all(e.sent_at and e.sent_at.timestamp() >= t_up - 0.5 for e in sent),
            "every sent_at is after the server came up",
        )
        time.sleep(2)
        arrivals = sink.by_recipient()
        counts = {a: len(arrivals.get(a, [])) for a in people}
        verdict.check(
            all(n == 1 for n in counts.values()),
            f"each message arrived exactly once: {sum(counts.values())} arrivals for {k} "
            f"messages (per recipient: {sorted(set(counts.values()))})",
        )
        attempts = sorted(e.attempts for e in sent)
        verdict.note(f"      attempts per message until sent: {attempts}")
        count, html = office_page(office)
        verdict.check(count == 0, f"office page now: 'waiting to be sent' count {count}")
        verdict.check(
            failed_tasks().count() == 0,
            f"failed tasks for the office: {failed_tasks().count()} (retries are not failures)",
        )

        # 4. Delivering a SENT row again sends nothing.
        before = len(sink.arrivals)
        results = [deliver_email.enqueue(e.pk).id for e in sent]

        def rerun_done():
            done = DBTaskResult.objects.filter(id__in=results, status="SUCCESSFUL").count()
            return done == len(results)

        wait_for(rerun_done, 30)
        values = list(
            DBTaskResult.objects.filter(id__in=results).values_list("return_value", flat=True)
        )
        time.sleep(2)
        verdict.check(
            len(values) == k and all(v == "already-sent" for v in values),
            f"deliver_email enqueued again for {k} SENT rows: "
            f"results {sorted(set(map(str, values)))}",
        )
        verdict.check(
            len(sink.arrivals) == before,
            f"the server received nothing new ({len(sink.arrivals) - before} new messages)",
        )
        verdict.check(server.alive(), "serve-prod kept running throughout")
    except Exception as exc:  # report, then clean up
        verdict.check(False, f"the script stopped: {type(exc).__name__}: {exc}")
        print(server.tail(), file=sys.stderr)
    finally:
        server.stop()
        sink.stop()
        common.close_db()
        if not args.keep:
            common.drop_database(url)
    verdict.note(f"      run took {time.monotonic() - t_start:.0f} s")
    return verdict.print()


if __name__ == "__main__":
    raise SystemExit(main())
