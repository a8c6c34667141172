/* A minimal host side of the serial protocol for the firmware's own smoke tests (the real
 * host side is runner-agent/, in TypeScript): opens a tty raw, sends HELLO until the device
 * answers (boot), prints its facts, optionally checks the build hash, and measures the link
 * with PINGs that carry a full frame each way; with a model: uploads it (a window of chunks),
 * runs INVOKE and prints the per-layer ticks, and streams an evaluation of random samples.
 *   tg_proto_client --tty PATH [--expect-hash HEX] [--throughput N] [--model FILE]
 *                   [--repeats R] [--eval N] */
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
static void le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- pipelined use: frames sent without waiting, responses collected as they come ---- */
static uint16_t next_seq = 1000;
static uint8_t frame_pl[TG_FRAME_MAX];
static size_t frame_len;
static uint8_t frame_type;

/* Flow control as docs/protocol.md 4.9 asks: at most 8 (window) requests and HELLO's
 * rx_buffer bytes of encoded frames unanswered. The board receives into a ring of that
 * size while it computes: what goes beyond is lost there. Answers come in order. */
static uint32_t dev_rx_buffer = 4096u;
static size_t inflight_size[8];
static unsigned inflight_first, inflight_count;
static size_t inflight_bytes;
static size_t last_wire_bytes;

static int send_frame(uint8_t type, uint16_t seq, const uint8_t *pl, size_t n) {
  static uint8_t wire[TG_FRAME_ENC_MAX];
  size_t m = tg_frame_build(type, seq, pl, n, wire, sizeof wire);
  last_wire_bytes = m;
  return m == 0 ? -1 : write_all(wire, m);
}

/* Room for one more request of payload n (its encoded size is at most TG_FRAME_ENC_MAX). */
static int window_room(size_t n) {
  size_t wire = n + TG_FRAME_OVERHEAD + n / 254u + 3u;
  return inflight_count < 8u && (inflight_count == 0 || inflight_bytes + wire <= dev_rx_buffer);
}
static void window_sent(void) {
  inflight_size[(inflight_first + inflight_count) % 8u] = last_wire_bytes;
  ++inflight_count;
  inflight_bytes += last_wire_bytes;
}
static void window_answered(void) {
  inflight_bytes -= inflight_size[inflight_first];
  inflight_first = (inflight_first + 1u) % 8u;
  --inflight_count;
}

/* The next frame other than LOG, into frame_pl; -1 after timeout_s without one. */
static uint8_t pending[8192];
static size_t pending_len, pending_pos;
static int recv_frame(double timeout_s) {
  double end = now_s() + timeout_s;
  for (;;) {
    while (pending_pos < pending_len) {
      tg_frame f;
      if (!tg_frame_rx_push(&rx, pending[pending_pos++], &f) || f.type == 0xFF) continue;
      memcpy(frame_pl, f.payload, f.len);
      frame_len = f.len;
      frame_type = f.type;
      return 0;
    }
    double left = end - now_s();
    if (left <= 0) return -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, (int)(left * 1000.0) + 1) <= 0) continue;
    ssize_t r = read(fd, pending, sizeof pending);
    pending_len = r > 0 ? (size_t)r : 0;
    pending_pos = 0;
  }
}

static uint8_t body[16384];
/* A segmented response of type | 0x80 into body; returns its length, or -1. */
static long recv_body(uint8_t type, double timeout_s) {
  size_t len = 0;
  for (;;) {
    if (recv_frame(timeout_s) != 0) return -1;
    if (frame_type != (type | 0x80u)) continue;
    if (rd16(frame_pl) != 0) {
      fprintf(stderr, "tg_proto_client: request %#x failed: status %#x: %.*s\n", type, rd16(frame_pl),
              (int)(frame_len > 4 ? frame_len - 4 : 0), (const char *)frame_pl + 4);
      return -1;
    }
    size_t n = frame_len - 10;
    if (len + n > sizeof body) return -1;
    memcpy(body + len, frame_pl + 10, n);
    len += n;
    if (rd16(frame_pl + 2) + 1u == rd16(frame_pl + 4)) return (long)len;
  }
}

