/* Link probe, never run: firmware links no heap. `make no-heap-check` links this file with
 * the firmware's flags and expects the link to FAIL for want of _sbrk (newlib's malloc
 * needs it and nothing here provides it). A successful link means someone added a heap. */
#include <stdlib.h>

int main(void) {
  void *p = malloc(16);
  free(p);
  return p == NULL;
}
