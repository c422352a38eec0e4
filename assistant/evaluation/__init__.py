"""Relevance and danger evaluation on judged sets (BEIR files, trec_eval metrics, paired tests) and
the report an evaluator sends on. Imports the top level; running a set takes a Searcher from the caller."""
