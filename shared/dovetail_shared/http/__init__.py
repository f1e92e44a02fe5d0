"""HTTP plumbing shared by every service: app factory, problem+json, auth dependencies, pagination."""
