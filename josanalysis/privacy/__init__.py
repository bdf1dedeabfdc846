"""Privacy at the output boundary: suppression, disclosure checks and the output scan.

The only layer that makes tables safe to share (``docs/privacy.md``).
"""
