/* Dispatcher: frames in, responses out, the response cache that makes retransmissions
 * idempotent, and segmented responses (docs/protocol.md, sections 2 and 5). What each
 * command does lives in tg_proto_device.c. */
#include "tg_proto.h"

#include <string.h>

/* ---- reply writers: bounded, an overflow is remembered and turned into an error ---- */

void tg_put_bytes(tg_reply *r, const void *data, size_t n) {
  if (r->overflow || n > r->cap - r->len) {
    r->overflow = 1;
    return;
  }
  if (n > 0) memcpy(r->buf + r->len, data, n);
  r->len += n;
}

void tg_put_u8(tg_reply *r, uint8_t v) { tg_put_bytes(r, &v, 1); }

void tg_put_u16(tg_reply *r, uint16_t v) {
  uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  tg_put_bytes(r, b, 2);
}

void tg_put_u32(tg_reply *r, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  tg_put_bytes(r, b, 4);
}

void tg_put_f32(tg_reply *r, float v) {
  uint32_t u;
  memcpy(&u, &v, sizeof u);
  tg_put_u32(r, u);
}

void tg_put_str(tg_reply *r, const char *s) {
  size_t n = s != NULL ? strlen(s) : 0;
  if (n > 0xFFFFu) n = 0xFFFFu;
  tg_put_u16(r, (uint16_t)n);
  tg_put_bytes(r, s, n);
}

void tg_reply_error(tg_reply *r, uint16_t status, const char *message) {
  r->len = 0;
  r->overflow = 0;
  r->segmented = 0;
  r->eval_slot = -1;
  size_t n = strlen(message);
  /* An error always fits one frame: the message is cut to what is left. */
  if (n > r->cap - 4u) n = r->cap - 4u;
  tg_put_u16(r, status);
  tg_put_u16(r, (uint16_t)n);
  tg_put_bytes(r, message, n);
}

/* ---- link ---- */

int tg_proto_send(tg_proto *p, uint8_t type, uint16_t seq, const uint8_t *payload, size_t len) {
  if (p->link_failed) return -1;
  size_t n = tg_frame_build(type, seq, payload, len, p->tx, sizeof p->tx);
  if (n == 0) return -1; /* a handler wrote more than one frame holds: a bug, not the line */
  if (p->link.write(p->link.user, p->tx, n) != 0) {
    p->link_failed = 1;
    return -1;
  }
  return 0;
}

void tg_proto_log(tg_proto *p, uint8_t level, const char *text) {
  uint8_t buf[128];
  size_t n = strlen(text);
  if (n > sizeof buf - 1u) n = sizeof buf - 1u;
  buf[0] = level;
  memcpy(buf + 1, text, n);
  (void)tg_proto_send(p, TG_MSG_LOG, 0, buf, n + 1u);
}

/* Every part of the stored body, each with status 0, part, parts, body_total. */
static void send_body(tg_proto *p) {
  size_t parts = (p->body_len + TG_PROTO_PART_MAX - 1u) / TG_PROTO_PART_MAX;
  if (parts == 0) parts = 1;
  for (size_t i = 0; i < parts; ++i) {
    size_t off = i * TG_PROTO_PART_MAX;
    size_t n = p->body_len - off < TG_PROTO_PART_MAX ? p->body_len - off : TG_PROTO_PART_MAX;
    tg_reply r = {.buf = p->reply, .cap = sizeof p->reply, .eval_slot = -1};
    tg_put_u16(&r, 0);
    tg_put_u16(&r, (uint16_t)i);
    tg_put_u16(&r, (uint16_t)parts);
    tg_put_u32(&r, (uint32_t)p->body_len);
    tg_put_bytes(&r, p->body + off, n);
    if (tg_proto_send(p, (uint8_t)(p->body_type | 0x80u), p->body_seq, r.buf, r.len) != 0) return;
  }
}

static tg_cache_entry *cache_find(tg_proto *p, uint8_t type, uint16_t seq) {
  for (uint32_t i = 0; i < TG_PROTO_WINDOW; ++i) {
    tg_cache_entry *c = &p->cache[i];
    if (c->valid && c->type == type && c->seq == seq) return c;
  }
  return NULL;
}

