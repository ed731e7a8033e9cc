#!/usr/bin/env bash
# Installs what the tests need from Debian's packages: Chromium and its driver, for the
# real-browser dashboard test, and a Java runtime (17 or newer) for the PySpark portability
# test (tests/test_spark_portability.py). Idempotent; a no-op when all are present.
set -euo pipefail

java_ok() {
  # PySpark 4 needs Java 17+; JAVA_HOME wins over PATH, as in PySpark's launcher.
  local java="java"
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    java="$JAVA_HOME/bin/java"
  elif ! command -v java >/dev/null 2>&1; then
    return 1
  fi
  local major
  major="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [ -n "$major" ] && [ "$major" -ge 17 ]
}

packages=()
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  packages+=(chromium chromium-driver)
fi
need_java=0
java_ok || need_java=1
if [ "${#packages[@]}" -eq 0 ] && [ "$need_java" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ "$need_java" -eq 1 ]; then
  # Debian 12 ships 17; later releases only newer ones (21 also runs PySpark 4).
  if apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then
    packages+=(openjdk-17-jre-headless)
  else
    packages+=(openjdk-21-jre-headless)
  fi
fi
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
if [ "${#packages[@]}" -gt 0 ] && [[ " ${packages[*]} " == *" chromium "* ]]; then
  chromium --version
fi
if [ "$need_java" -eq 1 ]; then
  java -version
fi
