/* Host unit test of the firmware's bounded text builder (boards/common/tg_text.c): every
 * report line of the harness and the self-test goes through it. Built by `make
 * board-host-tests` with the host compiler under ASan and UBSan. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tg_text.h"

static int failures;

static void expect(const char *what, const tg_text *t, const char *want, int truncated) {
  if (strcmp(t->buf, want) != 0 || t->truncated != truncated || t->len != strlen(want)) {
    printf("FAIL %s: got \"%s\" (len %zu, truncated %d), want \"%s\" (truncated %d)\n", what, t->buf, t->len,
           t->truncated, want, truncated);
    ++failures;
  }
}

int main(void) {
  char buf[64];
  tg_text t;

  tg_text_init(&t, buf, sizeof buf);
  tg_text_u32(&t, 0);
  tg_text_char(&t, ' ');
  tg_text_u32(&t, UINT32_MAX);
  expect("u32 bounds", &t, "0 4294967295", 0);

  tg_text_init(&t, buf, sizeof buf);
  tg_text_i32(&t, INT32_MIN);
  tg_text_char(&t, ' ');
  tg_text_i32(&t, INT32_MAX);
  tg_text_char(&t, ' ');
  tg_text_i32(&t, -7);
  expect("i32 bounds", &t, "-2147483648 2147483647 -7", 0);

  tg_text_init(&t, buf, sizeof buf);
  tg_text_u64(&t, UINT64_MAX);
  expect("u64 max", &t, "18446744073709551615", 0);

  tg_text_init(&t, buf, sizeof buf);
  tg_text_hex32(&t, 0xDEADBEEFu);
  tg_text_char(&t, ' ');
  tg_text_hex32(&t, 0);
  expect("hex32", &t, "0xdeadbeef 0x00000000", 0);

  tg_text_init(&t, buf, sizeof buf);
  tg_text_ratio(&t, 2000000, 50000); /* the self-test's instructions per tick */
  tg_text_char(&t, ' ');
  tg_text_ratio(&t, 2000000, 64000);
  tg_text_char(&t, ' ');
  tg_text_ratio(&t, 1, 3);
  tg_text_char(&t, ' ');
  tg_text_ratio(&t, 2, 3); /* 0.666... rounds half up to 0.67 */
  tg_text_char(&t, ' ');
  tg_text_ratio(&t, 5, 0);
  expect("ratio", &t, "40.00 31.25 0.33 0.67 inf", 0);

  tg_text_init(&t, buf, sizeof buf);
  tg_text_str(&t, NULL);
  expect("null string", &t, "(null)", 0);

  char small[8];
  tg_text_init(&t, small, sizeof small);
  tg_text_str(&t, "abcdefghij");
  expect("truncation keeps the NUL", &t, "abcdefg", 1);
  tg_text_u32(&t, 12345);
  expect("truncated stays truncated", &t, "abcdefg", 1);

  char one[1];
  tg_text_init(&t, one, sizeof one);
  tg_text_char(&t, 'x');
  expect("capacity one holds only the NUL", &t, "", 1);

  printf("test_text: %s\n", failures == 0 ? "all passed" : "FAILED");
  return failures == 0 ? 0 : 1;
}
