"""Dovetail GraphQL gateway."""
