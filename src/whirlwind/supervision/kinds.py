"""The letters of the supervision loop and their document-number kind words."""

from __future__ import annotations

from whirlwind.numbering import register_kind

LETTER_KINDS = {
    "reminder": "提醒函",
    "supervision": "督办函",
    "rectification_notice": "整改通知书",
}
# Kind words in the number: 黄陂纪提〔2026〕1号, 黄陂纪督〔2026〕7号, 黄陂纪改〔2026〕2号.
LETTER_WORDS = {"reminder": "提", "supervision": "督", "rectification_notice": "改"}

for _code, _label in LETTER_KINDS.items():
    register_kind(f"letter_{_code}", _label, LETTER_WORDS[_code])


def number_kind(letter_kind: str) -> str:
    return f"letter_{letter_kind}"
