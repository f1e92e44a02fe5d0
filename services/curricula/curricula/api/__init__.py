"""HTTP entrypoints of the curricula service."""
