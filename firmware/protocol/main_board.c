/* The board firmware of the serial protocol (tg_agent.elf): the dispatcher on UART0, the
 * profiler on the board's tick source, the GPIO marker high during each layer. Model RAM
 * is the board's BULK region, the engine arena the free RAM after .bss (sections.ld). */
#include <stdint.h>

#include "board_config.h"
#include "tg_board.h"
#include "tg_proto.h"
#include "tg_text.h"
#include "tg_timer.h"

extern uint8_t __tg_arena_start[], __tg_arena_end[];
extern uint8_t __tg_bulk_start[], __tg_bulk_end[];

static tg_proto proto;

/* Bytes that are there now: the first wait is long enough that an idle line costs little
 * polling overhead, the next ones return as soon as the receiver is empty. */
static int32_t uart_read(void *user, uint8_t *buf, size_t cap) {
  (void)user;
  size_t n = 0;
  int c = tg_uart_getc(100000u);
  while (c >= 0) {
    buf[n++] = (uint8_t)c;
    if (n == cap) break;
    c = tg_uart_getc(64u);
  }
  return (int32_t)n;
}

static int uart_write(void *user, const uint8_t *buf, size_t len) {
  (void)user;
  return tg_uart_write(buf, len);
}

static uint32_t ticks_now(void *user) {
  (void)user;
  return tg_timer_now();
}

/* Restarting the counter (phase included) before every measured run makes the emulated
 * ticks identical across repeats and QEMU boots, on the CMSDK timer and on SysTick. */
static void tick_restart(void *user) {
  (void)user;
  tg_timer_restart();
}

/* Received bytes and dropped ones: INVOKE re-measures a run that either interrupted. */
static uint32_t rx_bytes(void *user) {
  (void)user;
  return tg_uart_rx_count() + tg_uart_rx_overflows();
}

static void marker(void *user, int level) {
  (void)user;
  tg_marker_set(level);
}

int main(void) {
  tg_board_init();
  const tg_board_info *info = tg_board_get_info();
  tg_timer_source src = tg_timer_source_get();
  tg_link link = {.read = uart_read, .write = uart_write};
  tg_device_config cfg = {
      .board = info->board,
      .core = info->core,
      .float_abi = info->float_abi,
      .tick_name = tg_timer_name(),
      .clock_hz = info->cpu_hz,
      .tick_hz = tg_timer_hz(),
      .tick_source = src == TG_TIMER_DWT       ? TG_TICKS_DWT
                     : src == TG_TIMER_SYSTICK ? TG_TICKS_SYSTICK
                                               : TG_TICKS_CMSDK,
      /* QEMU models no DWT cycle counter (tg_timer.h): without one the ticks are
       * instruction-driven virtual time. */
      .emulated = src != TG_TIMER_DWT,
#if defined(__ARM_PCS_VFP)
      .fpu = 1,
#endif
#if defined(__ARM_FEATURE_DSP)
      .dsp = 1,
#endif
#if defined(__ARM_FEATURE_MVE)
      .mve = 1,
#endif
      /* The UART's RX interrupt fills a ring while the core computes: what the host may
       * have in flight unanswered is what that ring holds (EVAL_SAMPLE, docs/protocol.md). */
      .rx_buffer = TG_UART_RX_RING,
      .now = ticks_now,
      .marker = marker,
      .tick_restart = tick_restart,
      .rx_bytes = rx_bytes,
      .model_ram = __tg_bulk_start,
      .model_ram_bytes = (size_t)(__tg_bulk_end - __tg_bulk_start),
      .arena = __tg_arena_start,
      .arena_bytes = (size_t)(__tg_arena_end - __tg_arena_start),
  };
  tg_proto_init(&proto, &link, &cfg);
  tg_uart_rx_irq_enable();
  /* A delimiter flushes whatever the host's receiver holds, then one LOG says who booted. */
  static const uint8_t flush = 0;
  (void)tg_uart_write(&flush, 1);
  tg_proto_log(&proto, 0, "tg_agent ready");
  uint32_t lost_reported = 0;
  for (;;) {
    if (tg_proto_poll(&proto) != 0) proto.link_failed = 0; /* a stuck TX gave up: keep serving */
    /* Bytes lost to a full RX ring damage frames (PING counts them as dropped); the LOG
     * says why, with the total since boot. */
    uint32_t lost = tg_uart_rx_overflows();
    if (lost != lost_reported) {
      lost_reported = lost;
      char line[64];
      tg_text t;
      tg_text_init(&t, line, sizeof line);
      tg_text_str(&t, "uart rx ring overflow: bytes lost since boot ");
      tg_text_u32(&t, lost);
      tg_proto_log(&proto, 1, line);
    }
  }
}
