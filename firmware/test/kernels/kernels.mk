# Kernel and operator unit tests (firmware/test/kernels/test_*.c), host build under
# AddressSanitizer and UndefinedBehaviorSanitizer. Included by firmware/Makefile, whose
# `test` target depends on `test-kernels`; paths are relative to firmware/. Standalone:
#   make -C firmware -f test/kernels/kernels.mk test-kernels
# Kernels and operators are archived into two static libraries, so a test program pulls
# only what it calls; no core source is linked: a test that exercises an operator's
# prepare and eval includes test/kernels/tg_test_ops.h, which stands in for the core's
# operator services (tg_op.h).

KT_DIR := test/kernels
KT_BUILD := build/test-kernels
KT_CC ?= cc
KT_AR ?= ar
KT_CFLAGS ?= -std=c11 -Wall -Wextra -Werror -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
KT_INCLUDES := -Iengine/include -Iengine/kernels -Iengine/ops -I$(KT_DIR)
KT_HEADERS := $(wildcard engine/include/*.h engine/kernels/*.h engine/ops/*.h $(KT_DIR)/*.h)
KT_KERNEL_OBJS := $(patsubst engine/kernels/%.c,$(KT_BUILD)/obj/kernels/%.o,$(wildcard engine/kernels/*.c))
KT_OP_OBJS := $(patsubst engine/ops/%.c,$(KT_BUILD)/obj/ops/%.o,$(wildcard engine/ops/*.c))
KT_TESTS := $(patsubst $(KT_DIR)/%.c,$(KT_BUILD)/%,$(wildcard $(KT_DIR)/test_*.c))

.PHONY: test-kernels
test-kernels: $(KT_TESTS)
	@set -e; for t in $(KT_TESTS); do echo "== $$t"; UBSAN_OPTIONS=print_stacktrace=1 $$t; done

$(KT_BUILD)/obj/kernels/%.o: engine/kernels/%.c $(KT_HEADERS)
	@mkdir -p $(dir $@)
	$(KT_CC) $(KT_CFLAGS) $(KT_INCLUDES) -c -o $@ $<

$(KT_BUILD)/obj/ops/%.o: engine/ops/%.c $(KT_HEADERS)
	@mkdir -p $(dir $@)
	$(KT_CC) $(KT_CFLAGS) $(KT_INCLUDES) -c -o $@ $<

$(KT_BUILD)/libtgkernels.a: $(KT_KERNEL_OBJS)
	@rm -f $@
	$(KT_AR) rcs $@ $^

$(KT_BUILD)/libtgops.a: $(KT_OP_OBJS)
	@rm -f $@
	$(KT_AR) rcs $@ $^

$(KT_BUILD)/test_%: $(KT_DIR)/test_%.c $(KT_BUILD)/libtgops.a $(KT_BUILD)/libtgkernels.a $(KT_HEADERS)
	$(KT_CC) $(KT_CFLAGS) $(KT_INCLUDES) -o $@ $< $(KT_BUILD)/libtgops.a $(KT_BUILD)/libtgkernels.a -lm
