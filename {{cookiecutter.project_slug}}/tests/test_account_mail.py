"""The accounts' mail, delivered to a real SMTP server in the test process: password reset, e-mail verification, and
an outbox that loses no message and sends none twice while the SMTP server comes and goes."""

import email
import email.policy
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx2
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr
from sqlalchemy import Connection, Row, insert, select

from {{ cookiecutter.package_name }} import TITLE
from {{ cookiecutter.package_name }}.auth import AUTH_URL
from {{ cookiecutter.package_name }}.auth.models import LinkToken
from {{ cookiecutter.package_name }}.auth.tokens import refresh_token_hash
from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.mail.models import OutboxMessage
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import ME, PASSWORD, assert_oauth_error, assert_refused, bearer, password_grant, refresh_grant, token
from .helpers import assert_problem
from .live_server import Launch, free_port, live_client
from .mail import delivery_round
{%- if cookiecutter.jobs == "celery" %}
from .worker import Worker
{%- endif %}

MAIL_WAIT_SECONDS = 20
PUBLIC_BASE_URL = "https://app.example"
NEW_PASSWORD = "an entirely new passphrase"
REFUSED = "refused@example.com"
SMTP_PASSWORD = "the mailer's password"
LINK = re.compile(r"(?P<base>https?://[^/\s]+)/(?P<page>reset-password|verify-email)\?token=(?P<token>[\w-]+)")


class Mailbox:
    """What the SMTP server received, and a way to wait for it. Mail to ``REFUSED`` is refused for good (550)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.sessions: list[Session] = []
        """The SMTP session of each message: whether it was encrypted, who signed in."""
        self.changed = threading.Condition()

    async def handle_RCPT(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        assert isinstance(envelope.content, bytes)
        self.sessions.append(session)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.changed:
            self.messages.append(message)
            self.changed.notify_all()
        return "250 OK"

    def wait_for(self, found: Callable[[list[EmailMessage]], bool]) -> list[EmailMessage]:
        with self.changed:
            assert self.changed.wait_for(lambda: found(self.messages), MAIL_WAIT_SECONDS), (
                f"not received within {MAIL_WAIT_SECONDS} s: {[m['Subject'] for m in self.messages]}"
            )
            return list(self.messages)

    def to(self, address: str, subject_word: str) -> EmailMessage:
        def arrived(messages: list[EmailMessage]) -> bool:
            return any(m["To"] == address and subject_word in m["Subject"] for m in messages)

        return next(m for m in self.wait_for(arrived) if m["To"] == address and subject_word in m["Subject"])


class SmtpServer:
    """aiosmtpd on a port of its own, which a test may stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self, **options: Any) -> None:
        """Start the server, with aiosmtpd's options (TLS, authentication)."""
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server, not started yet."""
    server = SmtpServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def linking_settings(settings: Settings) -> Settings:
    """The test's settings, whose mailed links lead to the public base URL; without SMTP, mail waits in the outbox."""
    return settings.model_copy(update={"public_base_url": PUBLIC_BASE_URL})


@pytest.fixture
def mailing_settings(linking_settings: Settings, smtp_server: SmtpServer) -> Settings:
    """The same settings with the test's SMTP server: those of a ``delivery_round`` in the test process."""
    return linking_settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_server.port, "smtp_security": "none"}
    )


Serve = Callable[..., AbstractContextManager[httpx2.Client]]


@pytest.fixture
def serve(
    settings: Settings,
    tmp_path: Path,
    smtp_server: SmtpServer,
{%- if cookiecutter.jobs == "celery" %}
    own_queue_settings: Settings,
    start_worker: Callable[..., Worker],
    start_beat: Callable[..., None],
{%- endif %}
) -> Serve:
{%- if cookiecutter.jobs == "celery" %}
    """Start the production server, a worker and beat, which send their mail to the test's SMTP server, with settings
    overridden; the context is a client of the server."""
{%- else %}
    """Start the production server, which sends its mail to the test's SMTP server, with settings overridden; the
    context is a client of the server."""
{%- endif %}
    mail = {
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp_server.port),
        "smtp_security": "none",
        "mail_poll_seconds": "0.2",
        "public_base_url": PUBLIC_BASE_URL,
    }

    @contextmanager
    def served(**overrides: str) -> Iterator[httpx2.Client]:
        overrides = {**mail, **overrides}
{%- if cookiecutter.jobs == "celery" %}
        start_worker(**overrides)
        start_beat(**overrides)
        overrides["job_queue"] = own_queue_settings.job_queue
{%- endif %}
        launch = Launch(settings, tmp_path, more_overrides=overrides)
        try:
            server = launch.ready()
            with live_client(server.base_url) as client:
                yield client
            # Stopped as an orchestrator stops it, so that it ends its sender and writes its coverage.
            assert server.terminate() == 0, server.log.read_text()
        finally:
            launch.stop()

    return served


