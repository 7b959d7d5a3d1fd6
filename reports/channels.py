"""Sending: email over SMTP and JSON to group-chat webhooks (WeCom, DingTalk and compatible robots).

Email is built with the standard library's email package: a Chinese subject or sender name is
written as RFC 2047 encoded words, a Chinese attachment name as an RFC 2231 `filename*` parameter,
the text body as UTF-8 in base64, so any SMTP server takes it (no 8BITMIME needed). Each sending
thread keeps one SMTP connection for the whole run and opens it again if the server drops it.

A webhook gets one POST of JSON. Its shape follows the robot behind the URL: WeCom
(qyapi.weixin.qq.com) {"msgtype": "markdown", "markdown": {"content": ...}}; DingTalk
(oapi.dingtalk.com) {"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}; any other
receiver gets both shapes in one body plus "title" and plain "text". A reply that is not 2xx,
or a JSON reply whose errcode is not 0 (both robots answer HTTP 200 with an errcode), is a failure.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from data_access.notify_config import DEFAULT_TIMEOUT, SmtpConfig

SMTP_LINES = compat32.clone(linesep="\r\n")
# WeCom's markdown messages take at most 4,096 bytes of UTF-8 (DingTalk about 20,000).
WEBHOOK_MAX_BYTES = 4000


class SendError(Exception):
    """A message that did not go out; str() is the reason kept in the delivery log."""


def build_email(sender: str, to: str, subject: str, body: str, attachment: tuple[str, bytes] | None = None) -> Message:
    """The message: a UTF-8 text body (base64), the PDF attachment if any; Chinese subject and sender
    name as RFC 2047 encoded words, a Chinese file name as RFC 2231 filename*.

    Built with the email package's MIME classes (the compat32 policy), three times faster than
    EmailMessage under the default policy, which matters for a province's thousands of messages.
    """
    text = MIMEText(body, "plain", "utf-8")
    if attachment is None:
        message = text
    else:
        filename, content = attachment
        message = MIMEMultipart()
        message.attach(text)
        part = MIMEApplication(content, "pdf")
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
        message.attach(part)
    name, address = parseaddr(sender)
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=address.rsplit("@", 1)[-1] or None)
    return message


class EmailSender:
    """Sends messages over one SMTP connection, opened on first use."""

    def __init__(self, config: SmtpConfig):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context()
        if config.ssl:
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
            if config.starttls:
                smtp.starttls(context=context)
        if config.username:
            smtp.login(config.username, config.password or "")
        return smtp

    def send(self, message: Message) -> None:
        sender = parseaddr(str(self.config.sender))[1]
        recipients = [parseaddr(message["To"])[1]]
        content = message.as_bytes(policy=SMTP_LINES)  # CRLF line ends: SMTP's, which sendmail() leaves as given
        for attempt in (1, 2):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                refused = self._smtp.sendmail(sender, recipients, content)
                if refused:
                    raise SendError(
                        "refused recipient(s): "
                        + "; ".join(
                            f"{address} {code} {reason.decode(errors='replace') if isinstance(reason, bytes) else reason}"
                            for address, (code, reason) in refused.items()
                        )
                    )
                return
            except smtplib.SMTPServerDisconnected as error:
                self._smtp = None  # the server closed an idle connection: open a new one, once
                if attempt == 2:
                    raise SendError(f"SMTP {self.config.host}:{self.config.port}: {error}") from None
            except smtplib.SMTPResponseException as error:
                text = (
                    error.smtp_error.decode(errors="replace")
                    if isinstance(error.smtp_error, bytes)
                    else str(error.smtp_error)
                )
                self.close()
                raise SendError(f"SMTP {error.smtp_code} {text}".strip()) from None
            except smtplib.SMTPRecipientsRefused as error:
                raise SendError(f"SMTP refused {', '.join(error.recipients)}") from None
            except (smtplib.SMTPException, OSError) as error:
                self.close()
                raise SendError(
                    f"SMTP {self.config.host}:{self.config.port}: {error or type(error).__name__}"
                ) from None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None


def webhook_style(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    if host.endswith("weixin.qq.com"):
        return "wecom"
    if host.endswith("dingtalk.com"):
        return "dingtalk"
    return "generic"


def webhook_payload(url: str, title: str, markdown: str, text: str) -> dict:
    style = webhook_style(url)
    if style == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": markdown}}
    if style == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": markdown, "content": markdown},
        "title": title,
        "text": text,
    }


def post_webhook(url: str, payload: dict, timeout: float = DEFAULT_TIMEOUT) -> None:
    """POST the JSON payload; SendError unless the receiver accepted it."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    where = urlsplit(url).hostname or "webhook"
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = response.read(65536)
    except urllib.error.HTTPError as error:
        raise SendError(f"webhook {where}: HTTP {error.code} {error.reason}") from None
    except (TimeoutError, urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise SendError(f"webhook {where}: {reason}") from None
    try:
        answer = json.loads(reply.decode("utf-8")) if reply.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return  # a receiver that answers 2xx with something other than JSON accepted it
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0):
        raise SendError(f"webhook {where}: errcode {answer.get('errcode')} {answer.get('errmsg', '')}".strip())
