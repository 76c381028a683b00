"""The chart that goes with a digest: the lead indicator's series with the claims marked."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.models import Digest, Lens
from bot.services.ledger import LedgerService

MAX_CLAIM_MARKS = 8


def build_digest_chart(ledger: LedgerService, lens: Lens) -> Callable[[Digest], bytes | None]:
    """A function from a digest to PNG bytes, or None when it has no quantified figure."""

    def render(digest: Digest) -> bytes | None:
        figures = [e for e in digest.evidence if e.is_quantified]
        spec = lens.indicator(figures[0].indicator) if figures else None
        if spec is None:
            return None
        rows = [r for r in ledger.series_rows(spec.name) if r.low is not None or r.high is not None]
        claims = [(e.said_on, e.claim.claim.speaker) for e in ledger.entries()]
        try:
            # imported here: matplotlib takes most of a second to load, and only a post draws
            from bot.chat.charts import render_indicator_chart_from_rows

            return render_indicator_chart_from_rows(
                rows, title=spec.label, unit=spec.unit, claim_dates=claims[-MAX_CLAIM_MARKS:]
            )
        except ValueError:  # no dated figure to draw
            return None

    return render
