/*
 * udp-burst DST_IP DPORT COUNT FIRST_SPORT
 * One UDP datagram per new source port (FIRST_SPORT, FIRST_SPORT+1, ...) to DST_IP:DPORT through a raw socket
 * (the kernel adds the IP header), so each datagram is a new conntrack connection for the rules it crosses.
 * Prints the nanoseconds the COUNT sendto() calls took. A veth hands the frame to the peer's backlog, which the
 * sending CPU processes before sendto() returns (veth_xmit -> __netif_rx -> do_softirq on local_bh_enable), so
 * the time covers the node namespace's PREROUTING, FORWARD and POSTROUTING work too.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: udp-burst DST_IP DPORT COUNT FIRST_SPORT\n"); return 2; }
  struct sockaddr_in dst;
  memset(&dst, 0, sizeof dst);
  dst.sin_family = AF_INET;
  if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", argv[1]); return 2; }
  int dport = atoi(argv[2]), count = atoi(argv[3]), sport = atoi(argv[4]);
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
  if (fd < 0) { perror("socket"); return 1; }
  unsigned char buf[8 + 32];
  memset(buf, 0, sizeof buf);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < count; i++) {
    uint16_t sp = htons((uint16_t)(sport + i)), dp = htons((uint16_t)dport), len = htons(sizeof buf);
    memcpy(buf, &sp, 2); memcpy(buf + 2, &dp, 2); memcpy(buf + 4, &len, 2); /* checksum 0: none (RFC 768) */
    if (sendto(fd, buf, sizeof buf, 0, (struct sockaddr *)&dst, sizeof dst) < 0) { perror("sendto"); return 1; }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
  return 0;
}
