#!/usr/bin/env bash
# Install what the test suite needs beyond Python packages: Java 17 for Spark, Debian's Chromium for browser tests.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup-test-env: please install ${need[*]} (needs root)" >&2
  fi
fi
