"""The package version (one place; ``nn2poly.__version__`` reads it)."""

__version__ = "0.1.0"
