# Cross builds for the Cortex-M boards that QEMU emulates, and their runs.
#
# Standalone from the repository root:   make -f firmware/boards.mk selftest BOARD=mps2-an385
# Included by firmware/Makefile:          include boards.mk   (then `make -C firmware selftest ...`)
#
# Variables:
#   BOARD    mps2-an385 | mps2-an386 | mps2-an500 | mps3-an547   (default mps2-an386)
#   FLOAT    soft | hard (default: hard where the core has an FPU; mps2-an385 is soft only)
#   KERNELS  ref | opt (the engine's kernel set, -DTG_KERNELS_OPT=0/1; default ref)
#   CROSS    toolchain prefix (default arm-none-eabi-)
# Targets:
#   selftest       build and run the board self-test under QEMU (UART + semihosting + timer)
#   selftest-all   the self-test (and no-heap-check) on every board and float variant
#   no-heap-check  proves that a malloc call does not link (no _sbrk)
#   harness        firmware/build/<board>-<float>-<kernels>/tg_harness.elf and its size report
#   harness-all    the harness for every board and float variant
#   qemu-golden    golden conformance of the harness on BOARD/FLOAT (firmware/scripts/qemu-golden.sh)
#   board-tests    the engine's core and kernel unit tests (firmware/test/core, test/kernels)
#                  on BOARD under QEMU
#   board-host-tests  host unit tests of the board code's plain C (ASan/UBSan)
#   boards-test    what CI runs (firmware/Makefile's `make test` calls it): selftest-all,
#                  harness-all, then board-tests and qemu-golden on mps2-an386/hard and
#                  mps2-an385/soft
#   boards-test-opt  the opt kernel set's unit tests and golden conformance on mps2-an386/hard,
#                  mps2-an385/soft and mps3-an547/hard (also run by `make test` when
#                  engine/kernels/opt exists)
#   boards-clean   remove firmware/build/<board>-*
# All variables and rules of this file are prefixed TGB_ so that it can be included
# beside the engine's host build.

TGB_MK := $(lastword $(MAKEFILE_LIST))
TGB_SAVED_GOAL := $(.DEFAULT_GOAL)
TGB_FW := $(abspath $(patsubst %/,%,$(dir $(TGB_MK))))

TGB_BOARDS := mps2-an385 mps2-an386 mps2-an500 mps3-an547
BOARD ?= mps2-an386
KERNELS ?= ref
CROSS ?= arm-none-eabi-

ifeq ($(filter $(BOARD),$(TGB_BOARDS)),)
$(error BOARD=$(BOARD) is not one of: $(TGB_BOARDS))
endif
include $(TGB_FW)/boards/$(BOARD)/board.mk
FLOAT ?= $(TGB_DEFAULT_FLOAT)
ifeq ($(filter $(FLOAT),$(TGB_FLOATS)),)
$(error FLOAT=$(FLOAT) is not available on $(BOARD) (has: $(TGB_FLOATS)))
endif
ifeq ($(filter $(KERNELS),ref opt),)
$(error KERNELS=$(KERNELS) must be ref or opt)
endif

TGB_BUILD := $(TGB_FW)/build/$(BOARD)-$(FLOAT)-$(KERNELS)
TGB_CC := $(CROSS)gcc
TGB_SIZE := $(CROSS)size

TGB_CPU := $(TGB_CPU_$(FLOAT))
TGB_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wvla -Os -g -ffunction-sections -fdata-sections \
  $(TGB_CPU) -DTG_KERNELS_OPT=$(if $(filter opt,$(KERNELS)),1,0) \
  -I$(TGB_FW)/boards/$(BOARD) -I$(TGB_FW)/boards -I$(TGB_FW)/boards/common \
  -I$(TGB_FW)/engine/include -I$(TGB_FW)/engine/kernels -I$(TGB_FW)/engine/src \
  -I$(TGB_FW)/engine/ops -I$(TGB_BUILD)/gen
# newlib-nano for memcpy/memset and libm only; no start files (startup.c is ours) and no
# system-call stubs: a program that reaches for malloc or stdio fails to link (no _sbrk,
# no _write), on purpose.
TGB_LDFLAGS := $(TGB_CPU) -nostartfiles --specs=nano.specs -Wl,--gc-sections \
  -L$(TGB_FW)/boards/$(BOARD) -L$(TGB_FW)/boards/common -T$(TGB_FW)/boards/$(BOARD)/link.ld
