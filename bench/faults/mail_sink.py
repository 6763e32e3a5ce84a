"""An SMTP server on this machine that records what arrives and when (the fault scripts'
mail server)."""

import asyncio
import email
import email.header
import threading
import time
from dataclasses import dataclass

# --- an SMTP server that records what arrives ------------------------------------------


@dataclass
class Arrival:
    data_at: float  # the whole message was received (before the reply)
    to: tuple
    subject: str
    message_id: str
    replied: bool = False


class MailSink:
    """aiosmtpd on 127.0.0.1:port, keeping every message; `delay` seconds before it
    answers 250 to each one (a slow mail server)."""

    def __init__(self, port: int, delay: float = 0.0):
        self.port = port
        self.delay = delay
        self.arrivals: list[Arrival] = []
        self.in_data = 0  # messages being answered now
        self.lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
        arrival = Arrival(
            time.time(), tuple(envelope.rcpt_tos), subject, message["Message-ID"] or ""
        )
        with self.lock:
            self.arrivals.append(arrival)
            self.in_data += 1
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            with self.lock:
                self.in_data -= 1
        arrival.replied = True
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def by_recipient(self) -> dict:
        out: dict = {}
        with self.lock:
            for a in self.arrivals:
                for rcpt in a.to:
                    out.setdefault(rcpt, []).append(a)
        return out

    def by_subject(self) -> dict:
        out: dict = {}
        with self.lock:
            for a in self.arrivals:
                out.setdefault(a.subject, []).append(a)
        return out
