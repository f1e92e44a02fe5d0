"""HTTP entrypoints of the joint programs service."""
