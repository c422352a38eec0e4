"""Help finder for victims of crime: a situation in a person's words -> organisations that can help."""

__version__ = "0.1.0"
