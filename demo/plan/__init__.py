"""The demo data plan: alliances and alliance-years that reproduce the published tables.

The programme published three tables (``reference_tables/``):

* ``members_106.csv`` — alliances and company members per field in ROC year 106;
* ``revenue_106.csv`` — recurring operating revenue, technology transfer and derived
  collaboration per field in 106, in 仟元 (NT$ thousands);
* ``fee_bands_102_106.csv`` — how many alliance-years of 102–106 charged an average
  membership fee per company member in each band (仟元, rounded half up).

:func:`build_plan` builds, from a seed and nothing else, a list of :class:`PlannedAlliance`
whose numbers give those tables back cell for cell. It is pure Python (no models), meant to
be turned into database rows by the demo loader. :func:`members_table`, :func:`revenue_table`
and :func:`fee_bands` compute the tables from a plan the way the office reports do (sums
first, then half-up rounding — never adding rounded cells); the tests compare them with the
CSVs.

How the plan is built, field by field (fields.csv order, one ``random.Random(seed)``):

1. *Alliance-years.* A field's 106 alliances are ``alliances_derived``; its alliance-years
   before 106 are the fee-band total minus those. They are spread over 102..105 as evenly as
   possible (the odd ones going to the later years). Some 106 alliances continue from
   earlier years: their count per year never grows going back in time, and at least one runs
   back to 103 (so is in phase 2 in 106) whenever the field has earlier years at all. The
   remaining alliance-years belong to historic alliances — runs of 1–4 consecutive years
   inside 102..105, usually three (one phase).
2. *Company members in 106.* Each 106 alliance gets at least 5; the rest of the field's
   ``company_members`` is shared out by random weights (largest remainder, so the sum is
   exact). Earlier years get plausible counts (at least 3).
3. *Membership fees.* The field's fee-band counts are expanded into a list of band labels
   and shuffled; the first labels go to the 106 alliances, the rest to the earlier
   alliance-years. Each alliance-year draws a whole number ``v`` of 仟元 inside its band and
   gets ``membership_fees = company_members * v * 1000``, so its average is exactly ``v``.
   If the 106 fees would exceed the field's recurring revenue, the labels are shuffled again
   (same RNG, so still deterministic).
4. *106 revenue.* What is left of the recurring revenue after fees is split into technical
   service and other operating income; technology transfer and collaboration totals are
   split over a random subset of the field's 106 alliances. Every amount is a multiple of
   NT$1,000, so the 仟元 sums are exact.
5. *Names.* Chinese and English names come from per-field topics and a few modifiers; the
   first 機電材料 alliance of 106 is the demo alliance 智慧精密加工產學小聯盟 (MECH001).

One module per part: tables (the reference tables and the tables a plan gives), names
(alliance names and institutions), build (the plan itself).
"""

# ruff: noqa: F401

from demo.plan.build import (
    build_plan,
)
from demo.plan.names import (
    DEMO_FIELD,
    DEMO_INSTITUTION,
    DEMO_MODIFIER,
    DEMO_TEAM_TYPE,
    DEMO_TOPIC,
    INSTITUTIONS,
    MEDICAL_INSTITUTIONS,
    TEAM_TYPE_WEIGHTS,
    alliance_names,
)
from demo.plan.tables import (
    BAND_LABELS,
    EARLIER_YEARS,
    FEE_BANDS,
    FIRST_YEAR,
    LAST_YEAR,
    REFERENCE_DIR,
    SHARE_ROW,
    TEAM_TYPES,
    TOTAL_ROW,
    FieldInfo,
    PlannedAlliance,
    PlannedYear,
    Row,
    by_field_zh,
    fee_band,
    fee_bands,
    load_fields,
    members_table,
    read_reference,
    revenue_table,
)
