"""Provenance: what the file's own records mean, for the provenance detectors.

The records are read once by ``forgelens.evidence`` (``evidence.provenance``: EXIF, XMP,
IPTC, PNG text, C2PA, generator conventions, JPEG table match). Here they are interpreted:
``claims`` (editing software named, dates that disagree, declared AI source types),
``thumbnail`` (the EXIF thumbnail against the pixels) and ``watermark`` (the invisible
DWT-DCT watermark of the Stable Diffusion reference pipelines, decoded from the pixels).
The registered detectors ``metadata``, ``quant_tables``, ``c2pa_manifest``,
``generator_signature`` and ``watermark`` (family "provenance", heatmap None) turn these
into findings; ``forgelens.explain.provenance`` writes the report's Provenance table.
"""
