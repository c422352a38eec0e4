"""The learned layer: labelled situations, the heads read from sentence vectors (organisations, needs,
out of scope, danger and its kind, language) and from the situation's letters (wording), and their training. Imports index, evaluation's data
loaders and the top level."""