def link_token(message: EmailMessage, page: str) -> str:
    """The token of the message's link to ``page``, which its plain-text and HTML parts both hold."""
    text, html = (message.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    assert text is not None
    assert html is not None
    match = LINK.search(text.get_content())
    assert match is not None, text.get_content()
    assert (match["base"], match["page"]) == (PUBLIC_BASE_URL, page)
    assert f'href="{match[0]}"' in html.get_content()
    return match["token"]


def register(client: httpx2.Client, address: str) -> httpx2.Response:
    return client.post(f"{AUTH_URL}/register", json={"email": address, "password": PASSWORD})


def outbox(settings: Settings) -> list[Row[Any]]:
    """The outbox's rows, oldest first."""
    found: list[Row[Any]] = []

    def read(connection: Connection) -> None:
        found.extend(connection.execute(select(OutboxMessage.__table__).order_by(OutboxMessage.id)))

    database.run_on_connection(settings, read)
    return found


def mailed_tokens(settings: Settings, subject_word: str) -> list[str]:
    """The tokens of the links in the outbox's messages whose subject has this word, oldest first."""
    matches = [LINK.search(row.text) for row in outbox(settings) if subject_word in row.subject]
    return [match["token"] for match in matches if match is not None]


def wait_for_outbox(settings: Settings, done: Callable[[list[Row[Any]]], bool]) -> list[Row[Any]]:
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while not done(messages := outbox(settings)):
        assert time.monotonic() < deadline, f"the outbox did not get there: {messages}"
        time.sleep(0.05)
    return messages


# Password reset


def test_a_reset_link_arrives_by_mail_and_sets_a_new_password_once(smtp_server: SmtpServer, serve: Serve) -> None:
    smtp_server.start()
    with serve() as client:
        assert register(client, "ada@example.com").status_code == 201
        tokens = token(client, "ada@example.com")

        # The Host header a request names has no say in the link: it comes from the public base URL.
        response = client.post(
            f"{AUTH_URL}/password-reset", json={"email": "ada@example.com"}, headers={"Host": "attacker.example"}
        )
        assert response.status_code == 202, response.text
        reset = link_token(smtp_server.mailbox.to("ada@example.com", "Reset"), "reset-password")
        confirm = {"token": reset, "new_password": NEW_PASSWORD}

        assert client.post(f"{AUTH_URL}/password-reset/confirm", json=confirm).status_code == 204
        assert_refused(client.get(ME, headers=bearer(tokens["access_token"])))
        assert_oauth_error(refresh_grant(client, tokens["refresh_token"]), "invalid_grant")
        assert password_grant(client, "ada@example.com", NEW_PASSWORD).status_code == 200
        assert_problem(client.post(f"{AUTH_URL}/password-reset/confirm", json=confirm), 400)


def test_a_reset_request_answers_alike_for_any_address(anonymous_client: httpx2.Client, settings: Settings) -> None:
    register(anonymous_client, "ada@example.com")

    answers = [
        anonymous_client.post(f"{AUTH_URL}/password-reset", json={"email": address})
        for address in ("ada@example.com", "nobody@example.com")
    ]

    assert [answer.status_code for answer in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    resets = [row for row in outbox(settings) if "Reset" in row.subject]
    assert [row.recipient for row in resets] == ["ada@example.com"]


def test_only_the_newest_reset_link_works(anonymous_client: httpx2.Client, settings: Settings) -> None:
    register(anonymous_client, "ada@example.com")
    for _ in range(2):
        anonymous_client.post(f"{AUTH_URL}/password-reset", json={"email": "ada@example.com"})
    older, newer = mailed_tokens(settings, "Reset")

    def confirm(reset: str) -> httpx2.Response:
        return anonymous_client.post(
            f"{AUTH_URL}/password-reset/confirm", json={"token": reset, "new_password": NEW_PASSWORD}
        )

    assert_problem(confirm(older), 400)
    assert confirm(newer).status_code == 204


def test_a_new_password_against_the_rules_leaves_the_link_usable(
    anonymous_client: httpx2.Client, settings: Settings
) -> None:
    register(anonymous_client, "ada@example.com")
    anonymous_client.post(f"{AUTH_URL}/password-reset", json={"email": "ada@example.com"})
    [reset] = mailed_tokens(settings, "Reset")
    url = f"{AUTH_URL}/password-reset/confirm"

    assert_problem(anonymous_client.post(url, json={"token": reset, "new_password": "ada@example.com"}), 400)
    assert anonymous_client.post(url, json={"token": reset, "new_password": NEW_PASSWORD}).status_code == 204


def test_an_unknown_or_expired_reset_link_is_400(anonymous_client: httpx2.Client, settings: Settings) -> None:
    user_id = register(anonymous_client, "ada@example.com").json()["id"]
    expired = "an-expired-reset-token"

    def add_expired(connection: Connection) -> None:
        row = {
            "user_id": user_id,
            "purpose": "password-reset",
            "token_hash": refresh_token_hash(expired),
            "expires_at": utc_now() - timedelta(seconds=1),
        }
        connection.execute(insert(LinkToken), [row])
        connection.commit()

    database.run_on_connection(settings, add_expired)

    for reset in ("an-unknown-token", expired):
        body = {"token": reset, "new_password": NEW_PASSWORD}
        assert_problem(anonymous_client.post(f"{AUTH_URL}/password-reset/confirm", json=body), 400)
    assert password_grant(anonymous_client, "ada@example.com").status_code == 200


def test_mail_requests_are_limited_per_account(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"mail_requests_per_account": 2}))
    for _ in range(2):
        assert client.post(f"{AUTH_URL}/password-reset", json={"email": "ada@example.com"}).status_code == 202

    assert_problem(client.post(f"{AUTH_URL}/verify-email/resend", json={"email": "ada@example.com"}), 429)


