#!/usr/bin/env bash
# Runs Flink CEP on the hand-written reference cases and writes one JSON file per case
# (the test oracle of @fleuve/cep) into packages/cep/test/fixtures/flink-reference/.
#   bench/flink/cep-reference.sh [--only case1,case2] [--out DIR] [--list]
# Builds the Maven project first if needed (artifacts from Maven Central only).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ ! -f "$here/target/classpath.txt" ] || [ -n "$(find "$here/src" "$here/pom.xml" -newer "$here/target/classpath.txt" -print -quit)" ]; then
  (cd "$here" && mvn -q -B package -DskipTests && touch target/classpath.txt) >&2
fi
cd "$root"
out=packages/cep/test/fixtures/flink-reference
prev=""
for a in "$@"; do [ "$prev" = "--out" ] && out="$a"; prev="$a"; done
# The --add-opens are the ones Flink's own launcher passes on Java 17 (Kryo reflects into java.*).
java ${JAVA_OPTS:-} \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED \
  --add-opens=java.base/java.math=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" dev.fleuve.cep.ReferenceCases \
  --source "$here/src/main/java/dev/fleuve/cep/ReferenceCases.java" "$@"
# The fixtures are checked by the repository's formatter (biome): write them in its layout
# (only inside the repository's packages/: biome refuses paths outside it).
case "$(realpath "$out")" in
  "$root"/packages/*) npx --no-install biome format --write "$out" >/dev/null ;;
esac
