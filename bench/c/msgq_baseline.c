/*
 * msgq_baseline.c - C baseline for System V message queue throughput (Linux).
 *
 * Measures how many task messages per second go through one SysV message
 * queue (msgsnd/msgrcv), as a reference for the Java implementation.
 * Each message is `long mtype` + 12-byte header + N payload bytes; the header
 * is (host byte order):
 *   int32 task_id | uint16 len (=N) | int16 from_id (0) | uint8 type (7)
 *   | uint8 0 | uint16 flags (4)
 * A stop frame is a header-only message with type byte 0xF0.
 *
 * Modes of operation:
 *   default         private queue (IPC_PRIVATE, 0600), 1 producer (main
 *                   thread) + C consumer threads.  Timed from the first send
 *                   until the last task has been received (CLOCK_MONOTONIC).
 *                   --mode 3 (default): producer sends mtype 2, consumers
 *                   msgrcv(msgtyp 0).  --mode 2: consumer i reads mtype i+2,
 *                   producer sends round robin to mtype 2..C+1.
 *                   The queue is removed at exit, on errors and on SIGINT/TERM.
 *   --consumer-only KEY   open an existing queue (msgget(KEY, 0); waits up to
 *                   60 s for it to appear), C consumers drain T tasks with
 *                   msgtyp 0; timed from first to last received message.
 *                   Each consumer claims a slot (shared atomic counter) before
 *                   each blocking msgrcv, so exactly T messages are taken and
 *                   no consumer is left blocked once T have arrived.
 *                   The queue is not removed.
 *   --producer-only KEY   open/create the keyed queue (0600), send T tasks with
 *                   mtype 2, exit.  Timed from first to last send.  The queue
 *                   is not removed.
 *   --latency W     one task at a time on a private queue: W untimed tasks,
 *                   then T timed ones; the producer (main thread) sends the
 *                   next task only once a consumer has received the previous
 *                   one (it spins on a shared counter, as the Java bench
 *                   does). Each task's latency is from just before its
 *                   msgsnd to just after the msgrcv that took it.  Last line:
 *                   `p50_us=<n> p99_us=<n> p999_us=<n> max_us=<n>` (nearest
 *                   rank, microseconds with one decimal).
 *
 * Output: human-readable lines, `errors=<n>`, and as the very last line
 * `msgs_per_s=<integer>` (tasks only, stop frames are not counted).
 *
 * Build:  gcc -std=c11 -O2 -pthread -o msgq_baseline bench/c/msgq_baseline.c
 * Run:    ./msgq_baseline --payload 16 --consumers 2 --tasks 1000000 [--mode 2|3]
 *         ./msgq_baseline --payload 16 --consumers 2 --tasks 1000000 \
 *                         --consumer-only 0x5157a001 &
 *         ./msgq_baseline --payload 16 --tasks 1000000 --producer-only 0x5157a001
 *         ipcrm -Q 0x5157a001
 * Note: the kernel limits a queue to msgmnb bytes (default 16384), so the
 * producer is throttled by backpressure; the payload is limited by msgmax
 * (default 8192) minus the 12-byte header.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <time.h>
#include <unistd.h>

#define HDR_SIZE 12
#define RCV_TEXT_MAX 8192 /* receive buffer: 8 (mtype) + 8192 bytes */
#define TYPE_TASK 7
#define TYPE_STOP 0xF0
#define FLAGS_TASK 4
#define MTYPE_BASE 2

struct hdr {
    int32_t task_id;
    uint16_t len;
    int16_t from_id;
    uint8_t type;
    uint8_t zero;
    uint16_t flags;
};
_Static_assert(sizeof(struct hdr) == HDR_SIZE, "header must be 12 bytes");

struct qmsg {
    long mtype;
    unsigned char text[RCV_TEXT_MAX];
};

enum run_kind { RUN_PAIR, RUN_CONSUMER_ONLY, RUN_PRODUCER_ONLY, RUN_LATENCY };

