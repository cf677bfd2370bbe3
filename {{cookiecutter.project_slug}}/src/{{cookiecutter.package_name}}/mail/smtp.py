"""One delivery over SMTP (the standard library's client), and what its failure means: worth a retry or not."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from .models import OutboxMessage
from .settings import MailSettings


class DeliveryError(Exception):
    """The message was not delivered; ``permanent`` when the server refused it for good (a 5xx reply)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


def email_message(settings: MailSettings, message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message.message_id
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


def deliver(settings: MailSettings, message: OutboxMessage) -> None:
    """Hand the message to the SMTP server; blocks for up to the settings' timeout on each exchange."""
    assert settings.smtp_host is not None
    context = ssl.create_default_context(cafile=settings.smtp_ca_file)
    timeout = settings.smtp_timeout_seconds
    try:
        if settings.smtp_security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=context)
            if settings.smtp_username and settings.smtp_password:
                client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            client.send_message(email_message(settings, message))
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise DeliveryError(
            f"the recipient was refused ({codes})", permanent=all(code >= 500 for code in codes)
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        # A wrong password is the operator's to fix; the message waits for it.
        raise DeliveryError(f"the SMTP server refused the credentials ({error.smtp_code})", permanent=False) from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(f"the SMTP server answered {error.smtp_code}", permanent=error.smtp_code >= 500) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"the SMTP server is unreachable: {type(error).__name__}", permanent=False) from None
