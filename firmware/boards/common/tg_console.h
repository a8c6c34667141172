/* Text lines for the programs that run under semihosting (self-test, harness): each line
 * goes to the UART and to the host's semihosting console. */
#ifndef TG_CONSOLE_H
#define TG_CONSOLE_H

#include "tg_text.h"

/* Writes the text plus "\n" (UART: "\r\n"); returns 0, or -1 when the UART timed out. */
int tg_console_line(const char *line);
int tg_console_text(const tg_text *t);

#endif
