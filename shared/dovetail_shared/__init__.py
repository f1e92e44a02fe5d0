"""Dovetail's shared library: what every service needs alike, written once."""
