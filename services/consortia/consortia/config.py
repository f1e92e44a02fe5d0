"""Consortia settings: ``CONSORTIA_*`` variables, falling back to ``DOVETAIL_*``."""

from typing import ClassVar

from dovetail_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class ConsortiaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONSORTIA_", extra="ignore")

    service_name: ClassVar[str] = "consortia"
    http_port: int = 8102


def get_settings() -> ConsortiaSettings:
    return ConsortiaSettings()
