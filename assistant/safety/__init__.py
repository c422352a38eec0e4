"""Danger now: the learned detector's verdict combined with high-precision rules, the kind of danger,
and the crisis line from the corpus. Imports corpus and the top level."""
