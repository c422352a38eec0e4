"""From a situation to ranked organisations: checking and normalising the text, its language, the
search over the index and the ranking (learned by default; the old rule-based modes as baselines).
Imports corpus, index, learning, safety and the top level."""
