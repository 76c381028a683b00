"""Build the demo PDF: a summary of the Lead IG report on Operation Inherent Resolve, 2019.

Writes ``reports/lead-ig-oir-2019-q3-summary.pdf`` next to this file: a summary, written for the
Briefbot demo from public reporting, of the report for July 1 - October 25, 2019. It is not the
original report. Core fonts only, so every string here is Latin-1 (straight quotes, hyphens).

Run from the repository root:  .venv/bin/python examples/demo/build_pdf.py
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "reports" / "lead-ig-oir-2019-q3-summary.pdf"

TITLE = (
    "Lead Inspector General for Operation Inherent Resolve: Quarterly Report to Congress, "
    "July 1 - October 25, 2019 (summary)"
)
AUTHOR = "Briefbot demo mirror (summary of a Lead Inspector General report)"
CREATED = datetime(2019, 11, 19, 12, 0, 0, tzinfo=UTC)  # the report's public release date
NOTE = "Demo document written for Briefbot; summarises public reporting; not the original document."

# (kind, text): "h1" title, "meta" small grey line, "h2" section heading, "p" paragraph,
# "li" bullet item.
CONTENT: list[tuple[str, str]] = [
    (
        "h1",
        "Operation Inherent Resolve: Lead Inspector General quarterly report, "
        "July 1 - October 25, 2019",
    ),
    (
        "meta",
        "Summary prepared for the Briefbot demo. Report publicly released on 19 November 2019 "
        "by the Lead Inspector General for Operation Inherent Resolve (the offices of "
        "inspector general of the Department of Defense, the Department of State and USAID).",
    ),
    ("meta", NOTE),
    ("h2", "1. The report at a glance"),
    (
        "p",
        "This is the 19th Lead Inspector General report to Congress on Operation Inherent "
        "Resolve (OIR), the US-led operation against ISIS in Iraq and Syria. It covers 1 July to "
        "25 October 2019. The reporting period normally ends on 30 September; the inspectors "
        "general extended it to 25 October 2019 because of the significant developments in "
        "north-east Syria in October, which they judged essential to report. The report was "
        "publicly released on 19 November 2019.",
    ),
    (
        "p",
        "Bottom line of the report, as summarised here: the Turkish incursion into north-east "
        "Syria and the withdrawal of most US troops from that area reduced counterterrorism "
        "pressure on ISIS, and the Defense Intelligence Agency (DIA) assessed that ISIS used the "
        "opening to rebuild. The death of Abu Bakr al-Baghdadi in a US raid on 26-27 October "
        "2019 was described as a blow to the group, but not one expected to stop its "
        "reconstitution.",
    ),
    ("h2", "2. Key developments in the period"),
    (
        "li",
        "9 October 2019: Turkey launched air and ground operations against Kurdish People's "
        "Protection Units (YPG) positions in north-east Syria. The YPG is the core of the "
        "Syrian Democratic Forces (SDF), the US partner force against ISIS in Syria.",
    ),
    (
        "li",
        "After the incursion began, the United States ordered the withdrawal of its remaining "
        "forces from north-east Syria, leaving US troops at the At Tanf garrison near the "
        "Jordanian border. About 1,000 US troops had been in north-east Syria before the "
        "withdrawal.",
    ),
    (
        "li",
        "End of October 2019: the United States announced that it would deploy troops to Dayr "
        "az Zawr province to help the SDF keep control of the oil fields there. Defense "
        "Secretary Mark Esper said that some 500 to 600 US troops would remain in Syria.",
    ),
    (
        "li",
        "26-27 October 2019: a US special operations raid in Syria's Idlib province killed ISIS "
        "leader Abu Bakr al-Baghdadi. ISIS confirmed his death on 31 October 2019 and named "
        "Abu Ibrahim al-Hashimi al-Qurashi as his successor.",
    ),
    ("h2", "3. How ISIS was assessed"),
    (
        "p",
        "The DIA told the Lead Inspector General that ISIS exploited the Turkish incursion and "
        'the subsequent drawdown of US troops "to reconstitute capabilities and resources '
        'within Syria and strengthen its ability to plan attacks abroad."',
    ),
    (
        "p",
        "According to the DIA, without counterterrorism pressure ISIS would likely have more "
        "freedom to build clandestine networks, would likely try to free its members held in "
        'SDF prisons and camps, and would likely have the "time and space" to target the West '
        "and to support its branches and networks around the world. The DIA also judged that "
        "ISIS would probably try to regain control of some population centres in Syria and to "
        "expand its global footprint.",
    ),
    (
        "p",
        "On leadership, the DIA assessed that al-Baghdadi's death would likely have little "
        "effect on the group's ability to reconstitute, and that ISIS was postured to keep its "
        "operations, cohesion and current trajectory.",
    ),
    (
        "p",
        "In Iraq, US commanders reported that ISIS continued to solidify and expand its command "
        "and control during the period, building on the insurgent capabilities described in "
        "the previous quarterly report.",
    ),
    ("h2", "4. Key figures, with sources and dates"),
    (
        "p",
        "The figures below are gathered for this summary. Each is given with who published it "
        "and the date it refers to; not all of them appear in the report itself.",
    ),
    (
        "li",
        "Fighter strength: ISIS likely retained between 14,000 and 18,000 members in Iraq and "
        "Syria, including up to 3,000 foreigners. Source: CJTF-OIR estimate based on "
        "open-source data, as of 30 June 2019, published in the previous Lead Inspector "
        "General report on 6 August 2019 and carried forward here.",
    ),
    (
        "li",
        "Detainees: the SDF held about 10,000 ISIS fighters in makeshift prisons in north-east "
        "Syria, including about 2,000 foreign fighters from outside Syria and Iraq. Source: "
        "figures given by US officials and members of Congress in October and November 2019; "
        "Defense Secretary Esper spoke in October 2019 of 11,000 or so detainees.",
    ),
    (
        "li",
        "Escapes: more than 100 ISIS detainees escaped after the Turkish incursion. Source: "
        "Ambassador James Jeffrey, Special Representative for Syria Engagement, to the House "
        "Foreign Affairs Committee on 23 October 2019, who added that the United States did "
        "not know where they were.",
    ),
    (
        "li",
        "Camps: the al-Hol camp in Hasakah province held about 70,000 people during 2019, most "
        "of them women and children, after a peak of more than 73,000 in April 2019. Source: UN "
        "humanitarian figures as reported in 2019.",
    ),
    (
        "li",
        "US forces: about 1,000 US troops in north-east Syria before the October 2019 "
        "withdrawal; some 500 to 600 to remain in Syria afterwards. Source: Department of "
        "Defense statements, October and November 2019.",
    ),
    ("h2", "5. Statements in the same period"),
    (
        "li",
        "16 September 2019: in an audio recording released by ISIS's al-Furqan media outlet "
        "and attributed to al-Baghdadi, the ISIS leader urged followers to free members held "
        'in prisons and women held in camps, which he called "prisons of humiliation".',
    ),
    (
        "li",
        "23 October 2019: President Donald J. Trump said that a small number of ISIS prisoners "
        'had got out and "they\'ve been largely recaptured"; on the same day Ambassador '
        "Jeffrey told Congress that more than 100 had escaped and that their whereabouts were "
        "unknown.",
    ),
    (
        "li",
        "27 October 2019: President Trump announced that al-Baghdadi had been killed in the US "
        "raid in north-west Syria.",
    ),
    ("h2", "6. Reading notes (written for the demo; not from the report)"),
    (
        "p",
        'Read against the declarations of 19 December 2018 ("We have won against ISIS") and 23 '
        "March 2019 (all ISIS-held territory liberated), this report describes an enemy that "
        "has lost territory and its founding leader but keeps a force estimated in the tens of "
        "thousands, holds a stated aim of freeing thousands of detained members, and, in the "
        "DIA's assessment, gained room to rebuild in Syria in October 2019.",
    ),
    (
        "p",
        "The strength estimate dates from 30 June 2019, before the Turkish incursion; the next "
        "quarterly report, due in early 2020, is the first place to look for an updated figure. "
        "Detainee and camp figures come from officials and UN agencies rather than from the "
        "report's own estimate, and should be cited with their source and date.",
    ),
    (
        "p",
        "Original document: Lead Inspector General for Operation Inherent Resolve, Quarterly "
        "Report to the United States Congress, July 1, 2019 - October 25, 2019, published on "
        "the DoD Office of Inspector General website (dodig.mil, Lead Inspector General "
        "Reports).",
    ),
]


class _SummaryPDF(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(110, 110, 110)
        self.cell(
            0,
            5,
            "Briefbot demo mirror - Lead IG OIR report summary, July-October 2019",
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.ln(2)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{NOTE}  Page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def build(output: Path = OUTPUT) -> Path:
    """Write the PDF to ``output`` and return its path."""
    pdf = _SummaryPDF(format="A4")
    pdf.set_title(TITLE)
    pdf.set_author(AUTHOR)
    pdf.set_subject("ISIS strength, detainees and camps after the Turkish incursion, 2019")
    pdf.set_keywords("ISIS, Operation Inherent Resolve, Lead Inspector General, Syria, Iraq")
    pdf.set_creator("examples/demo/build_pdf.py (fpdf2)")
    pdf.set_creation_date(CREATED)
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    for kind, text in CONTENT:
        _write(pdf, kind, text)
    output.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(output))
    return output


def _write(pdf: FPDF, kind: str, text: str) -> None:
    text.encode("latin-1")  # core fonts: fail here, not with a garbled PDF
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if kind == "h1":
        pdf.set_font("Helvetica", "B", 15)
        pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    elif kind == "meta":
        pdf.set_font("Helvetica", "I", 9)
        pdf.set_text_color(80, 80, 80)
        pdf.multi_cell(width, 4.6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1.5)
    elif kind == "h2":
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    elif kind == "p":
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(width, 4.9, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    elif kind == "li":
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(5, 4.9, "-")
        pdf.multi_cell(width - 5, 4.9, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.2)
    else:
        raise ValueError(f"unknown block kind: {kind}")


if __name__ == "__main__":
    print(build())
