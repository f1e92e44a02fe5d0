"""Imports every payload module so the registry is complete (schema export, contract tests, consumers)."""

from dovetail_shared.events import consortia, curricula

MODULES = (consortia, curricula)
