"""The built index: sentence models (embedders) and the versioned FAISS store with its manifest.
Imports corpus and the top level."""