static void resend_cached(tg_proto *p, const tg_cache_entry *c) {
  if (c->segmented) {
    if (p->body_valid && p->body_type == c->type && p->body_seq == c->seq) send_body(p);
    /* A later segmented command replaced the body: nothing to re-send, and running the
     * command again would not be idempotent; the host sees a timeout (documented). */
    return;
  }
  if (tg_proto_send(p, (uint8_t)(c->type | 0x80u), c->seq, c->payload, c->len) != 0) return;
  if (c->eval_slot >= 0) {
    int s = c->eval_slot;
    const tg_device *d = &p->dev;
    if (d->result_valid[s] && d->result_seq[s] == c->seq)
      (void)tg_proto_send(p, TG_MSG_EVAL_RESULT, c->seq, d->result[s], d->result_len[s]);
  }
}

void tg_proto_init(tg_proto *p, const tg_link *link, const tg_device_config *cfg) {
  memset(p, 0, sizeof *p);
  p->link = *link;
  p->cfg = *cfg;
  tg_frame_rx_init(&p->rx);
  tg_device_reset(p);
}

void tg_proto_handle_frame(tg_proto *p, const tg_frame *f) {
  tg_reply r = {.buf = p->reply, .cap = sizeof p->reply, .eval_slot = -1};
  /* Only requests are handled; anything else from the host (a response or a streamed
   * type) is a protocol error that still gets an answer so the host learns of it. */
  if (f->version != TG_PROTO_VERSION) {
    tg_reply_error(&r, TG_PE_BAD_VERSION, "frame version is not 1");
    (void)tg_proto_send(p, (uint8_t)(f->type | 0x80u), f->seq, r.buf, r.len);
    return;
  }
  if (f->type >= 0x80u) {
    tg_reply_error(&r, TG_PE_UNKNOWN_COMMAND, "device-to-host frame type sent to the device");
    (void)tg_proto_send(p, (uint8_t)(f->type | 0x80u), f->seq, r.buf, r.len);
    return;
  }
  /* HELLO, RESET and PING are idempotent: always executed, never answered from the cache.
   * HELLO and RESET start a session: they empty the cache, so a host that restarts and
   * reuses seqs is never answered with a previous session's responses. */
  int session = f->type == TG_CMD_HELLO || f->type == TG_CMD_RESET;
  if (session) {
    memset(p->cache, 0, sizeof p->cache);
    p->cache_next = 0;
  }
  const tg_cache_entry *hit =
      session || f->type == TG_CMD_PING ? NULL : cache_find(p, f->type, f->seq);
  if (hit != NULL) {
    resend_cached(p, hit);
    return;
  }
  tg_device_command(p, f->type, f->seq, f->payload, f->len, &r);
  if (r.overflow) tg_reply_error(&r, TG_PE_RANGE, "response does not fit one frame");

  tg_cache_entry *c = &p->cache[p->cache_next];
  p->cache_next = (p->cache_next + 1u) % TG_PROTO_WINDOW;
  c->valid = 1;
  c->type = f->type;
  c->seq = f->seq;
  c->segmented = (uint8_t)(r.segmented != 0);
  c->eval_slot = (int8_t)r.eval_slot;
  c->len = (uint16_t)(r.segmented ? 0 : r.len);
  if (!r.segmented) memcpy(c->payload, r.buf, r.len);

  if (r.segmented) {
    p->body_type = f->type;
    p->body_seq = f->seq;
    p->body_valid = 1;
    send_body(p);
  } else {
    (void)tg_proto_send(p, (uint8_t)(f->type | 0x80u), f->seq, r.buf, r.len);
  }
  if (r.eval_slot >= 0) tg_device_run_eval(p, r.eval_slot, f->seq);
}

int tg_proto_poll(tg_proto *p) {
  if (p->link_failed) return -1;
  int32_t n = p->link.read(p->link.user, p->inbuf, sizeof p->inbuf);
  if (n < 0) return -1;
  for (int32_t i = 0; i < n; ++i) {
    tg_frame f;
    if (tg_frame_rx_push(&p->rx, p->inbuf[i], &f)) tg_proto_handle_frame(p, &f);
    if (p->link_failed) return -1;
  }
  return 0;
}
