"""tailor: declarative infrastructure-as-code for Bria's Tailored Generation training API."""

__version__ = "0.1.0"