/* configuration */
static int g_payload = -1;
static int g_consumers = -1;
static long long g_tasks = -1;
static int g_mode = 3;
static enum run_kind g_kind = RUN_PAIR;
static key_t g_key;
static int g_qid = -1;

/* private queue id to remove at exit / on signals (-1: none) */
static atomic_int g_private_qid = -1;
static atomic_flag g_dying = ATOMIC_FLAG_INIT;

/* measurement state */
static atomic_llong g_received;       /* tasks received (all consumers) */
static atomic_llong g_claimed;        /* consumer-only: receive slots claimed */
static atomic_llong g_errors;
static struct timespec g_t_first;     /* consumer-only: first received */
static struct timespec g_t_last;      /* time the T-th task was received */

/* latency mode */
static long long g_warmup;            /* untimed tasks before the T timed ones */
static long long *g_latency_ns;       /* per timed task, send to receive */
static atomic_llong g_sent_ns;        /* when the task in flight was sent */
static atomic_llong g_done;           /* id + 1 of the last task received */

struct consumer {
    pthread_t thread;
    int index;
    long long msgs;
    long long errors;
};

static void create_private_queue(void);

static void remove_private_queue(void)
{
    int qid = atomic_exchange(&g_private_qid, -1);
    if (qid >= 0)
        msgctl(qid, IPC_RMID, NULL);
}

static void on_signal(int sig)
{
    /* msgctl and _exit are async-signal-safe; the atomics are lock-free.
     * Claim g_dying first so threads woken by the removal (EIDRM) park in
     * die_errno() instead of racing us with exit(1). */
    atomic_flag_test_and_set(&g_dying);
    int qid = atomic_exchange(&g_private_qid, -1);
    if (qid >= 0)
        msgctl(qid, IPC_RMID, NULL);
    _exit(128 + sig);
}

static _Noreturn void die_errno(const char *what, int err)
{
    if (atomic_flag_test_and_set(&g_dying)) {
        /* another thread is already exiting the process */
        for (;;)
            pause();
    }
    fprintf(stderr, "msgq_baseline: %s: %s\n", what, strerror(err));
    exit(1); /* atexit handler removes a private queue */
}

static _Noreturn void usage(const char *msg)
{
    if (msg)
        fprintf(stderr, "msgq_baseline: %s\n", msg);
    fprintf(stderr,
            "usage: msgq_baseline --payload N --consumers C --tasks T [--mode 2|3]\n"
            "                     [--producer-only KEY | --consumer-only KEY | --latency WARMUP]\n"
            "  KEY is decimal or 0x-prefixed hex; --consumers is not needed with --producer-only\n");
    exit(2);
}

static long long parse_ll(const char *s, const char *opt, int base)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, base);
    if (errno || end == s || *end != '\0') {
        fprintf(stderr, "msgq_baseline: bad value for %s: '%s'\n", opt, s);
        usage(NULL);
    }
    return v;
}

static key_t parse_key(const char *s)
{
    char *end;
    int base = 10;
    const char *p = s;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    errno = 0;
    unsigned long long v = strtoull(p, &end, base);
    if (errno || end == p || *end != '\0' || v > UINT32_MAX || *p == '-') {
        fprintf(stderr, "msgq_baseline: bad key '%s'\n", s);
        usage(NULL);
    }
    return (key_t)(int32_t)(uint32_t)v;
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) * 1e-9;
}

static void build_frame(struct qmsg *m, int32_t task_id, uint16_t len, uint8_t type)
{
    struct hdr h = { .task_id = task_id, .len = len, .from_id = 0,
                     .type = type, .zero = 0, .flags = FLAGS_TASK };
    memcpy(m->text, &h, HDR_SIZE);
}

static void send_msg(int qid, const struct qmsg *m, size_t textlen)
{
    while (msgsnd(qid, m, textlen, 0) != 0) {
        if (errno != EINTR)
            die_errno("msgsnd", errno);
    }
}

static ssize_t recv_msg(int qid, struct qmsg *m, long msgtyp)
{
    for (;;) {
        ssize_t n = msgrcv(qid, m, RCV_TEXT_MAX, msgtyp, 0);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            die_errno("msgrcv", errno);
    }
}

