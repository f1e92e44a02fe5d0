"""HTTP entrypoints of the consortia service."""
