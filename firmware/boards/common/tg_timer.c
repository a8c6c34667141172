/* Tick source: DWT CYCCNT when it counts, else the board's fallback (see tg_timer.h).
 * The board's config names exactly one fallback; #if picks whole functions. */
#include "tg_timer.h"

#include "board_config.h"

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define DEMCR REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_CTRL_NOCYCCNT (1u << 25)
#define DWT_CYCCNT REG32(0xE0001004u)
#define DWT_LAR REG32(0xE0001FB0u)
#define DWT_LAR_KEY 0xC5ACCE55u

static tg_timer_source source = TG_TIMER_NONE;

/* -DTG_TIMER_NO_DWT skips the DWT probe: for comparing the fallback with CYCCNT on a
 * real board. */

#if !defined(TG_TIMER_NO_DWT)
/* True when CYCCNT exists and advances. QEMU (7.2) answers the DWT addresses with zeros
 * (the PPB's default region), so the counter never moves there and this says no. */
static int dwt_start(void) {
  DEMCR |= DEMCR_TRCENA;
  DWT_LAR = DWT_LAR_KEY; /* Cortex-M7 locks the DWT; a write elsewhere is ignored */
  if ((DWT_CTRL & DWT_CTRL_NOCYCCNT) != 0) return 0;
  DWT_CYCCNT = 0;
  DWT_CTRL |= DWT_CTRL_CYCCNTENA;
  uint32_t start = DWT_CYCCNT;
  for (volatile uint32_t spin = 0; spin < 64u; ++spin) {
  }
  return DWT_CYCCNT != start;
}
#endif

#if defined(TG_BOARD_TIMER_CMSDK)
/* CMSDK APB timer: 32-bit down counter reloading from RELOAD; with RELOAD = 2^32 - 1 its
 * inverse is an up counter that wraps exactly at 2^32. */
#define TIMER_CTRL REG32(TG_BOARD_TIMER_CMSDK + 0x000u)
#define TIMER_VALUE REG32(TG_BOARD_TIMER_CMSDK + 0x004u)
#define TIMER_RELOAD REG32(TG_BOARD_TIMER_CMSDK + 0x008u)
#define TIMER_CTRL_ENABLE (1u << 0)

static tg_timer_source fallback_start(void) {
  TIMER_CTRL = 0;
  TIMER_RELOAD = 0xFFFFFFFFu;
  TIMER_VALUE = 0xFFFFFFFFu;
  TIMER_CTRL = TIMER_CTRL_ENABLE; /* no interrupt, clocked by PCLK */
  return TG_TIMER_CMSDK;
}

static uint32_t fallback_now(void) { return ~TIMER_VALUE; }

/* A write to VALUE restarts the count, and with it the phase of the tick edges. */
static void fallback_restart(void) { TIMER_VALUE = 0xFFFFFFFFu; }

#elif defined(TG_BOARD_TIMER_SYSTICK)
/* SysTick: 24-bit down counter on the core clock; the wrap interrupt adds 2^24. */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE_CPU (1u << 2)
#define SYST_MAX 0x00FFFFFFu

static volatile uint32_t systick_wraps;

void SysTick_Handler(void) { systick_wraps = systick_wraps + 1u; }

static tg_timer_source fallback_start(void) {
  SYST_CSR = 0;
  systick_wraps = 0;  /* the handler cannot run: TICKINT is off until the enable below */
  SYST_RVR = SYST_MAX;
  SYST_CVR = 0; /* any write clears it; it reloads on the next clock */
  SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE_CPU;
  /* Until the first clock reloads it, CVR reads 0, which fallback_now() would take for
   * 2^24 - 1 ticks without a wrap counted: the first reading after a restart would be
   * ahead of the next ones. Wait for the reload (one clock: a few instructions). */
  for (uint32_t spin = 0; spin < 1024u && SYST_CVR == 0u; ++spin) {
  }
  return TG_TIMER_SYSTICK;
}

/* Read the wrap count on both sides of the counter: if a wrap interrupt ran in
 * between, read again. */
static uint32_t fallback_now(void) {
  uint32_t wraps;
  uint32_t value;
  do {
    wraps = systick_wraps;
    value = SYST_CVR;
  } while (wraps != systick_wraps);
  return (wraps << 24) + (SYST_MAX - value);
}

/* Stop, clear the count and the wraps, start: the same as at boot. */
static void fallback_restart(void) { (void)fallback_start(); }

#else
#error "board_config.h must define TG_BOARD_TIMER_CMSDK or TG_BOARD_TIMER_SYSTICK"
#endif

void tg_timer_init(void) {
  if (source != TG_TIMER_NONE) return;
#if !defined(TG_TIMER_NO_DWT)
  if (dwt_start()) {
    source = TG_TIMER_DWT;
    return;
  }
#endif
  source = fallback_start();
}

uint32_t tg_timer_now(void) {
  return source == TG_TIMER_DWT ? DWT_CYCCNT : fallback_now();
}

uint32_t tg_timer_hz(void) {
  switch (source) {
    case TG_TIMER_DWT:
      return TG_BOARD_CPU_HZ;
    case TG_TIMER_CMSDK:
    case TG_TIMER_SYSTICK:
      return TG_BOARD_TIMER_HZ;
    case TG_TIMER_NONE:
    default:
      return 0;
  }
}

/* Under QEMU the fallbacks tick on virtual time, which -icount derives from the
 * instruction count: restarting the counter right before a measured run puts its tick
 * edges at the same instructions of the run on every run and every boot, wherever the
 * counter's phase was before (a different host request sequence leaves it elsewhere).
 * CYCCNT counts cycles, not edges of a slower clock: nothing to align. */
void tg_timer_restart(void) {
  if (source == TG_TIMER_CMSDK || source == TG_TIMER_SYSTICK) fallback_restart();
}

tg_timer_source tg_timer_source_get(void) { return source; }

const char *tg_timer_name(void) {
  switch (source) {
    case TG_TIMER_DWT:
      return "dwt-cyccnt";
    case TG_TIMER_CMSDK:
      return "cmsdk-timer0";
    case TG_TIMER_SYSTICK:
      return "systick";
    case TG_TIMER_NONE:
    default:
      return "none";
  }
}
