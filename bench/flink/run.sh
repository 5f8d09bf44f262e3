#!/usr/bin/env bash
# Runs the Flink side of the Nexmark comparison (builds it first if needed).
#   bench/flink/run.sh generate --events N --seed S [--out events.csv]   # prints the stream hash
#   bench/flink/run.sh query --query q0,q5|all --events N [--seed S] [--parallelism P]
#                            [--input events.csv] [--out-dir DIR]
#   bench/flink/run.sh cep --pattern fraud|spikes|absence --input FILE [--out matches.txt]
#                          # Flink CEP on bench/cep/generate.ts's CSV (bench/cep/README.md)
#   bench/flink/run.sh cep-latency --pattern fraud|spikes|absence --input FILE [--rate 10000]
#                          [--time event|processing] [--warmup-s 5] [--buffer-timeout-ms MS]
#   bench/flink/run.sh sql --file job.sql   # runs a SQL file's statements (bench/sql-diff's reference)
# Relative paths are taken from the directory you call it from.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -f "$here/target/classpath.txt" ] || [ -n "$(find "$here/src" "$here/pom.xml" -newer "$here/target/classpath.txt" -print -quit)" ]; then
  (cd "$here" && mvn -q -B package -DskipTests && touch target/classpath.txt) >&2
fi
cmd="${1:-}"
shift || true
case "$cmd" in
  generate) main=dev.fleuve.nexmark.Generate ;;
  query) main=dev.fleuve.nexmark.NexmarkFlink ;;
  cep) main=dev.fleuve.cep.CepBench ;;
  cep-latency) main=dev.fleuve.cep.CepLatency ;;
  sql) main=dev.fleuve.sql.RunSql ;;
  *) echo "usage: run.sh generate|query|cep|cep-latency|sql [options]" >&2; exit 2 ;;
esac
# The --add-opens are the ones Flink's own launcher passes on Java 17 (Kryo reflects into java.*).
exec java ${JAVA_OPTS:-} -Dnexmark.sql.dir="$here/../nexmark/sql" \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED \
  --add-opens=java.base/java.math=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" "$main" "$@"
