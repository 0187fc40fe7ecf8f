from __future__ import annotations

import asyncio
import socket
import threading
import time
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress

from tests.conftest import need
from tests.factories import CoachFactory, UserFactory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it accepts, like a real server's mail spool.

    A message is stored the moment its DATA is complete, before the reply goes out -- so a
    client killed while waiting for the reply has still delivered it, as with real servers.
    ``hold`` makes the server sit on one message before replying, to kill a worker mid-send.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self.reply = "250 Message accepted for delivery"
        self.rcpt_reply = ""
        self.hold_subject: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        if self.hold_subject and message["Subject"] == self.hold_subject:
            self.hold_subject = None
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return self.reply

    def count(self, **header) -> int:
        ((name, value),) = header.items()
        with self._lock:
            return sum(1 for m in self.messages if m[name] == value)

    def wait_for(self, n: int, timeout: float = 20) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {n} message(s), got {len(self.messages)}")


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free loopback port, with Django pointed at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    inbox.port = port
    try:
        yield inbox
    finally:
        inbox.release.set()
        controller.stop()


def confirm_email(user) -> None:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


@pytest.fixture
def runner(db):
    """An athlete whose address is confirmed: reminders may go to them."""
    user = UserFactory(display_name="Sam Runner")
    confirm_email(user)
    return user


@pytest.fixture
def confirmed_coach(db):
    user = CoachFactory(display_name="Alex Coach")
    confirm_email(user)
    return user


@pytest.fixture
def published(monkeypatch):
    """Record the ids handed to the broker instead of publishing them."""
    from notifications.tasks import send_outbox_message

    ids: list[int] = []
    monkeypatch.setattr(
        send_outbox_message, "apply_async", lambda args, **options: ids.append(args[0])
    )
    return ids


def _reset_broker_pools(app) -> None:
    # Forget the cached pools; kombu keeps one per broker address, so going back to the
    # real broker picks up its pool again, untouched.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str):
    """Point the Celery app's publisher at another broker (a closed port: Redis is down)."""
    from config.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    _reset_broker_pools(app)
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_broker_pools(app)


DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def redis_answers(url: str) -> bool:
    import redis

    try:
        if not url:
            return False
        with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def need_redis() -> None:
    from django.conf import settings

    need("Redis", redis_answers(settings.REDIS_URL), "set REDIS_URL to a running Redis")
