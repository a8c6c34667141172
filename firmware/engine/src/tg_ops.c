/* The operator registry: every operator file present in firmware/engine/ops defines a
 * `const tg_op tg_op_<name>`; the Makefile lists them in build/.../tg_ops_list.h as
 * TG_OP(<name>) lines, so an operator missing from the tree is simply absent here and
 * the interpreter reports it as TG_ERR_UNSUPPORTED_OP naming the layer. */
#include <stddef.h>

#include "tg_internal.h"

#define TG_OP(name) extern const tg_op tg_op_##name;
#include "tg_ops_list.h"
#undef TG_OP

static const tg_op *const registry[] = {
#define TG_OP(name) &tg_op_##name,
#include "tg_ops_list.h"
#undef TG_OP
    NULL};

const tg_op *tg_find_op(int32_t builtin) {
  for (size_t i = 0; registry[i] != NULL; ++i) {
    if (registry[i]->builtin == builtin) return registry[i];
  }
  return NULL;
}
