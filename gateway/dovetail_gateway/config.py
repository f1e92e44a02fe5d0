"""Gateway settings: ``GATEWAY_*`` first, then the shared ``DOVETAIL_*`` values (JWT, environment, logging)."""

from __future__ import annotations

from dovetail_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class GatewaySettings(ServiceSettings):
    """The gateway reuses the services' settings so that it verifies tokens by exactly the same rules."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", env_file=None)
    service_name = "gateway"

    # The gateway owns no data: no database URL to configure (and none to refuse in production).
    database_url: str = ""
    http_port: int = 8000
    curricula_url: str = "http://127.0.0.1:8101"
    consortia_url: str = "http://127.0.0.1:8102"
    joint_programs_url: str = "http://127.0.0.1:8103"
    # Backend calls: a slow service answers an error in bounded time instead of holding the request.
    backend_connect_timeout_s: float = 2.0
    backend_timeout_s: float = 10.0
    backend_max_connections: int = 50
    # Idempotent reads are retried this many times on a transport error or a 502/503/504; writes never are.
    backend_read_retries: int = 2
    # As large as the services accept (a full draft fits in the variables); larger is refused with 413 unparsed.
    max_body_bytes: int = 1_000_000
    # Abuse limits (README "Limits"): cost counts the objects a query may fetch, from requested page sizes.
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2_000
    max_cost: int = 5_000
    default_page_size: int = 20
    max_page_size: int = 100

    def service_urls(self) -> dict[str, str]:
        return {
            "curricula": self.curricula_url,
            "consortia": self.consortia_url,
            "joint_programs": self.joint_programs_url,
        }


def get_settings() -> GatewaySettings:
    return GatewaySettings()
