"""The app's error boundary: when the database fails, people read a short message, never a traceback.

    errors.run_guarded(main)              app.py: the whole run, every screen included
    code, ref = errors.report(error, what) log the details with a reference id (server log only)
    errors.save_failed(code, ref)          a form's message after a failed save (ui.forms.submit)

A database that is down, missing, damaged, read-only, locked or slow
(data_access.failures.classify) gets the bilingual page: what happened in
Chinese and English, what to do, and an 8-character reference id that is also
in the server log next to the driver's message and the traceback. Any other
exception is logged the same way, announced with its reference id and raised
again, so Streamlit shows its own redacted notice (client.showErrorDetails =
"none" in .streamlit/config.toml: no traceback, no message, no type) and tests
still see it.
"""

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Callable

import streamlit as st

from data_access.failures import DATABASE_ERRORS, classify, short_reason
from ui.strings import t

log = logging.getLogger("dashboard")


def _configure_log() -> None:
    """The dashboard's own lines on stderr (the server log), with time and level."""
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


_configure_log()


def report(error: BaseException, what: str) -> tuple[str, str]:
    """Log `error` (reason and traceback) under a new reference id; returns (code, reference)."""
    reference = secrets.token_hex(4)
    code = classify(error) if isinstance(error, DATABASE_ERRORS) else "unexpected"
    log.error("%s [ref %s, %s]: %s", what, reference, code, short_reason(error), exc_info=error)
    return code, reference


def both_languages(key: str, **values) -> str:
    """The string in Chinese, then in English."""
    return f"{t(key, 'zh', **values)}\n\n{t(key, 'en', **values)}"


def database_page(code: str, reference: str) -> None:
    """What a visitor sees when the page cannot be drawn because of the database."""
    st.title(f"{t('app_title', 'zh')} · {t('app_title', 'en')}")
    st.error(
        f"**{t('err_title', 'zh')} · {t('err_title', 'en')}**\n\n{both_languages('err_' + code)}",
        icon=":material/cloud_off:",
    )
    st.caption(f"{t('err_reference', 'zh', ref=reference)} · {t('err_reference', 'en', ref=reference)}")
    st.button(f"{t('err_retry', 'zh')} / {t('err_retry', 'en')}", icon=":material/refresh:", key="_err_retry")


def save_failed(code: str, reference: str) -> str:
    """A failed save's message in the UI language: what happened, that the input is kept, the reference."""
    return f"{t('err_' + code)} {t('err_form_kept')} {t('err_reference', ref=reference)}"


def run_guarded(main: Callable[[], None]) -> None:
    """Run the page; a database failure becomes the database page, anything else is logged and announced."""
    try:
        main()
    except DATABASE_ERRORS as error:
        code, reference = report(error, "database failure while drawing the page")
        database_page(code, reference)
    except Exception as error:  # Streamlit's stop/rerun are BaseExceptions and pass untouched
        _, reference = report(error, "unexpected error while drawing the page")
        st.error(both_languages("err_unexpected", ref=reference), icon=":material/error:")
        raise
