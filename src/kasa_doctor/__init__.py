"""kasa-doctor: why is my Kasa/Tapo camera light red, and how to fix it."""

__version__ = "0.1.0"