# E-mail verification


def test_with_verification_required_registration_tells_nobody_who_has_an_account(
    make_client: Callable[[Settings], httpx2.Client],
    linking_settings: Settings,
    mailing_settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    smtp_server.start()
    client = make_client(linking_settings.model_copy(update={"email_verification": "required"}))
    first, again = register(client, "ada@example.com"), register(client, "ada@example.com")

    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json() == again.json()
    assert delivery_round(mailing_settings) == 2
    verification = smtp_server.mailbox.to("ada@example.com", "Confirm")
    smtp_server.mailbox.to("ada@example.com", "tried to register")
    assert_oauth_error(password_grant(client, "ada@example.com"), "invalid_grant")

    verify = {"token": link_token(verification, "verify-email")}
    assert client.post(f"{AUTH_URL}/verify-email", json=verify).status_code == 204
    assert password_grant(client, "ada@example.com").status_code == 200
    assert_problem(client.post(f"{AUTH_URL}/verify-email", json=verify), 400)
    assert client.get(ME, headers=bearer(token(client, "ada@example.com")["access_token"])).json()["email_verified"]


def test_with_verification_required_an_account_signs_in_once_its_link_is_followed(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"email_verification": "required"}))
    answers = [register(client, "ada@example.com") for _ in range(2)]

    assert [answer.status_code for answer in answers] == [202, 202]
    assert [row.subject for row in outbox(settings)] == [
        f"Confirm your {TITLE} address",
        f"Someone tried to register at {TITLE}",
    ]
    assert_oauth_error(password_grant(client, "ada@example.com"), "invalid_grant")
    [verify] = mailed_tokens(settings, "Confirm")
    assert client.post(f"{AUTH_URL}/verify-email", json={"token": verify}).status_code == 204
    assert password_grant(client, "ada@example.com").status_code == 200


def test_a_new_verification_link_replaces_the_last_until_the_address_is_verified(
    anonymous_client: httpx2.Client, settings: Settings
) -> None:
    register(anonymous_client, "ada@example.com")
    resend = {"email": "ada@example.com"}
    assert anonymous_client.post(f"{AUTH_URL}/verify-email/resend", json=resend).status_code == 202
    older, newer = mailed_tokens(settings, "Confirm")

    assert_problem(anonymous_client.post(f"{AUTH_URL}/verify-email", json={"token": older}), 400)
    assert anonymous_client.post(f"{AUTH_URL}/verify-email", json={"token": newer}).status_code == 204
    assert anonymous_client.post(f"{AUTH_URL}/verify-email/resend", json=resend).status_code == 202
    assert len(mailed_tokens(settings, "Confirm")) == 2, "a verified address got another link"


