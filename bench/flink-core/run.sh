#!/usr/bin/env bash
# Runs the Flink side of the core benchmarks (builds it first if needed).
#   bench/flink-core/run.sh [--runs 3] [--events 10000000] [--only stateless,tumbling,...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -f "$here/target/classpath.txt" ] || [ -n "$(find "$here/src" "$here/pom.xml" -newer "$here/target/classpath.txt" -print -quit)" ]; then
  (cd "$here" && mvn -q -B package -DskipTests && touch target/classpath.txt) >&2
fi
main=dev.fleuve.bench.CoreBench
# The --add-opens are the ones Flink's own launcher passes on Java 17 (Kryo reflects into java.*).
exec java ${JAVA_OPTS:-} \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED \
  --add-opens=java.base/java.math=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" "$main" "$@"
