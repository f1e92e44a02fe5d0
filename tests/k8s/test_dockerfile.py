"""The one image matches what the manifests expect: stages, numeric user, ports and commands."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

from k8s_manifests import GATEWAY, IMAGE_USER, ROOT, VARIANTS, pod_specs, render, service_catalog
from k8s_policy import topic_prefix

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _final_stage() -> list[tuple[str, str]]:
    ins = _instructions()
    last_from = max(i for i, (w, _) in enumerate(ins) if w == "FROM")
    return ins[last_from:]


def _console_scripts() -> set[str]:
    scripts: set[str] = set()
    for p in [ROOT / "pyproject.toml", *ROOT.glob("services/*/pyproject.toml"), *ROOT.glob("*/pyproject.toml")]:
        scripts |= set(tomllib.loads(p.read_text()).get("project", {}).get("scripts", {}))
    return scripts


def test_stages_build_then_runtime_without_build_tools() -> None:
    froms = [rest for w, rest in _instructions() if w == "FROM"]
    assert [f.split(" AS ")[-1] for f in froms][-2:] == ["build", "runtime"]
    final = _final_stage()
    assert not any(w == "RUN" and re.search(r"\b(uv|pip|apt-get|gcc)\b", r) for w, r in final)
    assert ("COPY", "--from=build --chown=0:0 /app /app") in final
    assert any(w == "RUN" and "uv sync --frozen" in r for w, r in _instructions()), "install only from uv.lock"
    assert not any(w == "HEALTHCHECK" for w, _ in _instructions())


def test_numeric_non_root_user_matches_every_pod() -> None:
    users = [r for w, r in _final_stage() if w == "USER"]
    assert users == [f"{IMAGE_USER}:{IMAGE_USER}"]
    for variant in VARIANTS:
        docs = render(variant)
        for where, pod in pod_specs(docs):
            if pod["containers"][0]["image"].startswith("ghcr.io/dovetail/"):
                assert pod["securityContext"]["runAsUser"] == IMAGE_USER, where


def test_exposed_ports_cover_every_container_port() -> None:
    exposed = {int(p) for w, r in _final_stage() if w == "EXPOSE" for p in r.split()}
    docs = render("overlays/dev")
    wanted = {s.port for s in service_catalog(topic_prefix(docs))} | {GATEWAY["port"], 9100}
    used = {p["containerPort"] for _, pod in pod_specs(docs) for c in pod["containers"] for p in c.get("ports", [])}
    assert used == wanted
    assert used <= exposed


def test_every_command_is_an_entrypoint_of_the_image() -> None:
    scripts = _console_scripts() | {GATEWAY["command"]}  # the gateway issue adds its console script
    roles = {"api", "relay", "consumer", "migrate", "dlt"}
    for variant in VARIANTS:
        for where, pod in pod_specs(render(variant)):
            for c in pod["containers"]:
                assert c["command"][0] in scripts, where
                if c["command"][0] != GATEWAY["command"]:
                    assert c["args"][0] in roles, where
    for s in service_catalog("dovetail"):
        assert s.command in scripts
    # the console scripts are found on PATH in the final stage
    assert any(w == "ENV" and "PATH=/app/.venv/bin:$PATH" in r.split() for w, r in _final_stage())


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or str(ROOT / ".venv" / "bin" / "hadolint")
    result = subprocess.run([hadolint, "--format", "tty", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