/* One stop frame per consumer, to each consumer's own mtype in mode 2. */
static void send_stops(struct qmsg *m)
{
    for (int i = 0; i < g_consumers; i++) {
        m->mtype = (g_mode == 2) ? (long)(MTYPE_BASE + i) : MTYPE_BASE;
        build_frame(m, -1, 0, TYPE_STOP);
        send_msg(g_qid, m, HDR_SIZE);
    }
}

/* Returns 1 for a valid task, 0 for a malformed one; *is_stop set for stop frames. */
static int check_frame(const struct qmsg *m, ssize_t n, int *is_stop)
{
    struct hdr h;
    *is_stop = 0;
    if (n < HDR_SIZE)
        return 0;
    memcpy(&h, m->text, HDR_SIZE);
    if (h.type == TYPE_STOP) {
        *is_stop = 1;
        return 1;
    }
    return h.type == TYPE_TASK && h.len == (uint16_t)g_payload &&
           n == (ssize_t)HDR_SIZE + g_payload;
}

/* ---- default mode: consumer thread ---- */
static void *pair_consumer(void *arg)
{
    struct consumer *c = arg;
    struct qmsg *m = malloc(sizeof *m);
    if (!m)
        die_errno("malloc", ENOMEM);
    long msgtyp = (g_mode == 2) ? (long)(MTYPE_BASE + c->index) : 0;
    for (;;) {
        ssize_t n = recv_msg(g_qid, m, msgtyp);
        int is_stop;
        int ok = check_frame(m, n, &is_stop);
        if (is_stop)
            break;
        if (!ok)
            c->errors++;
        c->msgs++;
        long long total = atomic_fetch_add_explicit(&g_received, 1, memory_order_relaxed) + 1;
        if (total == g_tasks)
            clock_gettime(CLOCK_MONOTONIC, &g_t_last);
    }
    atomic_fetch_add(&g_errors, c->errors);
    free(m);
    return NULL;
}

/* ---- consumer-only mode: consumer thread ----
 * Each receive is preceded by claiming a slot from a shared counter; a
 * consumer only ever blocks in msgrcv while holding a claim for one of the
 * T expected messages, so once T messages have arrived nobody is left
 * blocked, and no consumer takes a message beyond the T-th off the queue. */
static void *drain_consumer(void *arg)
{
    struct consumer *c = arg;
    struct qmsg *m = malloc(sizeof *m);
    if (!m)
        die_errno("malloc", ENOMEM);
    while (atomic_fetch_add_explicit(&g_claimed, 1, memory_order_relaxed) < g_tasks) {
        ssize_t n = recv_msg(g_qid, m, 0);
        int is_stop;
        if (!check_frame(m, n, &is_stop) || is_stop)
            c->errors++;
        c->msgs++;
        long long total = atomic_fetch_add_explicit(&g_received, 1, memory_order_relaxed) + 1;
        if (total == 1)
            clock_gettime(CLOCK_MONOTONIC, &g_t_first);
        if (total == g_tasks)
            clock_gettime(CLOCK_MONOTONIC, &g_t_last);
    }
    atomic_fetch_add(&g_errors, c->errors);
    free(m);
    return NULL;
}

static struct consumer *start_consumers(void *(*fn)(void *))
{
    struct consumer *cs = calloc((size_t)g_consumers, sizeof *cs);
    if (!cs)
        die_errno("calloc", ENOMEM);
    for (int i = 0; i < g_consumers; i++) {
        cs[i].index = i;
        int rc = pthread_create(&cs[i].thread, NULL, fn, &cs[i]);
        if (rc != 0)
            die_errno("pthread_create", rc);
    }
    return cs;
}

static void join_consumers(struct consumer *cs)
{
    for (int i = 0; i < g_consumers; i++) {
        int rc = pthread_join(cs[i].thread, NULL);
        if (rc != 0)
            die_errno("pthread_join", rc);
    }
}

