#include "tg_console.h"

#include "tg_board.h"
#include "tg_semihost.h"

int tg_console_line(const char *line) {
  int rc = 0;
  for (const char *p = line; *p != '\0'; ++p) {
    if (tg_uart_putc((uint8_t)*p) != 0) rc = -1;
  }
  if (tg_uart_write("\r\n", 2) != 0) rc = -1;
  tg_sh_write0(line);
  tg_sh_write0("\n");
  return rc;
}

int tg_console_text(const tg_text *t) { return tg_console_line(t->buf); }
