"""digestctl: assemble a newsletter round-up from feeds and web pages."""

__version__ = "0.1.0"