static void print_result(double secs, long long msgs, long long errors)
{
    long long rate = (secs > 0.0) ? (long long)((double)msgs / secs + 0.5) : 0;
    printf("elapsed_s=%.6f\n", secs);
    printf("errors=%lld\n", errors);
    printf("msgs_per_s=%lld\n", rate);
    fflush(stdout);
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        die_errno("sigaction", errno);
}

static int run_pair(void)
{
    /* created with signals blocked so its id is always recorded */
    create_private_queue();

    printf("mode=%d payload=%d msg_text_bytes=%d consumers=%d tasks=%lld qid=%d\n",
           g_mode, g_payload, HDR_SIZE + g_payload, g_consumers, g_tasks, g_qid);
    fflush(stdout);

    struct consumer *cs = start_consumers(pair_consumer);

    struct qmsg *m = malloc(sizeof *m);
    if (!m)
        die_errno("malloc", ENOMEM);
    memset(m->text, 0xAB, sizeof m->text);
    size_t textlen = (size_t)HDR_SIZE + (size_t)g_payload;

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long i = 0; i < g_tasks; i++) {
        m->mtype = (g_mode == 2) ? (long)(MTYPE_BASE + i % g_consumers) : MTYPE_BASE;
        build_frame(m, (int32_t)i, (uint16_t)g_payload, TYPE_TASK);
        send_msg(g_qid, m, textlen);
    }
    send_stops(m);
    join_consumers(cs);
    free(m);

    long long received = atomic_load(&g_received);
    long long errors = atomic_load(&g_errors);
    for (int i = 0; i < g_consumers; i++)
        printf("consumer[%d] msgs=%lld errors=%lld\n", i, cs[i].msgs, cs[i].errors);
    if (received != g_tasks) {
        printf("warning: received %lld tasks, expected %lld\n", received, g_tasks);
        errors += llabs(g_tasks - received);
    }
    free(cs);
    remove_private_queue();

    double secs = (g_tasks > 0) ? ts_diff(&t0, &g_t_last) : 0.0;
    print_result(secs, received, errors);
    return errors ? 1 : 0;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/* ---- latency mode: consumer thread ---- */
static void *latency_consumer(void *arg)
{
    struct consumer *c = arg;
    struct qmsg *m = malloc(sizeof *m);
    if (!m)
        die_errno("malloc", ENOMEM);
    long msgtyp = (g_mode == 2) ? (long)(MTYPE_BASE + c->index) : 0;
    for (;;) {
        ssize_t n = recv_msg(g_qid, m, msgtyp);
        long long received_ns = now_ns();
        int is_stop;
        int ok = check_frame(m, n, &is_stop);
        if (is_stop)
            break;
        struct hdr h;
        memcpy(&h, m->text, HDR_SIZE);
        if (!ok || h.task_id < 0) {
            c->errors++;
            continue;
        }
        long long timed = (long long)h.task_id - g_warmup;
        if (timed >= 0 && timed < g_tasks)
            g_latency_ns[timed] = received_ns - atomic_load_explicit(&g_sent_ns, memory_order_acquire);
        c->msgs++;
        atomic_store_explicit(&g_done, (long long)h.task_id + 1, memory_order_release);
    }
    atomic_fetch_add(&g_errors, c->errors);
    free(m);
    return NULL;
}

static int compare_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* nearest rank: the smallest value with at least p of all values at or below it */
static double percentile_us(const long long *sorted, long long n, double p)
{
    long long rank = (long long)(p * (double)n + 0.999999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)sorted[rank - 1] / 1000.0;
}

static void create_private_queue(void)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    g_qid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int err = errno;
    if (g_qid >= 0)
        atomic_store(&g_private_qid, g_qid);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (g_qid < 0)
        die_errno("msgget(IPC_PRIVATE)", err);
}