TGB_LDLIBS := -lm

TGB_BOARD_SRCS := $(addprefix $(TGB_FW)/boards/common/, startup.c tg_board.c tg_timer.c \
  tg_text.c tg_semihost.c tg_console.c tg_fault_semihost.c)
# The engine's sources, as firmware/Makefile lists them: the opt kernel set (when built)
# adds engine/kernels/opt next to the reference kernels, which stay the fallback.
TGB_ENGINE_SRCS := $(sort $(wildcard $(TGB_FW)/engine/src/*.c $(TGB_FW)/engine/ops/*.c \
  $(TGB_FW)/engine/kernels/*.c))
ifeq ($(KERNELS),opt)
ifeq ($(wildcard $(TGB_FW)/engine/kernels/opt/*.c),)
$(error KERNELS=opt: no opt kernel set in engine/kernels/opt yet)
endif
TGB_ENGINE_SRCS += $(sort $(wildcard $(TGB_FW)/engine/kernels/opt/*.c))
TGB_CFLAGS += -I$(TGB_FW)/engine/kernels/opt
endif
TGB_OPS_SRCS := $(sort $(wildcard $(TGB_FW)/engine/ops/*.c))
TGB_KERNEL_TESTS := $(sort $(wildcard $(TGB_FW)/test/kernels/test_*.c))

TGB_OBJ = $(patsubst $(TGB_FW)/%.c,$(TGB_BUILD)/obj/%.o,$(1))
TGB_BOARD_OBJS := $(call TGB_OBJ,$(TGB_BOARD_SRCS))
TGB_ENGINE_OBJS := $(call TGB_OBJ,$(TGB_ENGINE_SRCS))
TGB_SELFTEST_ELF := $(TGB_BUILD)/tg_selftest.elf
TGB_HARNESS_ELF := $(TGB_BUILD)/tg_harness.elf
TGB_QEMU_EXEC := $(TGB_FW)/scripts/qemu-exec.sh

.PHONY: selftest selftest-all harness harness-all board-tests board-host-tests no-heap-check qemu-golden boards-test boards-test-opt boards-clean

$(TGB_BUILD)/obj/%.o: $(TGB_FW)/%.c $(TGB_BUILD)/gen/tg_ops_list.h
	@mkdir -p $(dir $@)
	$(TGB_CC) $(TGB_CFLAGS) -MMD -MP -c $< -o $@

# The operator registry of this build: one TG_OP(name) line per `const tg_op tg_op_<name> =`
# definition in the operator files (the rule and format of firmware/Makefile, repeated
# here so that this file also works on its own). Rewritten only when the list changes.
$(TGB_BUILD)/gen/tg_ops_list.h: FORCE_TGB_OPS
	@bash $(TGB_FW)/scripts/gen-ops-list.sh $@ firmware/boards.mk $(TGB_OPS_SRCS)
.PHONY: FORCE_TGB_OPS
FORCE_TGB_OPS:

$(TGB_SELFTEST_ELF): $(TGB_BOARD_OBJS) $(call TGB_OBJ,$(TGB_FW)/boards/common/selftest.c) \
  $(TGB_FW)/boards/$(BOARD)/link.ld $(TGB_FW)/boards/$(BOARD)/memory.ld $(TGB_FW)/boards/common/sections.ld
	$(TGB_CC) $(TGB_LDFLAGS) -Wl,-Map=$(@:.elf=.map) -o $@ $(filter %.o,$^) $(TGB_LDLIBS)

$(TGB_HARNESS_ELF): $(TGB_BOARD_OBJS) $(call TGB_OBJ,$(TGB_FW)/boards/common/harness_semihost.c $(TGB_FW)/boards/common/tg_harness_report.c) \
  $(TGB_ENGINE_OBJS) \
  $(TGB_FW)/boards/$(BOARD)/link.ld $(TGB_FW)/boards/$(BOARD)/memory.ld $(TGB_FW)/boards/common/sections.ld
	$(TGB_CC) $(TGB_LDFLAGS) -Wl,-Map=$(@:.elf=.map) -o $@ $(filter %.o,$^) $(TGB_LDLIBS)
	$(TGB_SIZE) -A $@ > $(@:.elf=.size.txt)
	$(TGB_SIZE) $@ | tee -a $(@:.elf=.size.txt)

$(TGB_BUILD)/libtg_engine.a: $(TGB_ENGINE_OBJS)
	@rm -f $@
	$(CROSS)ar rcs $@ $^

# The engine's kernel unit tests, cross-built and run on the board (the host runs the same
# files under ASan/UBSan): printf through newlib's semihosting calls (rdimon), which bring
# a heap for stdio, hence `end` at the arena's start. Test programs only. Debian's newlib
# printf has no C99 length modifiers: "%zu" prints "zu" (cast to unsigned long, use %lu).
TGB_TEST_LDFLAGS := $(TGB_CPU) -nostartfiles --specs=nano.specs --specs=rdimon.specs -Wl,--gc-sections \
  -Wl,--wrap=main -Wl,--defsym=end=__tg_arena_start \
  -L$(TGB_FW)/boards/$(BOARD) -L$(TGB_FW)/boards/common -T$(TGB_FW)/boards/$(BOARD)/link.ld
TGB_TEST_ELFS := $(patsubst $(TGB_FW)/test/kernels/%.c,$(TGB_BUILD)/test/%.elf,$(TGB_KERNEL_TESTS))
$(TGB_BUILD)/obj/test/kernels/%.o: TGB_CFLAGS += -I$(TGB_FW)/test/kernels
$(TGB_BUILD)/test/%.elf: $(TGB_BUILD)/obj/test/kernels/%.o $(call TGB_OBJ,$(TGB_FW)/boards/common/tg_test_main.c) \
  $(TGB_BOARD_OBJS) $(TGB_BUILD)/libtg_engine.a
	@mkdir -p $(dir $@)
	$(TGB_CC) $(TGB_TEST_LDFLAGS) -o $@ $^ $(TGB_LDLIBS)

# The firmware must not link a heap: linking a malloc call must fail on _sbrk.
no-heap-check: $(TGB_BOARD_OBJS) $(call TGB_OBJ,$(TGB_FW)/boards/common/heap_probe.c)
	@if $(TGB_CC) $(TGB_LDFLAGS) -o $(TGB_BUILD)/heap_probe.elf $^ $(TGB_LDLIBS) > $(TGB_BUILD)/heap_probe.log 2>&1; then \
	  echo "no-heap-check $(BOARD)/$(FLOAT): FAILED: a program calling malloc linked"; exit 1; \
	elif grep -q '_sbrk' $(TGB_BUILD)/heap_probe.log; then \
	  echo "no-heap-check $(BOARD)/$(FLOAT): ok (malloc does not link: no _sbrk)"; \
	else \
	  cat $(TGB_BUILD)/heap_probe.log; echo "no-heap-check $(BOARD)/$(FLOAT): FAILED for another reason than _sbrk"; exit 1; \
	fi

# Host unit tests of the board code that is plain C (text formatting), under ASan/UBSan.
HOST_CC ?= cc
TGB_HOST_TEST_DIR := $(TGB_FW)/build/host-boards
$(TGB_HOST_TEST_DIR)/test_text: $(TGB_FW)/boards/test/test_text.c $(TGB_FW)/boards/common/tg_text.c $(TGB_FW)/boards/common/tg_text.h
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=c11 -Wall -Wextra -Werror -Wvla -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -I$(TGB_FW)/boards/common -o $@ $(filter %.c,$^)
board-host-tests: $(TGB_HOST_TEST_DIR)/test_text
	$(TGB_HOST_TEST_DIR)/test_text

# The engine core's unit tests on the board: linked with the core alone and the tests' own
# operator registry (test/core/core_ops.c), as firmware/Makefile links them on the host.
TGB_CORE_TESTS := $(sort $(wildcard $(TGB_FW)/test/core/test_*.c))
TGB_CORE_TEST_SUPPORT := $(filter-out $(TGB_CORE_TESTS),$(sort $(wildcard $(TGB_FW)/test/core/*.c)))
TGB_CORE_NO_REGISTRY := $(call TGB_OBJ,$(filter-out %/tg_ops.c,$(sort $(wildcard $(TGB_FW)/engine/src/*.c))))
TGB_CORE_TEST_ELFS := $(patsubst $(TGB_FW)/test/core/%.c,$(TGB_BUILD)/test/core/%.elf,$(TGB_CORE_TESTS))
$(TGB_BUILD)/obj/test/core/%.o: TGB_CFLAGS += -I$(TGB_FW)/test/core -I$(TGB_FW)/test/kernels
$(TGB_BUILD)/test/core/%.elf: $(TGB_BUILD)/obj/test/core/%.o $(call TGB_OBJ,$(TGB_CORE_TEST_SUPPORT)) \
  $(TGB_CORE_NO_REGISTRY) $(call TGB_OBJ,$(TGB_FW)/boards/common/tg_test_main.c) $(TGB_BOARD_OBJS)
	@mkdir -p $(dir $@)
	$(TGB_CC) $(TGB_TEST_LDFLAGS) -o $@ $^ $(TGB_LDLIBS)

selftest: $(TGB_SELFTEST_ELF)
	bash $(TGB_FW)/scripts/qemu-selftest.sh $(BOARD) $(TGB_SELFTEST_ELF)

harness: $(TGB_HARNESS_ELF)

# Every test runs; the failing ones print their whole log, the rest their summary line.
TGB_WITH_CORE_TESTS ?= 1
TGB_BOARD_TEST_ELFS := $(if $(filter 1,$(TGB_WITH_CORE_TESTS)),$(TGB_CORE_TEST_ELFS)) $(TGB_TEST_ELFS)
board-tests: $(TGB_BOARD_TEST_ELFS)
	@failed=0; for t in $(TGB_BOARD_TEST_ELFS); do \
	  if TG_QEMU_TIMEOUT=$${TG_QEMU_TIMEOUT:-120} bash $(TGB_QEMU_EXEC) $(BOARD) $$t > $$t.log 2>&1; then \
	    echo "$(BOARD)/$(FLOAT): $$(tail -n 1 $$t.log)"; \
	  else \
	    cat $$t.log; echo "$(BOARD)/$(FLOAT): $$(basename $$t .elf) FAILED"; failed=1; \
	  fi; \
	done; exit $$failed

TGB_VARIANTS := $(foreach b,$(TGB_BOARDS),$(foreach f,$(shell sed -n 's/^TGB_FLOATS := //p' $(TGB_FW)/boards/$(b)/board.mk),$(b)/$(f)))

selftest-all:
	@set -e; for v in $(TGB_VARIANTS); do \
	  $(MAKE) --no-print-directory -f $(TGB_MK) selftest no-heap-check BOARD=$${v%/*} FLOAT=$${v#*/} KERNELS=$(KERNELS); \
	done

harness-all:
	@set -e; for v in $(TGB_VARIANTS); do \
	  $(MAKE) --no-print-directory -f $(TGB_MK) harness BOARD=$${v%/*} FLOAT=$${v#*/} KERNELS=$(KERNELS); \
	done

# SHARED (firmware/Makefile's path to shared/) reaches the script as TG_SHARED.
TGB_SHARED_ENV := $(if $(SHARED),TG_SHARED=$(SHARED))
qemu-golden: $(TGB_HARNESS_ELF)
	$(TGB_SHARED_ENV) bash $(TGB_FW)/scripts/qemu-golden.sh $(BOARD) $(TGB_HARNESS_ELF)

# CI: every variant builds and passes its self-test; the kernel unit tests and the golden
# conformance run on the Cortex-M4F and the Cortex-M3 (soft float), the golden conformance
# also on the Cortex-M7 and the Cortex-M55 (hard float). The golden runs take
# TGB_CI_SAMPLES samples per model (default 10; the layer dumps always cover samples 0-3);
# `make qemu-golden` alone runs them all.
TGB_CI_SAMPLES ?= 10
# The Cortex-M7 (model in the PSRAM at 0x60000000) and the Cortex-M55 (model in the
# SSE-300 SRAM at 0x21000000, behind its MPCs) run the golden conformance on fewer samples:
# what they add is the other memory maps and cores, not more data.
TGB_CI_SAMPLES_BULK ?= 4
# The core's unit tests join CI on the boards once test/core/test_model.c's test_truncated
# no longer depends on the host's alignment of a static byte array (on the M4 it is not
# 4-byte aligned, so the engine answers TG_ERR_ARG instead of TG_ERR_MODEL_TRUNCATED).
TGB_CI_CORE_TESTS ?= 0
# The arena a model needs (engine state, tensor and node records, layer data and the
# activation region) is no larger than TensorFlow Lite Micro's on the same board with
# its reference kernels (issue 4: measured with TFLM on mps2-an386). Checked on the
# Cortex-M4F ref build, where those figures were taken.
TGB_TFLM_ARENA := kws_ref_model=22772 ic_resnet8_int8=54340 micro_speech_quantized=6788
# In sequence even under -j: the sub-makes share build directories.
boards-test:
	@$(MAKE) --no-print-directory -s -f $(TGB_MK) board-host-tests
	@$(MAKE) --no-print-directory -f $(TGB_MK) selftest-all KERNELS=$(KERNELS)
	@$(MAKE) --no-print-directory -s -f $(TGB_MK) harness-all KERNELS=$(KERNELS)
	@set -e; for v in mps2-an386/hard mps2-an385/soft; do \
	  $(MAKE) --no-print-directory -s -f $(TGB_MK) board-tests BOARD=$${v%/*} FLOAT=$${v#*/} KERNELS=$(KERNELS) \
	    TGB_WITH_CORE_TESTS=$(TGB_CI_CORE_TESTS); \
	  budgets=; [ "$$v/$(KERNELS)" = mps2-an386/hard/ref ] && budgets="$(TGB_TFLM_ARENA)"; \
	  TG_ARENA_BUDGETS="$$budgets" TG_GOLDEN_SAMPLES=$${TG_GOLDEN_SAMPLES:-$(TGB_CI_SAMPLES)} \
	    $(MAKE) --no-print-directory -s -f $(TGB_MK) qemu-golden BOARD=$${v%/*} FLOAT=$${v#*/} KERNELS=$(KERNELS) $(if $(SHARED),SHARED=$(SHARED)); \
	done
	@set -e; for v in mps2-an500/hard mps3-an547/hard; do \
	  TG_GOLDEN_SAMPLES=$(TGB_CI_SAMPLES_BULK) \
	    $(MAKE) --no-print-directory -s -f $(TGB_MK) qemu-golden BOARD=$${v%/*} FLOAT=$${v#*/} KERNELS=$(KERNELS) $(if $(SHARED),SHARED=$(SHARED)); \
	done

# The opt kernel set on the same two boards (DSP assembly/ACLE on the M4F, the portable C
# path on the M3) and on the Cortex-M55 (hard: the matrix multiply's MVE inner products):
# its unit tests (fast paths against the reference kernels, path choice) and the golden
# conformance.
# Part of CI once engine/kernels/opt holds sources.
boards-test-opt:
	@set -e; for v in mps2-an386/hard mps2-an385/soft mps3-an547/hard; do \
	  for t in test_opt_kernels test_opt_paths; do \
	    elf=$(TGB_FW)/build/$${v%/*}-$${v#*/}-opt/test/$$t.elf; \
	    $(MAKE) --no-print-directory -s -f $(TGB_MK) BOARD=$${v%/*} FLOAT=$${v#*/} KERNELS=opt $$elf; \
	    bash $(TGB_QEMU_EXEC) $${v%/*} $$elf > $${elf%.elf}.log 2>&1 \
	      || { cat $${elf%.elf}.log; echo "$${v}: $$t FAILED"; exit 1; }; \
	    echo "$${v} opt: $$(tail -n 1 $${elf%.elf}.log)"; \
	  done; \
	  TG_GOLDEN_SAMPLES=$${TG_GOLDEN_SAMPLES:-$(TGB_CI_SAMPLES)} \
	    $(MAKE) --no-print-directory -s -f $(TGB_MK) qemu-golden BOARD=$${v%/*} FLOAT=$${v#*/} KERNELS=opt $(if $(SHARED),SHARED=$(SHARED)); \
	done

boards-clean:
	rm -rf $(foreach b,$(TGB_BOARDS),$(TGB_FW)/build/$(b)-*)

# firmware/Makefile's `make test` runs the targets listed here after the host checks.
BOARD_TEST_TARGETS += boards-test $(if $(wildcard $(TGB_FW)/engine/kernels/opt/*.c),boards-test-opt)

# The serial-protocol firmware (tg_agent.elf, the host virtual board, their tests): adds
# proto-test to BOARD_TEST_TARGETS.
include $(TGB_FW)/protocol/protocol.mk

# On its own: `make -f firmware/boards.mk` runs the self-test. Included after other
# targets: keep the includer's default goal; included first: let its next target become it.
ifeq ($(firstword $(MAKEFILE_LIST)),$(TGB_MK))
.DEFAULT_GOAL := selftest
else
.DEFAULT_GOAL := $(TGB_SAVED_GOAL)
endif

-include $(shell find $(TGB_BUILD)/obj -name '*.d' 2>/dev/null)