def test_with_verification_off_no_mail_is_written(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"email_verification": "off"}))

    assert register(client, "ada@example.com").status_code == 201
    assert outbox(settings) == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_mail_goes_encrypted_and_signed_in_to_a_server_that_asks_for_both(
    anonymous_client: httpx2.Client, mailing_settings: Settings, smtp_server: SmtpServer, tmp_path: Path, security: str
) -> None:
    """The server's certificate comes from a CA of the test's own, which the service trusts by ``SMTP_CA_FILE``."""
    authority = trustme.CA()
    ca_file = tmp_path / "smtp-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(tls)

    def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        return AuthResult(success=data == LoginPassword(b"mailer", SMTP_PASSWORD.encode()))

    # Implicit TLS is outside aiosmtpd's own notion of an encrypted session: it offers AUTH there only when told so.
    encryption = {"tls_context": tls, "require_starttls": True} if security == "starttls" else {"ssl_context": tls}
    smtp_server.start(
        **encryption, authenticator=authenticate, auth_required=True, auth_require_tls=security == "starttls"
    )
    assert register(anonymous_client, "ada@example.com").status_code == 201
    credentials = {"smtp_username": "mailer", "smtp_password": SecretStr(SMTP_PASSWORD), "smtp_ca_file": str(ca_file)}

    assert delivery_round(mailing_settings.model_copy(update={"smtp_security": security, **credentials})) == 1
    smtp_server.mailbox.to("ada@example.com", "Confirm")

    [session] = smtp_server.mailbox.sessions
    assert session.authenticated
    assert session.ssl is not None or security == "tls"


# The outbox


def test_mail_waits_while_the_smtp_server_is_down_and_is_delivered_once_it_is_back(
    settings: Settings, smtp_server: SmtpServer, serve: Serve
) -> None:
{%- if cookiecutter.jobs == "celery" %}
    """Two worker processes, which deliver the outbox, and three messages written while nothing listens on the port."""
    addresses = [f"user-{number}@example.com" for number in range(3)]
    with serve(worker_concurrency="2") as client:
{%- else %}
    """Two server processes, each with its sender, and three messages written while nothing listens on the port."""
    addresses = [f"user-{number}@example.com" for number in range(3)]
    with serve(workers="2") as client:
{%- endif %}
        for address in addresses:
            assert register(client, address).status_code == 201
        wait_for_outbox(settings, lambda rows: len(rows) == 3 and all(row.last_error for row in rows))

        smtp_server.start()
        rows = wait_for_outbox(settings, lambda rows: all(row.sent_at for row in rows))

    received = smtp_server.mailbox.wait_for(lambda messages: len(messages) >= 3)
    assert sorted(message["Message-ID"] for message in received) == sorted(row.message_id for row in rows)
    assert sorted(message["To"] for message in received) == addresses


def test_a_permanent_refusal_is_recorded_and_not_retried(
    anonymous_client: httpx2.Client, settings: Settings, mailing_settings: Settings, smtp_server: SmtpServer
) -> None:
    smtp_server.start()
    register(anonymous_client, REFUSED)
    register(anonymous_client, "ada@example.com")

    assert delivery_round(mailing_settings) == 2
    assert delivery_round(mailing_settings) == 0
    smtp_server.mailbox.to("ada@example.com", "Confirm")
    [row] = [row for row in outbox(settings) if row.recipient == REFUSED]
    assert (row.attempts, row.sent_at) == (1, None)
    assert row.failed_at is not None
    assert "550" in row.last_error


def test_messages_done_long_enough_ago_are_purged(
    settings: Settings, mailing_settings: Settings, smtp_server: SmtpServer
) -> None:
    long_ago, lately = utc_now() - timedelta(days=8), utc_now() - timedelta(days=6)
    done = {  # recipient: when it was sent, when it failed
        "sent-long-ago@example.com": (long_ago, None),
        "failed-long-ago@example.com": (None, long_ago),
        "sent-lately@example.com": (lately, None),
        "due@example.com": (None, None),
    }
    body = {"subject": "Old", "text": "", "html": ""}
    rows = [
        {**body, "message_id": f"<{to}>", "recipient": to, "sent_at": sent, "failed_at": failed}
        for to, (sent, failed) in done.items()
    ]

    def add_messages(connection: Connection) -> None:
        connection.execute(insert(OutboxMessage), rows)
        connection.commit()

    database.run_on_connection(settings, add_messages)
    smtp_server.start()

    assert delivery_round(mailing_settings.model_copy(update={"mail_kept_days": 7})) == 1
    smtp_server.mailbox.to("due@example.com", "Old")
    assert sorted(row.recipient for row in outbox(settings)) == ["due@example.com", "sent-lately@example.com"]
{%- if cookiecutter.jobs == "celery" %}


def test_mail_written_while_the_broker_is_down_goes_out_once_the_worker_and_beat_run(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, smtp_server: SmtpServer, serve: Serve
) -> None:
    unreachable = make_client(settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"}))
    assert register(unreachable, "ada@example.com").status_code == 201

    smtp_server.start()
    with serve():
        smtp_server.mailbox.to("ada@example.com", "Confirm")
{%- endif %}
