"""Service settings from the environment: a per-service prefix first, then shared ``DOVETAIL_`` values."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

# Values that ship in examples and local scripts; anything but development/test must not run with them.
DEV_SECRET = "dev-only-insecure-secret-change-me-0000000000"  # noqa: S105 - refused outside development
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dovetail", DEV_SECRET})


def wire_name(service: str) -> str:
    """A service's Python/schema name (``joint_programs``) as topics and event types spell it (``joint-programs``).

    ADR 0001 allows no ``_`` in a topic or event type, and Kubernetes none in a resource name (ADR 0022).
    """
    return service.replace("_", "-")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"

    @property
    def is_local(self) -> bool:
        """Development and the test suite run on one machine with the shipped placeholders; nothing else may."""
        return self in (Environment.DEVELOPMENT, Environment.TEST)


class ServiceSettings(BaseSettings):
    """Settings every service has. A service subclasses it and sets ``service_name`` and its env prefix.

    ``CURRICULA_DATABASE_URL`` wins over ``DOVETAIL_DATABASE_URL``, which wins over the default, so one
    shared ``.env`` can serve all services while each may still be pointed elsewhere.
    """

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: ClassVar[str] = "service"

    # Secure by default: a deployment that forgets to say where it runs refuses the shipped placeholders.
    # Local runs say `development` (the Makefile and scripts export it), the test suite `test`.
    environment: Environment = Environment.PRODUCTION
    database_url: str = "postgresql+asyncpg://dovetail:dovetail@127.0.0.1:55432/dovetail"
    db_pool_size: int = 10
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    # Tansu and some managed brokers refuse the idempotent producer; the default is the safe choice.
    kafka_enable_idempotence: bool = True
    kafka_topic_partitions: int = 3
    kafka_replication_factor: int = 1
    topic_prefix: str = "dev"
    relay_poll_interval_s: float = 2.0
    relay_batch_size: int = 500
    consumer_max_retries: int = 5
    # Records handled in one database transaction; a failing chunk is replayed record by record.
    consumer_batch_size: int = 200
    consumer_retry_base_s: float = 0.2
    jwt_secret: SecretStr = SecretStr(DEV_SECRET)
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    jwt_issuer: str = "dovetail-dev"
    jwt_audience: str = "dovetail"
    jwks_url: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # Worker roles (relay, consumer) serve /metrics here; 0 turns it off. The api and all roles serve
    # /metrics on http_port instead.
    metrics_port: int = 9100
    log_level: str = "INFO"
    otel_exporter: str = Field("none", pattern="^(none|console|otlp)$")
    otel_endpoint: str | None = None
    log_json: bool = True
    max_body_bytes: int = 1_000_000  # well under Kafka's 1 MiB record limit, so every event fits
    default_page_size: int = 50
    max_page_size: int = 200

    @property
    def db_schema(self) -> str:
        return self.service_name

    @property
    def wire_name(self) -> str:
        """The service's name in topics, event types, groups and sources: ``-`` for ``_`` (ADR 0022)."""
        return wire_name(self.service_name)

    def consumer_group(self, purpose: str) -> str:
        """``<wire name>-<purpose>``: the group's inbox key and, prefixed, its Kafka group and dead-letter topic."""
        return f"{self.wire_name}-{purpose}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared_env = EnvSettingsSource(settings_cls, env_prefix="DOVETAIL_")
        return (init_settings, env_settings, shared_env, dotenv_settings, file_secret_settings)

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> ServiceSettings:
        if not self.environment.is_local:
            symmetric = any(a.startswith("HS") for a in self.jwt_algorithms)
            if symmetric and self.jwt_secret.get_secret_value() in PLACEHOLDER_SECRETS:
                raise ValueError(
                    f"jwt_secret: a placeholder secret is refused in {self.environment}; set a real one "
                    "(or DOVETAIL_ENVIRONMENT=development for a local run)"
                )
            if symmetric and len(self.jwt_secret.get_secret_value()) < 32:
                raise ValueError(f"jwt_secret: must be at least 32 characters in {self.environment}")
            if not symmetric and not self.jwks_url:
                raise ValueError("jwks_url: required when JWTs are verified with an asymmetric algorithm")
            if ":dovetail@" in self.database_url:
                raise ValueError(f"database_url: the development password is refused in {self.environment}")
        if any(a.lower() == "none" for a in self.jwt_algorithms):
            raise ValueError("jwt_algorithms: 'none' is never accepted")
        return self

    def with_overrides(self, **values: Any) -> ServiceSettings:
        return type(self).model_validate({**self.model_dump(), **values})
