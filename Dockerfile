# One image for every Dovetail process; the container command selects it:
#   dovetail-<service> api|relay|consumer|migrate|dlt   and   dovetail-gateway
# Dependencies come from uv.lock only (uv sync --frozen). The final stage has no build tools and runs as the
# numeric non-root user 10001. No HEALTHCHECK: Kubernetes probes /healthz and /readyz.
# tests/k8s/test_dockerfile.py checks the stages, user, ports and commands against deploy/k8s.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ghcr.io/astral-sh/uv:0.9.7 AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PYTHON=/usr/local/bin/python3
WORKDIR /app
# Lock and project files first, so the dependency layer is reused while only source changes.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY services/curricula/pyproject.toml services/curricula/
COPY services/consortia/pyproject.toml services/consortia/
COPY gateway/pyproject.toml gateway/
COPY services/joint_programs/pyproject.toml services/joint_programs/
COPY services/internships/pyproject.toml services/internships/
COPY services/talent_pipelines/pyproject.toml services/talent_pipelines/
RUN uv sync --frozen --no-dev --all-packages --no-install-workspace
COPY shared/ shared/
COPY services/ services/
COPY gateway/ gateway/
RUN uv sync --frozen --no-dev --all-packages

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/app/.venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DOVETAIL_HTTP_HOST=0.0.0.0 DOVETAIL_ENVIRONMENT=production
RUN groupadd --system --gid 10001 dovetail \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent dovetail
WORKDIR /app
COPY --from=build --chown=0:0 /app /app
USER 10001:10001
# 8000 gateway, 8101.. service APIs, 9100 metrics of worker roles.
EXPOSE 8000 8101 8102 8103 8104 8105 9100
CMD ["dovetail-curricula", "--help"]