static int run_latency(void)
{
    if (g_tasks < 1)
        usage("--latency needs --tasks of at least 1");
    if (g_warmup + g_tasks > INT32_MAX)
        usage("--latency: warm-up plus tasks must fit in a 32-bit task id");
    g_latency_ns = calloc((size_t)g_tasks, sizeof *g_latency_ns);
    if (!g_latency_ns)
        die_errno("calloc", ENOMEM);
    create_private_queue();
    printf("latency mode=%d payload=%d consumers=%d warmup=%lld tasks=%lld qid=%d\n",
           g_mode, g_payload, g_consumers, g_warmup, g_tasks, g_qid);
    fflush(stdout);

    struct consumer *cs = start_consumers(latency_consumer);
    struct qmsg *m = malloc(sizeof *m);
    if (!m)
        die_errno("malloc", ENOMEM);
    memset(m->text, 0xAB, sizeof m->text);
    size_t textlen = (size_t)HDR_SIZE + (size_t)g_payload;
    long long total = g_warmup + g_tasks;
    for (long long i = 0; i < total; i++) {
        m->mtype = (g_mode == 2) ? (long)(MTYPE_BASE + i % g_consumers) : MTYPE_BASE;
        build_frame(m, (int32_t)i, (uint16_t)g_payload, TYPE_TASK);
        atomic_store_explicit(&g_sent_ns, now_ns(), memory_order_release);
        send_msg(g_qid, m, textlen);
        long long spins = 0;
        while (atomic_load_explicit(&g_done, memory_order_acquire) != i + 1) {
            cpu_relax();
            if (++spins > 1000000000LL) {
                fprintf(stderr, "msgq_baseline: task %lld was not received\n", i);
                exit(1);
            }
        }
    }
    send_stops(m);
    join_consumers(cs);
    free(m);
    free(cs);
    remove_private_queue();

    qsort(g_latency_ns, (size_t)g_tasks, sizeof *g_latency_ns, compare_ll);
    printf("errors=%lld\n", atomic_load(&g_errors));
    printf("p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n", percentile_us(g_latency_ns, g_tasks, 0.50),
           percentile_us(g_latency_ns, g_tasks, 0.99), percentile_us(g_latency_ns, g_tasks, 0.999),
           (double)g_latency_ns[g_tasks - 1] / 1000.0);
    fflush(stdout);
    free(g_latency_ns);
    return atomic_load(&g_errors) ? 1 : 0;
}

static int run_consumer_only(void)
{
    /* wait (up to 60 s) for the producer to create the queue */
    int announced = 0;
    for (int tries = 0;; tries++) {
        g_qid = msgget(g_key, 0);
        if (g_qid >= 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != ENOENT || tries >= 60000)
            die_errno("msgget", errno);
        if (!announced) {
            printf("waiting for queue key=0x%08x to be created\n", (unsigned)g_key);
            fflush(stdout);
            announced = 1;
        }
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    printf("consumer-only key=0x%08x qid=%d payload=%d msg_text_bytes=%d consumers=%d tasks=%lld\n",
           (unsigned)g_key, g_qid, g_payload, HDR_SIZE + g_payload, g_consumers, g_tasks);
    fflush(stdout);

    struct consumer *cs = start_consumers(drain_consumer);
    join_consumers(cs);

    long long received = atomic_load(&g_received);
    long long errors = atomic_load(&g_errors);
    for (int i = 0; i < g_consumers; i++)
        printf("consumer[%d] msgs=%lld errors=%lld\n", i, cs[i].msgs, cs[i].errors);
    free(cs);

    double secs = (g_tasks > 0) ? ts_diff(&g_t_first, &g_t_last) : 0.0;
    printf("timed: first received message to last received message\n");
    print_result(secs, received, errors);
    return errors ? 1 : 0;
}

static int run_producer_only(void)
{
    for (;;) {
        g_qid = msgget(g_key, IPC_CREAT | 0600);
        if (g_qid >= 0)
            break;
        if (errno != EINTR)
            die_errno("msgget", errno);
    }
    printf("producer-only key=0x%08x qid=%d payload=%d msg_text_bytes=%d tasks=%lld\n",
           (unsigned)g_key, g_qid, g_payload, HDR_SIZE + g_payload, g_tasks);
    fflush(stdout);

    struct qmsg *m = malloc(sizeof *m);
    if (!m)
        die_errno("malloc", ENOMEM);
    memset(m->text, 0xAB, sizeof m->text);
    size_t textlen = (size_t)HDR_SIZE + (size_t)g_payload;
    m->mtype = MTYPE_BASE;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long i = 0; i < g_tasks; i++) {
        build_frame(m, (int32_t)i, (uint16_t)g_payload, TYPE_TASK);
        send_msg(g_qid, m, textlen);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(m);

    printf("timed: first send to last send completed\n");
    print_result(g_tasks > 0 ? ts_diff(&t0, &t1) : 0.0, g_tasks, 0);
    return 0;
}

static long read_msgmax(void)
{
    long v = RCV_TEXT_MAX;
    FILE *f = fopen("/proc/sys/kernel/msgmax", "r");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = RCV_TEXT_MAX;
        fclose(f);
    }
    return v;
}

