/* Helpers shared by the command files (tg_proto_device.c, tg_proto_upload.c,
 * tg_proto_eval.c). Not part of the protocol's interface. */
#ifndef TG_PROTO_INTERNAL_H
#define TG_PROTO_INTERNAL_H

#include "tg_proto.h"

uint16_t tg_rd16(const uint8_t *p);
uint32_t tg_rd32(const uint8_t *p);
void tg_wr32(uint8_t *p, uint32_t v);
size_t tg_align16(size_t n);
/* off + len beyond total, without overflow. */
int tg_out_of_range(uint32_t off, uint32_t len, uint32_t total);

/* Error responses with a message naming the command, the numbers and the engine's text. */
int tg_err_length(tg_reply *r, uint8_t type, size_t n, size_t expected, int min_only);
int tg_need_model(tg_proto *p, tg_reply *r, uint8_t type); /* 1 (error written) when no model */
void tg_err_engine(tg_proto *p, tg_reply *r, tg_status st, const char *what);
void tg_err_range(tg_reply *r, const char *what, uint32_t index, uint32_t off, uint32_t len, uint32_t bytes);
/* FRAGMENTED: the chunk [off, off + len) would need one received range more than a tg_cover
 * holds; `what` starts the message ("UPLOAD_CHUNK: "). */
void tg_err_fragmented(tg_reply *r, const char *what, uint32_t off, uint32_t len);

/* The inputs as SET_INPUT left them, into the input tensors (before every run). */
void tg_restore_inputs(tg_device *d);
/* Profiler glue over tg_device_config's tick source and marker; user is the tg_proto. */
uint32_t tg_prof_now(void *user);
void tg_prof_marker(void *user, int level);

void tg_upload_begin(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r);
void tg_upload_chunk(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r);
void tg_upload_end(tg_proto *p, size_t n, tg_reply *r);
void tg_eval_begin(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r);
void tg_eval_sample(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r);

#endif
