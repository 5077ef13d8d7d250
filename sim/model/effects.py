"""Effect sizes of the model that are not scenario parameters, named once.

Each is a modelling choice of the design (DESIGN §2), not a measured value: the
numbers below are those the golden outputs were made with. A constant that a study
needs to vary should become a schema field (with its unit and source in
docs/model.md, "Fixed effect sizes", which lists these).
"""

from __future__ import annotations

__all__ = [
    "BACKLASH_SENTIMENT_PER_UNIT",
    "CONTAIN_SMOOTHING_H",
    "COVERUP_EFFECT",
    "COVERUP_RELEVANCE_WEIGHT",
    "COVERUP_SENTIMENT_FACTOR",
    "HIJACK_HALF_LIFE_H",
    "HIJACK_RELEVANCE_WEIGHT",
    "LOST_THRESHOLD_WITHOUT_CRISIS",
    "NSI_BAND",
    "RESPONSE_RELEVANCE_WEIGHT",
    "UNJUSTIFIED_DENIAL_SENTIMENT_FACTOR",
]

# --- crisis (sim.model.crisis) -------------------------------------------------------
#: Weight of the reader's interest in the brand's public response.
RESPONSE_RELEVANCE_WEIGHT = 0.5
#: Weight of the reader's interest in the cover-up story (a deleted complaint found
#: out): lower than the complaint's, the story travels beyond the brand's customers.
COVERUP_RELEVANCE_WEIGHT = 0.3
#: The cover-up story's sentiment impact, as a multiple of the complaint's.
COVERUP_SENTIMENT_FACTOR = 1.5
#: Multiplier of the complaint's share hazard for a reader of the cover-up story.
COVERUP_EFFECT = 1.5
#: Sentiment impact of a justified complaint's denial per unit of backlash
#: (``-0.1 * deny_backlash``): the statement lowers its readers' sentiment.
BACKLASH_SENTIMENT_PER_UNIT = -0.1
#: Sentiment impact of denying an unjustified complaint, as a share of an apology's.
UNJUSTIFIED_DENIAL_SENTIMENT_FACTOR = 0.5
#: Trailing smoothing window (hours) of the negative share curve when measuring the
#: time to contain a crisis (``time_to_contain_h``).
CONTAIN_SMOOTHING_H = 6.0

# --- sentiment bookkeeping (sim.model.buzz, the engines' totals) ----------------------
#: Net Sentiment Index band: an account counts as positive above +NSI_BAND and as
#: negative below -NSI_BAND.
NSI_BAND = 0.1
#: ``customers_lost`` threshold when the scenario has no [crisis] (then the crisis's
#: ``customer_lost_threshold`` is not given); the schema's default for it is the same.
LOST_THRESHOLD_WITHOUT_CRISIS = -0.3

# --- open hashtag hijack (sim.model.tactics.trends) -----------------------------------
#: Weight of the reader's interest in a hijack story's relevance (as for a complaint).
HIJACK_RELEVANCE_WEIGHT = 0.5
#: Half-life of a hijack story's novelty (exponential decay), hours.
HIJACK_HALF_LIFE_H = 24.0