int main(int argc, char **argv)
{
    int have_kind = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage("missing value for option");
        const char *v = argv[++i];
        if (strcmp(a, "--payload") == 0) {
            long long p = parse_ll(v, a, 10);
            if (p < 0 || p > INT_MAX)
                usage("--payload out of range");
            g_payload = (int)p;
        } else if (strcmp(a, "--consumers") == 0) {
            long long c = parse_ll(v, a, 10);
            if (c < 1 || c > 4096)
                usage("--consumers must be 1..4096");
            g_consumers = (int)c;
        } else if (strcmp(a, "--tasks") == 0) {
            g_tasks = parse_ll(v, a, 10);
            if (g_tasks < 0)
                usage("--tasks must be >= 0");
        } else if (strcmp(a, "--mode") == 0) {
            long long md = parse_ll(v, a, 10);
            if (md != 2 && md != 3)
                usage("--mode must be 2 or 3");
            g_mode = (int)md;
        } else if (strcmp(a, "--latency") == 0) {
            if (have_kind)
                usage("--latency, --producer-only and --consumer-only are exclusive");
            have_kind = 1;
            g_kind = RUN_LATENCY;
            g_warmup = parse_ll(v, a, 10);
            if (g_warmup < 0)
                usage("--latency WARMUP must be >= 0");
        } else if (strcmp(a, "--producer-only") == 0 || strcmp(a, "--consumer-only") == 0) {
            if (have_kind)
                usage("--producer-only and --consumer-only are exclusive");
            have_kind = 1;
            g_kind = (a[2] == 'p') ? RUN_PRODUCER_ONLY : RUN_CONSUMER_ONLY;
            g_key = parse_key(v);
            if (g_key == IPC_PRIVATE)
                usage("KEY must not be 0 (IPC_PRIVATE)");
        } else {
            usage("unknown option");
        }
    }
    if (g_payload < 0 || g_tasks < 0)
        usage("--payload and --tasks are required");
    if (g_kind == RUN_PRODUCER_ONLY && g_consumers < 0)
        g_consumers = 1;
    if (g_consumers < 0)
        usage("--consumers is required");
    if ((g_kind == RUN_PRODUCER_ONLY || g_kind == RUN_CONSUMER_ONLY) && g_mode != 3)
        usage("--producer-only/--consumer-only use mode 3 only");
    long text_max = read_msgmax();
    if (text_max > RCV_TEXT_MAX)
        text_max = RCV_TEXT_MAX;
    if (HDR_SIZE + (long)g_payload > text_max) {
        fprintf(stderr, "msgq_baseline: payload %d too large: 12 + N must be <= %ld\n",
                g_payload, text_max);
        return 2;
    }

    if (atexit(remove_private_queue) != 0) {
        fprintf(stderr, "msgq_baseline: atexit failed\n");
        return 1;
    }
    install_signal_handlers();

    switch (g_kind) {
    case RUN_PAIR:
        return run_pair();
    case RUN_CONSUMER_ONLY:
        return run_consumer_only();
    case RUN_PRODUCER_ONLY:
        return run_producer_only();
    case RUN_LATENCY:
        return run_latency();
    }
    return 1;
}
