"""The built index: sentence models (embedders; fastpath and e5fast run them in ONNX Runtime) and the
versioned FAISS store with its manifest.
Imports corpus and the top level."""
