#!/usr/bin/env bash
# Runs the JMH micro-benchmarks of io.github.swooletask.bench.jmh with the GC profiler and prints, per benchmark,
# the time per operation and gc.alloc.rate.norm (bytes allocated per operation).
#
# Usage: bench/jmh.sh [JMH options or benchmark regex]     e.g. bench/jmh.sh FrameCodec
# Default settings are short (1 fork, 2 x 1 s warm-up, 3 x 1 s measurement); -f, -wi, -i, -w, -r given on the
# command line replace them.
# Full output: bench/target/jmh-output.txt, JSON: bench/target/jmh-result.json.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"

if [ ! -f "$bench/target/classes/META-INF/BenchmarkList" ]; then
    echo "building (mvn -B -q install -DskipTests) ..." >&2
    (cd "$root" && mvn -B -q install -DskipTests)
fi

cp_file="$bench/target/jmh.classpath"
(cd "$bench" && mvn -B -q dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)

# short defaults, each left out when the caller gives that option (JMH refuses an option given twice)
defaults=()
for pair in "-f 1" "-wi 2" "-i 3" "-w 1s" "-r 1s"; do
    option="${pair%% *}"
    given=false
    for arg in "$@"; do
        if [ "$arg" = "$option" ]; then given=true; fi
    done
    if [ "$given" = false ]; then
        defaults+=("$option" "${pair#* }")
    fi
done

out="$bench/target/jmh-output.txt"
java -cp "$bench/target/classes:$(cat "$cp_file")" org.openjdk.jmh.Main \
    -prof gc "${defaults[@]}" \
    -rf json -rff "$bench/target/jmh-result.json" \
    "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}

echo
echo "== summary: ns/op and gc.alloc.rate.norm (B/op) =="
awk '/^Benchmark +/ { table = 1; print; next }
     table && (/ ns\/op/ || /gc\.alloc\.rate\.norm/) { print }' "$out"
exit "$status"
