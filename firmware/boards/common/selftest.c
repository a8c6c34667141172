/* Board self-test: proves a port before the engine links. Prints the board's facts over
 * the UART and semihosting, checks the C runtime set-up (.data, .bss, FPU state, stack),
 * times a loop of a known instruction count with the tick source, and exits 0 only when
 * every check passed. Arguments (semihosting command line):
 *   icount   also check the tick rate against QEMU -icount shift=0 (1 instruction = 1 ns)
 *   fault    divide by zero on purpose: the run must end in the UsageFault report
 *   uart-rx  expect "ping" on UART0's receiver (the host pipes it into QEMU's serial)
 * Under QEMU the tick source is the board's fallback (no DWT); the figure printed as
 * "instructions_per_tick" is emulated instructions, not cycles. */
#include <stdint.h>
#include <string.h>

#include "tg_board.h"
#include "tg_console.h"
#include "tg_semihost.h"
#include "tg_text.h"
#include "tg_timer.h"

static uint32_t data_word = 0x5EED1234u; /* .data: copied at reset */
static uint32_t bss_words[4];            /* .bss: zeroed at reset */
static int failures;

static void report(const char *check, int ok, const char *detail) {
  char buf[160];
  tg_text t;
  tg_text_init(&t, buf, sizeof buf);
  tg_text_str(&t, ok ? "ok   " : "FAIL ");
  tg_text_str(&t, check);
  if (detail != NULL && detail[0] != '\0') {
    tg_text_str(&t, ": ");
    tg_text_str(&t, detail);
  }
  (void)tg_console_text(&t);
  if (!ok) ++failures;
}

/* Exactly 2 instructions per iteration (subs, bne): iterations * 2 emulated instructions,
 * plus a constant few for the call. noinline keeps the count independent of the caller. */
__attribute__((noinline)) static void known_loop(uint32_t iterations) {
  __asm__ volatile("1:\n\t"
                   "subs %0, %0, #1\n\t"
                   "bne 1b\n\t"
                   : "+r"(iterations)
                   :
                   : "cc");
}

static uint32_t time_loop(uint32_t iterations) {
  uint32_t t0 = tg_timer_now();
  known_loop(iterations);
  return tg_timer_now() - t0;
}

#if defined(__ARM_FP)
static void check_fpu(void) {
  uint32_t cpacr = *(volatile uint32_t *)0xE000ED88u;
  report("fpu enabled (CPACR CP10/CP11)", ((cpacr >> 20) & 0xFu) == 0xFu, "");
  volatile float a = 1.5f;
  volatile float b = 2.25f;
  report("fpu arithmetic", a * b == 3.375f && a / b > 0.666f && a / b < 0.667f, "");
}
#else
static void check_fpu(void) {
  uint32_t cpacr = *(volatile uint32_t *)0xE000ED88u;
  report("fpu left off (soft-float build)", ((cpacr >> 20) & 0xFu) == 0u, "");
}
#endif

