"""nscl-extract: grounded extraction from Vietnamese NSCL plans, decisions and news."""
__version__ = "0.1.0"
