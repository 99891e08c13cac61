#!/usr/bin/env bash
# Where the CPU time of one task goes: samples one bench run with `perf record` and prints, for the producer thread
# and the worker threads, the CPU nanoseconds per task by kind of code (kernel message-queue work, system call entry,
# scheduler, libc, jnr-ffi, swoole-task's Java code, clock reads, JVM runtime). Other threads (JIT compilers, GC,
# start-up) are left out and only their share is printed.
#
# Usage: bench/cpu-per-task.sh [--jar JAR] [--tasks N] BENCH-ARGS...     e.g. bench/cpu-per-task.sh --mode 3 --batching off
#        bench/cpu-per-task.sh --c [--tasks N] MSGQ-ARGS...             the C baseline, e.g. --c --mode 3 --consumers 2
# Needs perf (linux-perf) and python3; Java frames are named through the JVM's perf map (-XX:+DumpPerfMapAtExit).
# Defaults: the jar in bench/target, 5,000,000 tasks (the bench adds its warm-up), --workers 2, --payload 16.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$bench/target/swoole-task-bench.jar"
tasks=5000000
c=false
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --jar) jar="$2"; shift 2 ;;
        --tasks) tasks="$2"; shift 2 ;;
        --c) c=true; shift ;;
        *) args+=("$1"); shift ;;
    esac
done
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
work="$(mktemp -d "${TMPDIR:-/tmp}/cpu-per-task.XXXXXX")"
trap 'rm -rf "$work"' EXIT
frequency=999

if [ "$c" = true ]; then
    gcc -O2 -pthread -o "$work/msgq_baseline" "$bench/c/msgq_baseline.c"
    perf record -q -F "$frequency" -o "$work/perf.data" "$work/msgq_baseline" --payload 16 --tasks "$tasks" \
        "${args[@]}" > "$work/run.txt" 2>&1
else
    [ -f "$jar" ] || { echo "no $jar: build it with mvn -pl bench -am package -DskipTests" >&2; exit 2; }
    perf record -q -F "$frequency" -o "$work/perf.data" java -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
        -Dbench.home="$bench" -jar "$jar" --workers 2 --payload 16 "${args[@]}" --tasks "$tasks" \
        > "$work/run.txt" 2>&1
fi
perf script -i "$work/perf.data" -F pid,tid,comm,ip,sym,dso 2>/dev/null > "$work/samples.txt"

python3 - "$work/samples.txt" "$work/run.txt" "$frequency" "$c" "$tasks" <<'PYTHON'
import collections, re, sys

samples, run, frequency, c_baseline, tasks = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "true", int(sys.argv[5])
text = open(run).read()
if c_baseline:
    measured = handled = tasks
    rate = re.findall(r"msgs_per_s=(\d+)", text)[-1]
else:
    found = re.search(r"(\d+) tasks dispatched, (\d+) handled \(warm-up of (\d+)", text)
    handled = int(found.group(2))
    measured = handled - int(found.group(3))
    rate = re.findall(r"tasks_per_s=(\d+)", text)[-1]

QUEUE = re.compile(r"msg|ipc|copy_|slab|memcg|kmalloc|kfree|check_object|check_heap|page_counter|obj_cgroup|obj_stock"
                   r"|security_|bpf_lsm|list_del|list_add|idr_|radix|virt_addr|put_user|get_user|percpu_counter"
                   r"|ss_wakeup|spin_lock|spin_unlock|raw_spin|pv_queued")
ENTRY = re.compile(r"syscall|entry_SYSCALL|exit_to_user|x64_sys|fpregs|fpu|clear_bhb|srso|retbleed|untrain")
SCHEDULER = re.compile(r"sched|schedule|switch|wake|futex|enqueue|dequeue|pick_|update_curr|update_load|yield|idle"
                       r"|hrtimer|tick|select_task|ttwu|finish_task|balance|rcu|halt|irq|smp_call|kvm|nohz|timer|pelt")
LINE = re.compile(r"^\s*(.+?)\s+(\d+)/(\d+)\s+([0-9a-f]+)\s+(.*)\s+\(([^()]*)\)\s*$")

def kind(symbol, dso):
    if "kernel" in dso:
        if QUEUE.search(symbol):
            return "kernel: msgsnd/msgrcv work (queue lock, copies, message allocation)"
        if ENTRY.search(symbol):
            return "kernel: system call entry and exit"
        if SCHEDULER.search(symbol):
            return "kernel: scheduler, wake-ups, sched_yield"
        return "kernel: other"
    if "vdso" in dso:
        return "clock reads (vDSO clock_gettime)"
    if "libc" in dso:
        return "libc (msgsnd, msgrcv, sched_yield wrappers)"
    if "jffi" in dso or "$jnr$" in symbol:
        return "jnr-ffi call stubs"
    if "io.github.swooletask" in symbol:
        # the JIT inlines dispatch into the bench's producer loop and the bench's handler into the worker
        return "Java code of swoole-task and the bench (JIT-compiled)"
    if "libjvm" in dso or "Interpreter" in symbol or "Stub" in symbol:
        return "JVM runtime (interpreter, stubs, safepoint polls)"
    if "java." in symbol or "jdk." in symbol:
        return "JDK Java code"
    return "other"

per_side = collections.defaultdict(collections.Counter)
others = collections.Counter()
total = 0
for line in open(samples):
    found = LINE.match(line)
    if not found:
        continue
    total += 1
    comm, pid, tid, symbol, dso = found.group(1), found.group(2), found.group(3), found.group(5), found.group(6)
    if c_baseline:
        side = "producer thread" if pid == tid else "consumer threads"
    elif comm == "swoole-producer":
        side = "producer thread"
    elif comm == "swoole-task-wor":
        side = "worker threads"
    else:
        others[comm] += 1
        continue
    per_side[side][kind(symbol, dso)] += 1

print(f"# tasks_per_s={rate}; {measured} timed tasks, {handled} handled; {total} samples at {frequency} Hz")
for side in sorted(per_side):
    counts = per_side[side]
    n = measured if side == "producer thread" else handled
    side_total = sum(counts.values())
    print(f"\n{side}: {1e9 * side_total / frequency / n:.0f} CPU ns per task")
    for name, count in counts.most_common():
        ns = 1e9 * count / frequency / n
        if ns >= 5:
            print(f"  {name:68s} {100 * count / side_total:5.1f}% {ns:6.0f} ns")
if others:
    print("\nother threads (left out): " + ", ".join(f"{name} {100 * count / total:.0f}%"
                                                 for name, count in others.most_common(5)))
PYTHON
