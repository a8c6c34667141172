/* Fault hook for programs run under semihosting: report on both channels and end the
 * emulation with TG_EXIT_FAULT, so that a crash is a failed run and never a hang. */
#include "tg_board.h"
#include "tg_console.h"
#include "tg_semihost.h"

#define TG_EXIT_FAULT 70

void tg_fault_hook(const tg_fault *f) {
  char line[200];
  tg_fault_format(f, line, sizeof line);
  /* tg_fault_format ends the line with CRLF; the console adds its own end of line */
  for (char *p = line; *p != '\0'; ++p) {
    if (*p == '\r' || *p == '\n') *p = '\0';
  }
  (void)tg_console_line(line);
  tg_sh_exit(TG_EXIT_FAULT);
}
