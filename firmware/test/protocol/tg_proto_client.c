/* A minimal host side of the serial protocol for the firmware's own smoke tests (the real
 * host side is runner-agent/, in TypeScript): opens a tty raw, sends HELLO until the device
 * answers (boot), prints its facts, optionally checks the build hash, and measures the link
 * with PINGs that carry a full frame each way.
 *   tg_proto_client --tty PATH [--expect-hash HEX] [--throughput N] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tg_crc32.h"
#include "tg_frame.h"

static int fd = -1;
static tg_frame_rx rx;
static uint8_t reply[TG_FRAME_MAX];
static size_t reply_len;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int write_all(const uint8_t *b, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return -1;
    }
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Sends the request and waits for its response, retransmitting (same seq) every retry_s,
 * until deadline_s. LOG frames are printed. Returns 0 with the payload in reply. */
static int transact(uint8_t type, uint16_t seq, const uint8_t *pl, size_t n, double retry_s, double deadline_s) {
  static uint8_t wire[TG_FRAME_ENC_MAX];
  size_t m = tg_frame_build(type, seq, pl, n, wire, sizeof wire);
  if (m == 0) return -1;
  double end = now_s() + deadline_s;
  while (now_s() < end) {
    if (write_all(wire, m) != 0) return -1;
    double retry_at = now_s() + retry_s;
    while (now_s() < retry_at) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int ms = (int)((retry_at - now_s()) * 1000.0) + 1;
      if (poll(&p, 1, ms) <= 0) continue;
      uint8_t buf[4096];
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) continue;
      for (ssize_t i = 0; i < r; ++i) {
        tg_frame f;
        if (!tg_frame_rx_push(&rx, buf[i], &f)) continue;
        if (f.type == 0xFF) {
          fprintf(stderr, "device log: %.*s\n", (int)(f.len > 0 ? f.len - 1 : 0), (const char *)f.payload + 1);
        } else if (f.type == (type | 0x80u) && f.seq == seq) {
          memcpy(reply, f.payload, f.len);
          reply_len = f.len;
          return 0;
        }
      }
    }
  }
  return -1;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Prints "name=value" for one str field; advances *off; -1 when it runs past the reply. */
static int print_str(const char *name, size_t *off) {
  if (*off + 2 > reply_len) return -1;
  size_t n = rd16(reply + *off);
  if (*off + 2 + n > reply_len) return -1;
  printf(" %s='%.*s'", name, (int)n, (const char *)reply + *off + 2);
  *off += 2 + n;
  return 0;
}

int main(int argc, char **argv) {
  const char *tty = NULL, *expect = NULL;
  long pings = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--tty") == 0) tty = argv[i + 1];
    else if (strcmp(argv[i], "--expect-hash") == 0) expect = argv[i + 1];
    else if (strcmp(argv[i], "--throughput") == 0) pings = strtol(argv[i + 1], NULL, 10);
    else {
      fprintf(stderr, "tg_proto_client: unknown option %s\n", argv[i]);
      return 64;
    }
  }
  if (tty == NULL) {
    fprintf(stderr, "usage: tg_proto_client --tty PATH [--expect-hash HEX] [--throughput N]\n");
    return 64;
  }
  fd = open(tty, O_RDWR | O_NOCTTY);
  struct termios tio;
  if (fd < 0 || tcgetattr(fd, &tio) != 0) {
    fprintf(stderr, "tg_proto_client: cannot open %s: %s\n", tty, strerror(errno));
    return 66;
  }
  cfmakeraw(&tio);
  tcsetattr(fd, TCSANOW, &tio);
  tg_frame_rx_init(&rx);
  const uint8_t flush = 0;
  if (write_all(&flush, 1) != 0) return 74;

  double t0 = now_s();
  if (transact(0x01, 1, NULL, 0, 0.5, 10.0) != 0) {
    fprintf(stderr, "tg_proto_client: no HELLO answer from %s within 10 s\n", tty);
    return 1;
  }
  if (reply_len < 65 + 8 * 2 || rd16(reply) != 0) {
    fprintf(stderr, "tg_proto_client: HELLO answer malformed or failed (%zu bytes, status %u)\n", reply_len,
            (unsigned)(reply_len >= 2 ? rd16(reply) : 0));
    return 1;
  }
  printf("HELLO after %.3f s: protocol=%u max_frame=%u window=%u rx_buffer=%u clock_hz=%u tick_hz=%u "
         "tick_source=%u emulated=%u fpu=%u dsp=%u mve=%u model_ram=%u arena=%u hash=",
         now_s() - t0, rd16(reply + 2), rd16(reply + 4), rd16(reply + 6), rd32(reply + 8), rd32(reply + 12),
         rd32(reply + 16), reply[20], reply[21], reply[22], reply[23], reply[24], rd32(reply + 25), rd32(reply + 29));
  char hash[65];
  for (int i = 0; i < 32; ++i) snprintf(hash + 2 * i, 3, "%02x", reply[33 + i]);
  printf("%s", hash);
  size_t off = 65;
  const char *names[] = {"board", "core", "float_abi", "kernel_set", "fast_paths", "firmware", "compiler", "tick"};
  for (int i = 0; i < 8; ++i) {
    if (print_str(names[i], &off) != 0) {
      fprintf(stderr, "\ntg_proto_client: HELLO field %s runs past the answer\n", names[i]);
      return 1;
    }
  }
  printf("\n");
  if (rd16(reply + 2) != 1 || rd16(reply + 4) != TG_FRAME_MAX) {
    fprintf(stderr, "tg_proto_client: unexpected protocol version or frame size\n");
    return 1;
  }
  if (expect != NULL && strcmp(expect, hash) != 0) {
    fprintf(stderr, "tg_proto_client: build hash %s, expected %s\n", hash, expect);
    return 1;
  }

  if (pings > 0) {
    static uint8_t pl[TG_PAYLOAD_MAX - 10];
    const size_t n = sizeof pl; /* the echo fills the response: status and counters take 10 bytes */
    double start = now_s();
    for (long k = 0; k < pings; ++k) {
      for (size_t i = 0; i < n; ++i) pl[i] = (uint8_t)(i * 7u + (size_t)k);
      if (transact(0x0B, (uint16_t)(2 + k), pl, n, 2.0, 10.0) != 0 || reply_len != n + 10 || rd16(reply) != 0 ||
          memcmp(reply + 10, pl, n) != 0) {
        fprintf(stderr, "tg_proto_client: PING %ld failed or echoed wrong bytes\n", k);
        return 1;
      }
    }
    double s = now_s() - start;
    double bytes = (double)pings * (double)n;
    printf("PING x %ld, %zu payload bytes each way: %.3f s, %.0f payload bytes/s per direction "
           "(%.0f bytes/s both ways); dropped frames on the device: %u\n",
           pings, n, s, bytes / s, 2.0 * bytes / s, rd32(reply + 6));
  }
  close(fd);
  return 0;
}
