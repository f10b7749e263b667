"""Learned components at inference: ONNX model files and sessions, encoders, probes (no torch)."""
