"""Stored text shown as text inside Markdown-rendering elements.

st.caption, st.error, st.toast, st.markdown and most labels render Markdown (GitHub's dialect, with
links recognised in bare URLs and www. addresses) and Streamlit's directives (:red[...],
:material/icon:, $math$), so a customer name, a meeting title or a typed key interpolated into them
could become a link, an image, emphasis, a heading or a directive. plain() escapes whatever can
start such markup and leaves ordinary punctuation (dates, decimals, hyphens inside words) alone,
so the text reads the same on screen.
"""

from __future__ import annotations

import re

# Characters that start inline markup anywhere: emphasis, code, links and images, strikethrough,
# math, entities and the brackets of directives; "<" where it could open a tag or an autolink.
_INLINE = re.compile(r"([\\`*_\[\]{}~$&!]|<(?=[A-Za-z/!?]))")
# Bare links (http://..., www....) and short codes (:smile:, :material/home:).
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|file):")
_SHORT_CODE = re.compile(r":(?=[A-Za-z][\w/+-]*:)")
# Block markup at the start of a line: headings, quotes, lists, setext underlines, numbered lists.
_LINE_START = re.compile(r"^(\s*)([#>+=-])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
_WWW = re.compile(r"(?i)\b(www)\.")


def plain(value: object) -> str:
    """`value` as a string that Markdown shows literally (line breaks kept)."""
    text = "" if value is None else str(value)
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    text = _NUMBERED.sub(r"\1\\\2", text)
    text = _WWW.sub(r"\1\\.", text)
    text = _SCHEME.sub(r"\1\\:", text)
    text = _SHORT_CODE.sub(r"\\:", text)
    return text.replace("\n", "  \n")
