#!/usr/bin/env bash
# Runs the main benchmark cases of swoole-task and prints each case's table, then a summary with the median of
# every row and ratio over the runs.
#
# Usage: bench/run-all.sh                        each case once
#        RUNS=3 bench/run-all.sh                 each case 3 times (the README's numbers are medians of 3)
#        RAISED_MSGMNB=67108864 bench/run-all.sh also mode 3 / 16 B with kernel.msgmnb raised (needs root; the
#                                                old value is put back when the case ends, also on failure)
#        CASES="1 5" bench/run-all.sh            only some cases (numbers as printed)
#        RUNS=5 CASES="10 11" bench/run-all.sh   the Redis Streams cases (each run starts and stops its own
#                                                redis-server; REDIS=HOST:PORT uses that server instead)
# Builds the project first (mvn -B -q install -DskipTests from the root) if the jar is missing.
# Logs: bench/target/run-all/<time>/case<N>.run<M>.txt
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
jar="$bench/target/swoole-task-bench.jar"
runs="${RUNS:-1}"

if [ ! -s "$jar" ] || ! unzip -l "$jar" >/dev/null 2>&1; then
    echo "building (mvn -B -q install -DskipTests) ..." >&2
    (cd "$root" && mvn -B -q install -DskipTests)
fi

cases=(
    "--mode 3 --payload 16 --workers 2 --tasks 1000000 --baseline all"
    "--mode 3 --payload 1024 --workers 2 --tasks 1000000 --baseline all"
    "--mode 2 --payload 16 --workers 2 --tasks 1000000 --baseline all"
    "--mode 2 --payload 1024 --workers 2 --tasks 1000000 --baseline all"
    "--mode 3 --payload 16 --workers 2 --tasks 1000000 --baseline c --batching off"
    "--mode 1 --payload 16 --workers 2 --tasks 1000000 --baseline all"
    "--mode 3 --payload 16 --workers 2 --tasks 1000000 --external-producer php"
    "--mode 3 --payload 65536 --workers 2 --tasks 20000 --baseline all"
    "--mode 3 --payload 65536 --workers 2 --tasks 20000 --baseline executor --tmpdir /dev/shm"
    "--transport redis-streams --mode 3 --payload 16 --workers 2 --tasks 100000 --baseline redis-all"
    "--transport redis-streams --mode 3 --payload 16 --workers 2 --tasks 100000 --baseline redis-all --batching off"
)
labels=(
    "mode 3, 16 B"
    "mode 3, 1 KiB"
    "mode 2, 16 B"
    "mode 2, 1 KiB"
    "mode 3, 16 B, batching off (one task per message, as C)"
    "mode 1 (Unix socket), 16 B"
    "mode 3, 16 B, external PHP producer"
    "mode 3, 64 KiB (spilled to files)"
    "mode 3, 64 KiB, spill files on tmpfs (/dev/shm)"
    "Redis Streams (own redis-server), 16 B, vs Spring Data Redis container and raw Lettuce"
    "Redis Streams (own redis-server), 16 B, batching off (one task per entry, as the baselines)"
)
if [ -n "${RAISED_MSGMNB:-}" ]; then
    cases+=("--mode 3 --payload 16 --workers 2 --tasks 1000000 --baseline all")
    labels+=("mode 3, 16 B, kernel.msgmnb=$RAISED_MSGMNB")
fi
selected="${CASES:-$(seq -s ' ' 1 ${#cases[@]})}"

logs="$bench/target/run-all/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$logs"
# run a copy: a build started meanwhile (by anyone) replaces the jar, and a running JVM then fails to load classes
cp "$jar" "$logs/swoole-task-bench.jar"
jar="$logs/swoole-task-bench.jar"
original_msgmnb="$(cat /proc/sys/kernel/msgmnb)"
restore_msgmnb() {
    if [ "$(cat /proc/sys/kernel/msgmnb)" != "$original_msgmnb" ]; then
        sysctl -q -w kernel.msgmnb="$original_msgmnb"
        echo "kernel.msgmnb restored to $original_msgmnb"
    fi
}
trap restore_msgmnb EXIT INT TERM

failed=""
echo "# nproc=$(nproc) kernel=$(uname -r) kernel.msgmnb=$original_msgmnb runs=$runs logs=$logs"
cd "$root"
for n in $selected; do
    args="${cases[$((n - 1))]}"
    raised=""
    if [ -n "${RAISED_MSGMNB:-}" ] && [ "$n" -eq "${#cases[@]}" ]; then
        raised="$RAISED_MSGMNB"
    fi
    for ((r = 1; r <= runs; r++)); do
        echo
        echo "== case $n, run $r/$runs: ${labels[$((n - 1))]}: java -jar bench/target/swoole-task-bench.jar $args"
        echo "# load average before the run: $(cut -d ' ' -f 1-3 /proc/loadavg)"
        if [ -n "$raised" ]; then
            sysctl -q -w kernel.msgmnb="$raised"
        fi
        extra=""
        if [ -n "${REDIS:-}" ] && [[ "$args" == *"--transport redis-streams"* ]]; then
            extra="--redis $REDIS"
        fi
        # shellcheck disable=SC2086
        if ! java -jar "$jar" $args $extra | tee "$logs/case$n.run$r.txt"; then
            failed="$failed case$n.run$r"
        fi
        restore_msgmnb
    done
done

echo
echo "== summary (median of $runs run(s) per case; tasks/s per row, then ratios) =="
for n in $selected; do
    echo "-- case $n: ${labels[$((n - 1))]}: ${cases[$((n - 1))]}"
    awk '
        function median(list,   a, k, i, j, t) {
            k = split(list, a, " ")
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
            return a[int((k + 1) / 2)]
        }
        /^run +mode/ { table = 1; next }
        table && /^  / { table = 0 }
        table && NF > 8 {
            name = substr($0, 1, 26); sub(/ +$/, "", name)
            if (!(name in rows)) order[++count] = name
            rows[name] = rows[name] " " $(NF - 1)
        }
        /^ratio / {
            split($0, parts, " = "); key = parts[1]; split(parts[2], value, " ")
            if (!(key in ratios)) rorder[++rcount] = key
            ratios[key] = ratios[key] " " value[1]
        }
        END {
            for (i = 1; i <= count; i++) printf "   %-26s %12s tasks/s   runs:%s\n", order[i], median(rows[order[i]]), rows[order[i]]
            for (i = 1; i <= rcount; i++) printf "   %-52s %7s   runs:%s\n", rorder[i], median(ratios[rorder[i]]), ratios[rorder[i]]
        }' "$logs"/case"$n".run*.txt
done
if [ -n "$failed" ]; then
    echo "failed runs:$failed (see $logs)" >&2
    exit 1
fi
