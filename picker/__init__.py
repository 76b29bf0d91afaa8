"""picker: the warehouse side of community produce supply during a lockdown."""

__version__ = "0.1.0"
