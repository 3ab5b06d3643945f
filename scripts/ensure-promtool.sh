#!/usr/bin/env bash
# The monitoring tests check the Prometheus files and the services' /metrics with promtool, which comes
# with Debian's prometheus package. Install it when it is missing; the package's server is not started.
# Under CI=true a failed install is an error; elsewhere the tests that need promtool skip, loudly.
set -uo pipefail
if command -v "${PROMTOOL:-promtool}" >/dev/null; then exit 0; fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
echo "installing Debian's prometheus package for promtool"
if as_root apt-get update -qq &&
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends prometheus >/dev/null; then
  # Nothing here needs the server the package installs; a container without an init leaves it stopped.
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "could not install promtool (Debian package prometheus)" >&2
  exit 1
fi
echo "!!! could not install promtool: the Prometheus checks in backend/tests/observability will be SKIPPED" >&2
exit 0
