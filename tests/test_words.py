"""The words catalogue (ui/words/*.py): every key has a Chinese and an English text with the same
placeholders, no key is defined twice, and the Chinese texts are Chinese."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string

import pytest

import ui.words
from ui.strings import EN, ZH
from ui.words import collect

HAN = re.compile(r"[\u4e00-\u9fff]")
NO_HAN_OK = {"English"}  # the language switch names English in English


def placeholders(text: str) -> set[str]:
    """The {names} of a text; a language's own variant (value_zh / value_en) counts as the name."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return {name.removesuffix("_zh").removesuffix("_en") for name in names}


def test_each_word_is_a_pair_of_texts_with_the_same_placeholders():
    for key, pair in collect().items():
        assert isinstance(pair, tuple) and len(pair) == 2, key
        zh, en = pair
        assert isinstance(zh, str) and isinstance(en, str) and zh.strip() and en.strip(), key
        assert placeholders(zh) == placeholders(en), key


def test_chinese_texts_are_chinese():
    latin_only = {
        key: zh
        for key, (zh, _en) in collect().items()
        if not HAN.search(zh) and re.search(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}", "", zh)) and zh not in NO_HAN_OK
    }
    assert latin_only == {}


def test_a_key_defined_in_two_modules_is_refused(tmp_path, monkeypatch):
    (tmp_path / "aa_first.py").write_text('WORDS = {"dup_key": ("甲", "a")}\n')
    (tmp_path / "zz_second.py").write_text('WORDS = {"dup_key": ("乙", "b")}\n')
    (tmp_path / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path.parent))
    monkeypatch.setattr(ui.words, "__path__", [str(tmp_path)])  # collect() reads this package instead
    monkeypatch.setattr(ui.words, "__name__", tmp_path.name)
    with pytest.raises(ValueError, match="dup_key"):
        collect()


def test_every_catalogue_module_is_collected():
    modules = [info.name for info in pkgutil.iter_modules(ui.words.__path__)]
    assert len(modules) > 20
    for name in modules:
        words = importlib.import_module(f"ui.words.{name}").WORDS
        assert all(ZH[key] == zh and EN[key] == en for key, (zh, en) in words.items()), name
    assert set(ZH) == set(EN)
