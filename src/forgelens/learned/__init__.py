"""Learned components: frozen encoders, small probes, their weights and training recipes."""
