"""MétéoComptes: statistics and administration console for EduConnect guardian accounts."""

__version__ = "0.1.0"
