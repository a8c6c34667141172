/* The serial protocol's device side (docs/protocol.md): a command dispatcher over an
 * abstract byte link, so that the same code runs on a board's UART and on the host (the
 * "virtual board"). No heap: the caller owns one tg_proto (about 40 KiB: frame buffers, the
 * response cache, the segmented-response body, eval results) plus the model RAM and the
 * engine arena it hands over in tg_device_config. Single-threaded: everything happens
 * inside tg_proto_poll(). */
#ifndef TG_PROTO_H
#define TG_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "tg_cover.h"
#include "tg_engine.h"
#include "tg_frame.h"

#define TG_FW_VERSION "0.1.0"

/* Requests (host -> device); a response is type | 0x80. */
enum {
  TG_CMD_HELLO = 0x01,
  TG_CMD_UPLOAD_BEGIN = 0x02,
  TG_CMD_UPLOAD_CHUNK = 0x03,
  TG_CMD_UPLOAD_END = 0x04,
  TG_CMD_SET_INPUT = 0x05,
  TG_CMD_INVOKE = 0x06,
  TG_CMD_GET_OUTPUT = 0x07,
  TG_CMD_EVAL_BEGIN = 0x08,
  TG_CMD_EVAL_SAMPLE = 0x09,
  TG_CMD_RESET = 0x0A,
  TG_CMD_PING = 0x0B,
  TG_MSG_EVAL_RESULT = 0xC1,
  TG_MSG_LOG = 0xFF
};

/* Protocol statuses (engine statuses 1..12 travel unchanged). Stable: docs/protocol.md. */
typedef enum {
  TG_PE_UNKNOWN_COMMAND = 0x100,
  TG_PE_BAD_LENGTH = 0x101,
  TG_PE_BAD_VERSION = 0x102,
  TG_PE_MODEL_TOO_LARGE = 0x103,
  TG_PE_NO_UPLOAD = 0x104,
  TG_PE_CHUNK_RANGE = 0x105,
  TG_PE_UPLOAD_INCOMPLETE = 0x106,
  TG_PE_UPLOAD_CRC = 0x107,
  TG_PE_NO_MODEL = 0x108,
  TG_PE_BAD_INDEX = 0x109,
  TG_PE_RANGE = 0x10A,
  TG_PE_TOO_MANY_REPEATS = 0x10B,
  TG_PE_EVAL_STATE = 0x10C,
  TG_PE_EVAL_SLOT_BUSY = 0x10D,
  TG_PE_EVAL_TOO_LARGE = 0x10E,
  TG_PE_ENGINE_INIT = 0x10F,
  TG_PE_FRAGMENTED = 0x110
} tg_proto_error;

#define TG_PROTO_WINDOW 8u       /* requests outstanding at once = responses cached */
#define TG_PROTO_BODY_MAX 16384u /* segmented responses (UPLOAD_END, INVOKE) */
#define TG_PROTO_MAX_INPUTS 16u
#define TG_PROTO_PART_MAX (TG_PAYLOAD_MAX - 10u)

typedef struct {
  void *user;
  /* Up to cap bytes that are available now; returns the count (0: nothing yet), or -1 when
   * the link is closed for good. */
  int32_t (*read)(void *user, uint8_t *buf, size_t cap);
  /* All len bytes; 0, or -1 when the link failed. */
  int (*write)(void *user, const uint8_t *buf, size_t len);
} tg_link;

/* Tick sources as HELLO reports them. */
enum {
  TG_TICKS_DWT = 1,
  TG_TICKS_CMSDK = 2,
  TG_TICKS_SYSTICK = 3,
  TG_TICKS_HOST_CLOCK = 4,
  TG_TICKS_HOST_COUNTER = 5
};

#define TG_INVOKE_QUIET_ATTEMPTS 8u

typedef struct {
  const char *board, *core, *float_abi, *tick_name;
  uint32_t clock_hz, tick_hz;
  uint8_t tick_source, emulated, fpu, dsp, mve;
  uint32_t rx_buffer; /* bytes the host may have in flight unanswered (HELLO) */
  uint32_t (*now)(void *user);
  void (*marker)(void *user, int level); /* may be NULL */
  /* May be NULL. Called right before every measured run: restarts the tick counter, so
   * that every run starts at the same phase of the tick (under QEMU -icount a tick spans
   * 40 instructions; without this, layers differ by one tick between repeats). */
  void (*tick_restart)(void *user);
  /* May be NULL. Bytes received so far (a free-running count): INVOKE measures a run again
   * when bytes arrived during it, at most TG_INVOKE_QUIET_ATTEMPTS times in all, because
   * a receive interrupt's handler adds its instructions to the ticks. */
  uint32_t (*rx_bytes)(void *user);
  void *user;
  uint8_t *model_ram; /* 16-byte aligned: the model, then the evaluation's input slots */
  size_t model_ram_bytes;
  uint8_t *arena; /* 16-byte aligned */
  size_t arena_bytes;
} tg_device_config;

