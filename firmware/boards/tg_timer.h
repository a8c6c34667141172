/* The tick source of the profiler: one free-running 32-bit counter per board.
 *
 * tg_timer_init() picks the source once, in this order:
 *   1. DWT CYCCNT (core cycles) when the core has one that counts: on real silicon.
 *      QEMU does not model the DWT (its registers read as zero), so the probe enables
 *      CYCCNT, spins, and keeps it only if it moved.
 *   2. The board's fallback: on MPS2 (AN385/AN386/AN500) the CMSDK APB TIMER0, a 32-bit
 *      down counter on the 25 MHz SYSCLK, read inverted; on MPS3 AN547 SysTick on the
 *      32 MHz core clock, widened from 24 to 32 bits by its wrap interrupt (so interrupts
 *      must stay enabled while timing there).
 * tg_timer_now() wraps modulo 2^32: subtract two readings as uint32_t.
 * Under QEMU with -icount shift=0 one emulated instruction takes 1 ns of virtual time, so
 * a 25 MHz source ticks once per 40 emulated instructions and a 32 MHz one once per
 * 31.25: state such figures as emulated instructions, never as cycles. */
#ifndef TG_TIMER_H
#define TG_TIMER_H

#include <stdint.h>

typedef enum {
  TG_TIMER_NONE = 0,   /* tg_timer_init() not called yet */
  TG_TIMER_DWT = 1,    /* DWT CYCCNT: core cycles */
  TG_TIMER_CMSDK = 2,  /* CMSDK APB timer on the peripheral clock */
  TG_TIMER_SYSTICK = 3 /* SysTick on the core clock, 32-bit by its wrap interrupt */
} tg_timer_source;

void tg_timer_init(void);
uint32_t tg_timer_now(void);
uint32_t tg_timer_hz(void);
/* Restarts the fallback counter (phase included) right before a measured run, so an
 * emulated run meets the same tick edges at the same instructions every time. */
void tg_timer_restart(void);
tg_timer_source tg_timer_source_get(void);
const char *tg_timer_name(void); /* "dwt-cyccnt", "cmsdk-timer0", "systick" */

#endif
