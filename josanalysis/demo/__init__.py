"""The synthetic demo region: a generator of data in the real formats with known true effects."""
