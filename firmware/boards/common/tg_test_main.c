/* Entry shim for the engine's C unit tests (firmware/test/kernels/test_*.c) on the emulated
 * boards: the tests print with printf, which here goes through newlib's semihosting
 * system calls (librdimon). Linked with -Wl,--wrap=main: opens the semihosting standard
 * handles, runs the test's main and ends the emulation with its status. Test programs
 * only: rdimon brings a heap (_sbrk from `end`, the start of the arena region) for stdio's
 * buffers, which the firmware itself never links. */
#include <stdio.h>

#include "tg_board.h"
#include "tg_semihost.h"

void initialise_monitor_handles(void);
int __real_main(void);
int __wrap_main(void);

int __wrap_main(void) {
  tg_board_init();
  initialise_monitor_handles();
  const int status = __real_main();
  (void)fflush(NULL);
  tg_sh_exit(status);
}
