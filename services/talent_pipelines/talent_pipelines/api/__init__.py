"""HTTP entrypoints of the talent pipelines service."""
