"""HTTP side of internships."""
