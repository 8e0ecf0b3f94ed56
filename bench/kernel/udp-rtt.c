/*
 * udp-rtt DST_IP DPORT COUNT FIRST_SPORT TIMEOUT_MS [ECHO_PID...]
 * COUNT round trips, each a new connection: a UDP socket bound to its own source port (FIRST_SPORT,
 * FIRST_SPORT+1, ...) sends one datagram to DST_IP:DPORT and waits up to TIMEOUT_MS for the answer (udp-echo in
 * the endpoint pod). The sockets are opened and bound before the clock starts and closed after it stops, so
 * the measured part is the datagram's way there and the answer's way back: the syscalls, every namespace's
 * netfilter and conntrack, routing, the bridges, VXLAN both ways, and the two wake-ups.
 * Prints one line: "WALL_NS TASK_NS BUSY_TICKS TICKS_PER_S REPLIES". TASK_NS is the CPU time this process and
 * the ECHO_PIDs ran during the measured part (/proc/PID/schedstat, nanoseconds): a veth hands a frame to the
 * peer's backlog, which the sending CPU processes before the syscall returns, so the whole way of each datagram,
 * through every namespace, runs in the sender's time (this process's going there, the echo's coming back),
 * whatever else the machine runs. BUSY_TICKS is what all cores spent outside idle and iowait
 * (/proc/stat: user, nice, system, irq, softirq): the same plus anything else running, so only an idle
 * machine makes it comparable. Twenty unanswered datagrams in a row end the run early (REPLIES then tells).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long busy_ticks(void) {
  FILE *f = fopen("/proc/stat", "r");
  if (!f) { perror("/proc/stat"); exit(1); }
  long long user, nice, sys, idle, iowait, irq, softirq;
  if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld", &user, &nice, &sys, &idle, &iowait, &irq, &softirq) != 7) {
    fprintf(stderr, "/proc/stat: unexpected format\n");
    exit(1);
  }
  fclose(f);
  return user + nice + sys + irq + softirq;
}

/* CPU nanoseconds task PID has run (the scheduler's sum_exec_runtime); "self" for this process. */
static long long task_ns(const char *pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/schedstat", pid);
  FILE *f = fopen(path, "r");
  if (!f) { perror(path); exit(1); }
  long long ns;
  if (fscanf(f, "%lld", &ns) != 1) { fprintf(stderr, "%s: unexpected format\n", path); exit(1); }
  fclose(f);
  return ns;
}

static long long tasks_ns(int n, char **pids) {
  long long sum = task_ns("self");
  for (int i = 0; i < n; i++) sum += task_ns(pids[i]);
  return sum;
}

int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: udp-rtt DST_IP DPORT COUNT FIRST_SPORT TIMEOUT_MS [ECHO_PID...]\n"); return 2; }
  int npids = argc - 6;
  char **pids = argv + 6;
  struct sockaddr_in dst;
  memset(&dst, 0, sizeof dst);
  dst.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", argv[1]); return 2; }
  int dport = atoi(argv[2]), count = atoi(argv[3]), sport = atoi(argv[4]), timeout = atoi(argv[5]);
  if (count < 1 || sport < 1 || sport + count > 65536) { fprintf(stderr, "ports %d..%d out of range\n", sport, sport + count - 1); return 2; }
  dst.sin_port = htons((unsigned short)dport);
  struct rlimit rl = { .rlim_cur = (rlim_t)count + 64, .rlim_max = (rlim_t)count + 64 };
  if (setrlimit(RLIMIT_NOFILE, &rl) < 0) { perror("setrlimit"); return 1; }
  int *fds = calloc((size_t)count, sizeof *fds);
  for (int i = 0; i < count; i++) {
    fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
    if (fds[i] < 0) { perror("socket"); return 1; }
    struct sockaddr_in me;
    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    me.sin_port = htons((unsigned short)(sport + i));
    if (bind(fds[i], (struct sockaddr *)&me, sizeof me) < 0) { perror("bind"); return 1; }
  }
  unsigned char out[32], in[2048];
  memset(out, 'x', sizeof out);
  int replies = 0, missed = 0;
  struct timespec a, b;
  long long busy0 = busy_ticks(), task0 = tasks_ns(npids, pids);
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < count; i++) {
    if (sendto(fds[i], out, sizeof out, 0, (struct sockaddr *)&dst, sizeof dst) < 0) { perror("sendto"); return 1; }
    struct pollfd p = { .fd = fds[i], .events = POLLIN };
    if (poll(&p, 1, timeout) == 1 && recv(fds[i], in, sizeof in, 0) > 0) { replies++; missed = 0; }
    else if (++missed == 20) break; /* the path is broken: stop instead of waiting COUNT timeouts */
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long busy1 = busy_ticks(), task1 = tasks_ns(npids, pids);
  for (int i = 0; i < count; i++) close(fds[i]);
  printf("%lld %lld %lld %ld %d\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec), task1 - task0,
         busy1 - busy0, sysconf(_SC_CLK_TCK), replies);
  return 0;
}
