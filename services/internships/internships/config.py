"""Which internship rule set this deployment applies (``INTERNSHIPS_RULE_SET``, ``INTERNSHIPS_RULE_OVERRIDES``)."""

from __future__ import annotations

from functools import cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from internships.domain.rules import RuleSet, rule_set


class RuleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTERNSHIPS_", extra="ignore", env_file=None)

    rule_set: str = "cn-2021"
    # JSON object of RuleSet parameters, e.g. {"weekly_hours_max": 44, "holidays": ["2027-01-01"]}
    rule_overrides: str = ""


@cache
def active_rules() -> RuleSet:
    """Read once per process; an unknown set or parameter stops the service at start (main imports this)."""
    s = RuleSettings()
    return rule_set(s.rule_set, s.rule_overrides or None)
