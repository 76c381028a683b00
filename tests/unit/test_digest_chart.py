"""The digest's chart: drawn from the lead quantified indicator, absent when there is none."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.chat.digest_chart import build_digest_chart
from bot.services.digest import DigestService
from bot.services.ledger import LedgerService

from .digest_fixtures import LENS, LedgerStore

NOW = datetime(2019, 8, 7, 7, 30, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


def test_chart_of_the_lead_indicator_is_a_png() -> None:
    store = LedgerStore()
    digest = DigestService(store=store, lens=LENS).build(since=None, now=NOW)  # type: ignore[arg-type]
    chart = build_digest_chart(LedgerService(store, LENS), LENS)  # type: ignore[arg-type]
    image = chart(digest)
    assert image is not None
    assert image.startswith(PNG)


def test_no_quantified_evidence_means_no_chart() -> None:
    store = LedgerStore()
    digest = DigestService(store=store, lens=LENS).build(since=None, now=NOW)  # type: ignore[arg-type]
    chart = build_digest_chart(LedgerService(store, LENS), LENS)  # type: ignore[arg-type]
    assert chart(replace(digest, evidence=())) is None
