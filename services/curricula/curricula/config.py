"""Curricula settings: ``CURRICULA_*`` variables, falling back to ``DOVETAIL_*``."""

from typing import ClassVar

from dovetail_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class CurriculaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CURRICULA_", extra="ignore")

    service_name: ClassVar[str] = "curricula"
    http_port: int = 8101


def get_settings() -> CurriculaSettings:
    return CurriculaSettings()
