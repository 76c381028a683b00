"""Near-duplicate signing: syndicated copies share LSH bands, unrelated texts do not."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.sources.neardup import BANDS, MinHashSigner, extract_shingles

WIRE_STORY = """\
BAGHDAD (Reuters) - Islamic State retains between 14,000 and 18,000 members in Iraq and Syria,
including up to 3,000 foreigners, despite losing the last of its territory in March, according
to a report released on Tuesday by the Pentagon's Lead Inspector General.
The report said the group was regrouping in rural areas and conducting a low-level insurgency,
with small cells carrying out assassinations, ambushes and bombings against local security
forces and tribal leaders who cooperate with the government.
U.S. officials have cautioned that the militants could rebuild quickly if counter-terrorism
pressure is reduced, and that the withdrawal of American troops from northeast Syria had left
partner forces with fewer resources to hold detention camps.
More than 10,000 suspected fighters are held in prisons run by the Syrian Democratic Forces,
and the al-Hol camp houses some 70,000 people, many of them the wives and children of fighters.
Aid groups describe conditions in the camp as dire, and officials warn that it has become a
breeding ground for the next generation of the group's supporters.
The group's leader, Abu Bakr al-Baghdadi, appeared in a video in April for the first time in
five years, calling on followers to continue the fight and praising attacks in Sri Lanka.
The inspector general's report, which covers the three months to the end of June, said that
the group had shifted from holding ground to a campaign of intimidation in Deir ez-Zor, Raqqa
and the desert areas along the Iraqi border, where government control remains thin.
In Iraq, the report said, militants exploited gaps between federal forces and Kurdish
peshmerga in disputed territories, mounting night raids on villages and burning crops to
extort farmers and punish those who refused to pay.
Analysts said the numbers suggested that the declaration of victory in December had been
premature, and that the organisation retained the command structure, money and propaganda
capacity to mount a comeback once international attention moved elsewhere.
A spokesman for the coalition said its partners continued to conduct raids against the group's
remaining leaders and that it would keep supporting local forces for as long as necessary.
Reporting by Jane Doe; Editing by John Roe
"""

EDITED_COPY = """\
WASHINGTON (AP) — Islamic State retains between 14,000 and 18,000 members in Iraq and Syria,
including up to 3,000 foreigners, despite losing the last of its territory in March, according
to a report released Tuesday by the Pentagon's Lead Inspector General.
The report said the group was regrouping in rural areas and conducting a low-level insurgency,
with small cells carrying out killings, ambushes and bombings against local security
forces and tribal leaders who cooperate with the government.
U.S. officials have cautioned that the militants could rebuild quickly if counter-terrorism
pressure is reduced, and that the withdrawal of U.S. troops from northeast Syria had left
partner forces with fewer resources to hold detention camps.
More than 10,000 suspected fighters are held in prisons run by the Syrian Democratic Forces,
and the al-Hol camp houses some 70,000 people, many of them the wives and children of fighters.
Aid groups describe conditions in the camp as dire, and officials warn that it has become a
breeding ground for the next generation of the group's supporters.
The group's leader, Abu Bakr al-Baghdadi, appeared in a video in April for the first time in
five years, calling on followers to continue the fight and praising attacks in Sri Lanka.
The inspector general's report, which covers the three months to the end of June, said that
the group had shifted from holding ground to a campaign of intimidation in Deir ez-Zor, Raqqa
and the desert areas along the Iraqi border, where government control remains thin.
In Iraq, the report said, militants exploited gaps between federal forces and Kurdish
peshmerga in disputed territories, mounting night raids on villages and burning crops to
extort farmers and punish those who refused to pay.
Analysts said the numbers suggested that the declaration of victory in December had been
premature, and that the organisation retained the command structure, money and propaganda
capacity to mount a comeback once international attention moved elsewhere.
A spokesman for the coalition said its partners continued to conduct raids against the group's
remaining leaders and that it would keep supporting local forces for as long as necessary.
Copyright 2019 The Associated Press. All rights reserved. This material may not be published.
"""

UNRELATED = """\
The President said on Wednesday that the United States had won against ISIS and that American
troops would come home now. "We have defeated ISIS in Syria, my only reason for being there
during the Trump Presidency," he wrote. Allies in Europe said they were surprised by the
decision and urged Washington to consult its coalition partners before any withdrawal. Senators
from both parties criticized the announcement, warning that a hasty exit would hand the
battlefield to Iran and Russia and abandon Kurdish partners who had done most of the fighting.
Defense officials declined to give a timetable and said planning was under way.
"""


@pytest.fixture
def signer() -> MinHashSigner:
    return MinHashSigner()


def _shared(first: tuple[int, ...], second: tuple[int, ...]) -> int:
    return len(set(first) & set(second))


def test_identical_texts_share_every_band(signer: MinHashSigner) -> None:
    bands = signer.bands(WIRE_STORY)
    assert len(bands) == BANDS
    assert signer.bands(WIRE_STORY) == bands
    assert signer.similarity(WIRE_STORY, WIRE_STORY) == 1.0


def test_spacing_case_and_punctuation_do_not_matter(signer: MinHashSigner) -> None:
    reformatted = " ".join(WIRE_STORY.upper().replace(",", " ").split())
    assert signer.bands(reformatted) == signer.bands(WIRE_STORY)


def test_lightly_edited_wire_story_is_a_near_duplicate(signer: MinHashSigner) -> None:
    assert _shared(signer.bands(WIRE_STORY), signer.bands(EDITED_COPY)) >= 1
    assert signer.similarity(WIRE_STORY, EDITED_COPY) >= 0.8


def test_unrelated_texts_share_no_band(signer: MinHashSigner) -> None:
    assert _shared(signer.bands(WIRE_STORY), signer.bands(UNRELATED)) <= 1
    assert signer.similarity(WIRE_STORY, UNRELATED) < 0.3


def test_band_keys_are_signed_64_bit(signer: MinHashSigner) -> None:
    assert all(-(2**63) <= key < 2**63 for key in signer.bands(WIRE_STORY))
    assert len(set(signer.bands(WIRE_STORY))) == BANDS  # the band index is mixed into each key


def test_two_signers_agree(signer: MinHashSigner) -> None:
    other = MinHashSigner()
    assert other.bands(EDITED_COPY) == signer.bands(EDITED_COPY)
    assert other.similarity(WIRE_STORY, EDITED_COPY) == signer.similarity(WIRE_STORY, EDITED_COPY)


def test_another_process_with_another_hash_seed_agrees(signer: MinHashSigner) -> None:
    """Band keys are stored: a restart (new PYTHONHASHSEED) must produce the same keys."""
    script = (
        "import sys; from bot.sources.neardup import MinHashSigner; "
        "print(MinHashSigner().bands(sys.stdin.read()))"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        input=WIRE_STORY,
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    assert completed.stdout.strip() == repr(signer.bands(WIRE_STORY))


def test_short_texts_still_sign(signer: MinHashSigner) -> None:
    assert extract_shingles("ISIS defeated") == {b"isis defeated"}
    assert len(signer.bands("ISIS defeated")) == BANDS
    assert signer.bands("ISIS defeated!") == signer.bands("isis, DEFEATED")
    assert signer.similarity("ISIS defeated", "ISIS defeated") == 1.0
    assert signer.similarity("ISIS defeated", "attacks rose") < 0.3


def test_texts_without_words_have_no_bands(signer: MinHashSigner) -> None:
    assert signer.bands("") == ()
    assert signer.bands(" — ... !") == ()
    assert signer.similarity("", "...") == 1.0
    assert signer.similarity("", WIRE_STORY) == 0.0


def test_shingles_are_three_word_windows() -> None:
    assert extract_shingles("We have won against ISIS.") == {
        b"we have won",
        b"have won against",
        b"won against isis",
    }


def test_band_keys_do_not_change_between_releases(signer: MinHashSigner) -> None:
    """Stored keys must stay comparable: a new datasketch or a tuning change breaks this test,
    and then every stored document's bands have to be recomputed."""
    assert signer.bands("We have won against ISIS.")[:2] == (
        8646435506370204352,
        7223652521613240244,
    )
