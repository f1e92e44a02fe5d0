#!/usr/bin/env bash
# Install Debian's headless-capable Chromium if it is missing (used by the offline API docs test).
#
#   bash scripts/infra/chromium.sh          # no-op when `chromium` is already on PATH
#
# Needs root (or passwordless sudo) for apt-get; prints what to run otherwise.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else
    echo "chromium is missing and apt-get needs root: run 'sudo apt-get update && sudo apt-get install -y chromium'" >&2
    exit 1
  fi
fi
echo "installing chromium (Debian package) for the offline API docs test"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
