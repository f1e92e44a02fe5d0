"""Projections of other services' facts that several services keep (each in its own schema)."""
