"""The package version, in the lowest layer so that every layer can name it (manifests, index, CLI)."""

__version__ = "0.2.0"