static int run_model(const char *path, unsigned repeats, unsigned eval_count) {
  static uint8_t model[1u << 24];
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "tg_proto_client: cannot open %s\n", path);
    return 66;
  }
  size_t size = fread(model, 1, sizeof model, f);
  fclose(f);
  uint8_t pl[TG_PAYLOAD_MAX];
  le32(pl, (uint32_t)size);
  le32(pl + 4, tg_crc32(model, size));
  if (transact(0x02, next_seq++, pl, 8, 2.0, 6.0) != 0 || rd16(reply) != 0) {
    fprintf(stderr, "tg_proto_client: UPLOAD_BEGIN failed: %.*s\n", (int)(reply_len > 4 ? reply_len - 4 : 0),
            (const char *)reply + 4);
    return 1;
  }
  /* Chunks in flight within HELLO's window and rx_buffer. */
  double t0 = now_s();
  const size_t chunk = TG_PAYLOAD_MAX - 4;
  for (size_t off = 0; off < size || inflight_count > 0;) {
    size_t n = size - off < chunk ? size - off : chunk;
    if (off < size && window_room(4 + n)) {
      le32(pl, (uint32_t)off);
      memcpy(pl + 4, model + off, n);
      if (send_frame(0x03, next_seq++, pl, 4 + n) != 0) return 1;
      window_sent();
      off += n;
      continue;
    }
    if (recv_frame(5.0) != 0 || frame_type != 0x83 || rd16(frame_pl) != 0) {
      fprintf(stderr, "tg_proto_client: UPLOAD_CHUNK not acknowledged\n");
      return 1;
    }
    window_answered();
  }
  double up_s = now_s() - t0;
  if (send_frame(0x04, next_seq++, NULL, 0) != 0) return 1;
  long n = recv_body(0x04, 30.0);
  if (n < 16) return 1;
  unsigned layers = rd16(body + 12);
  printf("upload: %zu bytes in %.3f s (%.0f bytes/s); arena used %u bytes; %u layers:", size, up_s,
         (double)size / up_s, rd32(body + 4), layers);
  size_t off = 16 + layers;
  for (unsigned i = 0; i < layers && off + 2 <= (size_t)n; ++i) {
    unsigned len = rd16(body + off);
    printf(" %.*s(%u)", (int)len, (const char *)body + off + 2, body[16 + i]);
    off += 2 + len;
  }
  printf("\n");

  if (repeats > 0) {
    pl[0] = 1;
    pl[1] = 0;
    pl[2] = (uint8_t)repeats;
    pl[3] = (uint8_t)(repeats >> 8);
    t0 = now_s();
    if (send_frame(0x06, next_seq++, pl, 4) != 0) return 1;
    n = recv_body(0x06, 600.0);
    if (n < 12) return 1;
    double inv_s = now_s() - t0;
    unsigned r = rd16(body + 2), l = rd16(body + 4);
    int identical = 1;
    for (unsigned k = 1; k < r; ++k)
      if (memcmp(body + 12, body + 12 + 4u * k * (l + 1u), 4u * (l + 1u)) != 0) identical = 0;
    printf("invoke: 1 warm-up + %u repeats in %.3f s wall; ticks of repeat 0 (tick_hz %u):", r, inv_s,
           rd32(body + 8));
    for (unsigned i = 0; i <= l; ++i) printf(" %u", rd32(body + 12 + 4 * i));
    uint32_t spread = 0;
    for (unsigned i = 0; i <= l; ++i) {
      uint32_t lo = UINT32_MAX, hi = 0;
      for (unsigned k = 0; k < r; ++k) {
        uint32_t v = rd32(body + 12 + 4u * (k * (l + 1u) + i));
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
      spread = hi - lo > spread ? hi - lo : spread;
    }
    printf(" (last: total); repeats identical: %s (largest spread of one layer: %u ticks)\n",
           identical ? "yes" : "no", spread);
  }

  if (eval_count > 0) {
    le32(pl, eval_count);
    if (transact(0x08, next_seq++, pl, 4, 2.0, 6.0) != 0 || rd16(reply) != 0) return 1;
    uint32_t in_bytes = rd32(reply + 2);
    const uint32_t max_chunk = TG_PAYLOAD_MAX - 9;
    unsigned results = 0;
    uint32_t sample = 0, soff = 0;
    t0 = now_s();
    /* Keep requests unanswered within the window and rx_buffer: the next sample is on the
     * wire while one computes. */
    while (results < eval_count) {
      uint32_t len = in_bytes - soff < max_chunk ? in_bytes - soff : max_chunk;
      if (sample < eval_count && window_room(9 + len)) {
        le32(pl, sample);
        le32(pl + 4, soff);
        pl[8] = soff + len == in_bytes;
        for (uint32_t i = 0; i < len; ++i) pl[9 + i] = (uint8_t)((soff + i) * 13u + sample * 101u);
        if (send_frame(0x09, next_seq++, pl, 9 + len) != 0) return 1;
        window_sent();
        soff += len;
        if (soff == in_bytes) {
          soff = 0;
          ++sample;
        }
        continue;
      }
      if (recv_frame(120.0) != 0) {
        fprintf(stderr, "tg_proto_client: evaluation stalled after %u results\n", results);
        return 1;
      }
      if (frame_type == 0x89) {
        if (rd16(frame_pl) != 0) {
          fprintf(stderr, "tg_proto_client: EVAL_SAMPLE failed: %.*s\n", (int)(frame_len - 4), (const char *)frame_pl + 4);
          return 1;
        }
        window_answered();
      } else if (frame_type == 0xC1) {
        if (rd16(frame_pl + 4) != 0) return 1;
        ++results;
      }
    }
    double ev_s = now_s() - t0;
    printf("eval: %u samples of %u bytes in %.3f s: %.2f samples/s\n", eval_count, in_bytes, ev_s,
           (double)eval_count / ev_s);
  }
  return 0;
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
  long pings = 0, repeats = 0, eval_count = 0;
  const char *model = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--tty") == 0) tty = argv[i + 1];
    else if (strcmp(argv[i], "--expect-hash") == 0) expect = argv[i + 1];
    else if (strcmp(argv[i], "--throughput") == 0) pings = strtol(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--model") == 0) model = argv[i + 1];
    else if (strcmp(argv[i], "--repeats") == 0) repeats = strtol(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--eval") == 0) eval_count = strtol(argv[i + 1], NULL, 10);
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
  dev_rx_buffer = rd32(reply + 8);
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
  int rc = model != NULL ? run_model(model, (unsigned)repeats, (unsigned)eval_count) : 0;
  close(fd);
  return rc;
}
