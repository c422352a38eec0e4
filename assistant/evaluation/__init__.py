"""Relevance and danger evaluation on judged sets (BEIR files, trec_eval metrics, paired tests), the report
an evaluator sends on, and the Evaluator page's choices of sets (``evaluator.py``: never a held-out set).
Imports the top level and the labelled situations' names; running a set takes a Searcher from the caller."""
