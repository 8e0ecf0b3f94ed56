/*
 * udp-echo PORT IDLE_MS
 * Echoes every UDP datagram to its sender on 0.0.0.0:PORT: the endpoint pod's side of the round trip that
 * udp-rtt measures. Exits after IDLE_MS without a datagram (a bound on its life if its parent dies), or on
 * SIGTERM. Prints "ready" once bound, so its starter knows the socket is there.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: udp-echo PORT IDLE_MS\n"); return 2; }
  int port = atoi(argv[1]), idle = atoi(argv[2]);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); return 1; }
  struct sockaddr_in me;
  memset(&me, 0, sizeof me);
  me.sin_family = AF_INET;
  me.sin_port = htons((unsigned short)port);
  if (bind(fd, (struct sockaddr *)&me, sizeof me) < 0) { perror("bind"); return 1; }
  printf("ready\n");
  fflush(stdout);
  unsigned char buf[2048];
  struct pollfd p = { .fd = fd, .events = POLLIN };
  for (;;) {
    int r = poll(&p, 1, idle);
    if (r < 0) { perror("poll"); return 1; }
    if (r == 0) return 0;
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
    if (n < 0) { perror("recvfrom"); return 1; }
    if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len) < 0) { perror("sendto"); return 1; }
  }
}