typedef struct {
  uint8_t valid, type, segmented;
  int8_t eval_slot; /* >= 0: this request completed a sample; resend that slot's result */
  uint16_t seq;
  uint16_t len;
  uint8_t payload[TG_PAYLOAD_MAX];
} tg_cache_entry;

enum { TG_SLOT_EMPTY = 0, TG_SLOT_FILLING = 1, TG_SLOT_DONE = 2 };

typedef struct {
  tg_engine *engine;
  int loaded;
  uint32_t model_bytes;
  int uploading;
  uint32_t up_total, up_crc;
  tg_cover up_cover; /* distinct bytes received, not the sum of chunk lengths */
  int eval_active;
  uint32_t eval_count, eval_in_bytes, eval_out_bytes;
  uint8_t *slot_data[2];
  uint32_t slot_sample[2];
  tg_cover slot_cover[2];
  uint8_t slot_state[2];
  uint8_t result[2][TG_PAYLOAD_MAX];
  uint16_t result_len[2], result_seq[2];
  uint8_t result_valid[2];
  /* Inputs as SET_INPUT wrote them, in the model RAM after the model: restored before
   * every run, since the planner may reuse an input's memory once it was consumed. */
  uint8_t *shadow[TG_PROTO_MAX_INPUTS];
  size_t shadow_end; /* offset in the model RAM where free space starts */
  uint32_t prof_base; /* INVOKE: index of the current repeat's first tick in the body */
  int32_t prof_layers;
} tg_device;

/* A response being built: payload writer over tg_proto.reply, or a body in tg_proto.body. */
typedef struct {
  uint8_t *buf;
  size_t cap, len;
  int overflow;
  int segmented;
  int eval_slot; /* >= 0: after sending, run this slot's sample (deferred inference) */
} tg_reply;

typedef struct {
  tg_link link;
  tg_device_config cfg;
  tg_frame_rx rx;
  tg_cache_entry cache[TG_PROTO_WINDOW];
  uint32_t cache_next;
  uint8_t body[TG_PROTO_BODY_MAX];
  size_t body_len;
  uint8_t body_type;
  uint16_t body_seq;
  int body_valid;
  uint8_t reply[TG_PAYLOAD_MAX];
  uint8_t tx[TG_FRAME_ENC_MAX];
  uint8_t inbuf[256];
  tg_device dev;
  int link_failed;
} tg_proto;

void tg_proto_init(tg_proto *p, const tg_link *link, const tg_device_config *cfg);
/* Reads what the link has now and handles every complete frame. Returns 0, or -1 when the
 * link was closed or failed. */
int tg_proto_poll(tg_proto *p);
/* Handles one intact frame (tg_proto_poll's inner step; tests call it directly). */
void tg_proto_handle_frame(tg_proto *p, const tg_frame *f);
/* Sends one frame; 0, or -1 when the link failed. */
int tg_proto_send(tg_proto *p, uint8_t type, uint16_t seq, const uint8_t *payload, size_t len);
void tg_proto_log(tg_proto *p, uint8_t level, const char *text);

/* ---- reply writers (tg_proto.c), used by the command handlers ---- */
void tg_put_u8(tg_reply *r, uint8_t v);
void tg_put_u16(tg_reply *r, uint16_t v);
void tg_put_u32(tg_reply *r, uint32_t v);
void tg_put_f32(tg_reply *r, float v);
void tg_put_bytes(tg_reply *r, const void *data, size_t n);
void tg_put_str(tg_reply *r, const char *s);
/* Replaces whatever was written by an error response: status and message. */
void tg_reply_error(tg_reply *r, uint16_t status, const char *message);

/* ---- command handlers (tg_proto_device.c) ---- */
void tg_device_reset(tg_proto *p);
/* Executes one request; writes the response into r (for segmented ones: the body into
 * p->body with r->segmented set). */
void tg_device_command(tg_proto *p, uint8_t type, uint16_t seq, const uint8_t *pl, size_t n, tg_reply *r);
/* After a completing EVAL_SAMPLE's response went out: the inference and its EVAL_RESULT. */
void tg_device_run_eval(tg_proto *p, int slot, uint16_t seq);

#endif