static int has_arg(const char *cmdline, const char *word) {
  size_t n = strlen(word);
  for (const char *p = cmdline; *p != '\0'; ++p) {
    if ((p == cmdline || p[-1] == ' ') && strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
      return 1;
  }
  return 0;
}

int main(void) {
  tg_board_init();
  const tg_board_info *info = tg_board_get_info();
  char buf[200];
  tg_text t;

  tg_text_init(&t, buf, sizeof buf);
  tg_text_str(&t, "tinyml-gate selftest board=");
  tg_text_str(&t, info->board);
  tg_text_str(&t, " core=");
  tg_text_str(&t, info->core);
  tg_text_str(&t, " float=");
  tg_text_str(&t, info->float_abi);
  tg_text_str(&t, " timer=");
  tg_text_str(&t, tg_timer_name());
  tg_text_str(&t, " timer_hz=");
  tg_text_u32(&t, tg_timer_hz());
  report("uart write", tg_console_text(&t) == 0, "");

  char cmdline[128];
  int have_cmdline = tg_sh_cmdline(cmdline, sizeof cmdline) == 0;
  report("semihosting command line", have_cmdline, have_cmdline ? cmdline : "SYS_GET_CMDLINE failed");
  if (!have_cmdline) cmdline[0] = '\0';

  if (has_arg(cmdline, "fault")) {
    (void)tg_console_line("dividing by zero: expect a UsageFault report");
    /* sdiv written out: the compiler may turn a C division by a known divisor range
     * into a compare */
    volatile int32_t zero = 0;
    int32_t quotient;
    __asm__ volatile("sdiv %0, %1, %2" : "=r"(quotient) : "r"(1000), "r"(zero));
    (void)quotient;
    report("divide-by-zero trap", 0, "no fault was taken");
    tg_sh_exit(1);
  }

  if (has_arg(cmdline, "uart-rx")) {
    /* The host feeds "ping" into UART0: read it back with bounded waits. */
    char rx[8];
    int n = 0;
    while (n < 4) {
      int c = tg_uart_getc(50000000u);
      if (c < 0) break;
      rx[n++] = (char)c;
    }
    rx[n] = '\0';
    report("uart receive", n == 4 && strcmp(rx, "ping") == 0, n == 0 ? "nothing arrived" : rx);
  }

  report(".data initialised", data_word == 0x5EED1234u, "");
  report(".bss zeroed", bss_words[0] == 0 && bss_words[1] == 0 && bss_words[2] == 0 && bss_words[3] == 0, "");
  bss_words[0] = data_word;
  check_fpu();

  report("tick source", tg_timer_source_get() != TG_TIMER_NONE && tg_timer_hz() != 0, tg_timer_name());
  uint32_t a = tg_timer_now();
  uint32_t b = tg_timer_now();
  report("timer monotonic", b - a < 1000u, "");

  tg_marker_set(1);
  tg_marker_set(0);
  report("gpio marker", 1, "written (QEMU ignores it)");

  /* The known loop: 2 instructions per iteration. Two runs of N must agree (deterministic
   * under -icount), and 2N must take twice as long. */
  const uint32_t n = 1000000u;
  uint32_t ticks1 = time_loop(n);
  uint32_t ticks2 = time_loop(n);
  uint32_t ticks3 = time_loop(2u * n);
  tg_text_init(&t, buf, sizeof buf);
  tg_text_str(&t, "loop of ");
  tg_text_u32(&t, 2u * n);
  tg_text_str(&t, " instructions: ticks=");
  tg_text_u32(&t, ticks1);
  tg_text_str(&t, ",");
  tg_text_u32(&t, ticks2);
  tg_text_str(&t, " double=");
  tg_text_u32(&t, ticks3);
  tg_text_str(&t, " instructions_per_tick=");
  tg_text_ratio(&t, 2ull * n, ticks1);
  (void)tg_console_text(&t);
  report("loop timed", ticks1 > 0, "");
  uint32_t diff = ticks1 > ticks2 ? ticks1 - ticks2 : ticks2 - ticks1;
  report("repeat within 1%", diff <= ticks1 / 100u + 1u, diff == 0 ? "identical" : "differs");
  uint32_t twice = 2u * ticks1;
  uint32_t dd = ticks3 > twice ? ticks3 - twice : twice - ticks3;
  report("double loop takes twice the ticks (1%)", dd <= twice / 100u + 2u, "");

  if (has_arg(cmdline, "icount")) {
    /* -icount shift=0: 1 instruction = 1 ns, so ticks = instructions * hz / 1e9. */
    uint64_t expect = (2ull * n * tg_timer_hz() + 500000000ull) / 1000000000ull;
    uint64_t got = ticks1;
    uint64_t dev = got > expect ? got - expect : expect - got;
    tg_text_init(&t, buf, sizeof buf);
    tg_text_str(&t, "expected ");
    tg_text_u64(&t, expect);
    tg_text_str(&t, " ticks for 1 ns per instruction");
    report("tick rate matches -icount shift=0 (1%)", dev <= expect / 100u + 1u, buf);
  }

  size_t used = tg_board_stack_used();
  tg_text_init(&t, buf, sizeof buf);
  tg_text_u32(&t, (uint32_t)used);
  tg_text_str(&t, " of ");
  tg_text_u32(&t, (uint32_t)tg_board_stack_size());
  tg_text_str(&t, " bytes");
  report("stack high-water mark", used > 0 && used < tg_board_stack_size(), buf);

  tg_text_init(&t, buf, sizeof buf);
  tg_text_str(&t, failures == 0 ? "selftest passed" : "selftest FAILED: ");
  if (failures != 0) tg_text_u32(&t, (uint32_t)failures);
  (void)tg_console_text(&t);
  tg_sh_exit(failures == 0 ? 0 : 1);
}
