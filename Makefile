# SPDX-License-Identifier: GPL-2.0
#
# flowswitch top-level build.
#
#   make              the module (against KDIR) and all userspace
#   make run          boot a guest with the NVMe pair, load the module,
#                     print what /dev/flowswitch reports
#   make install      tools, libraries, headers, pkg-config, man pages and
#                     the module's DKMS source (DESTDIR, PREFIX)
#   make check        every test: unit (plain and ASan/UBSan), language
#                     goldens, guests on the stock and the debug kernel
#
# Variables: KDIR (kernel build dir, default scripts/kdir.sh), BUILD (userspace
# output dir, default build), SAN=1 (build userspace with ASan+UBSan into
# $(BUILD)/san), SAN=thread (ThreadSanitizer into $(BUILD)/tsan, for the
# embedded engine's threads), V=1 (show commands), BPF=0|1 (flowctl top's
# BPF program; default: when clang and bpftool are there).

KDIR ?= $(shell scripts/kdir.sh)
BUILD ?= build

PKG_DEPS := libbpf libnl-3.0 libnl-genl-3.0 liburing cmocka json-c liblz4 libzstd zlib
# Goals that install the packages first (or need none) skip the check.
ifneq ($(if $(MAKECMDGOALS),$(filter-out run check deps clean check-vm,$(MAKECMDGOALS)),all),)
PKG_MISSING := $(strip $(foreach p,$(PKG_DEPS),$(if $(shell pkg-config --exists $(p) && echo y),,$(p))))
ifneq ($(PKG_MISSING),)
$(error missing libraries: $(PKG_MISSING); run scripts/install-deps.sh)
endif
endif

ifeq ($(SAN),1)
OUT := $(BUILD)/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
else ifeq ($(SAN),thread)
# The embedded engine's threads (tests/unit/test_engine_uring).
OUT := $(BUILD)/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
else
OUT := $(BUILD)/default
SANFLAGS :=
endif

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	  -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
	  -D_GNU_SOURCE -Iinclude/uapi -Ilib $(SANFLAGS)
LDFLAGS += $(SANFLAGS)

pc_cflags = $(shell pkg-config --cflags $(1))
pc_libs = $(shell pkg-config --libs $(1))

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Every fragment appends its binaries to these.
BINS :=		# installed tools
UNIT_TESTS :=	# cmocka programs, run by tests/run-unit.sh
GUEST_TESTS :=	# programs copied into the guest, run by its /init

# Keep objects that only pattern rules name.
.SECONDARY:

.PHONY: all kmod userspace guest run check check-unit check-vm clean deps print-unit-tests
all: kmod userspace

deps:
	@scripts/install-deps.sh

kmod:
	$(Q)$(MAKE) -C kmod KDIR=$(KDIR)

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CFLAGS_$(notdir $(basename $<))) -MMD -MP -c -o $@ $<

include lib/lib.mk
-include lang/lang.mk
include daemon/daemon.mk
include tests/unit/unit.mk
include tests/guest/guest.mk
include tests/bench/bench.mk
include packaging/install.mk

userspace: $(BINS) $(ENGINE_LIB) $(UNIT_TESTS) $(GUEST_TESTS) $(BENCH_BINS) \
	   $(EXAMPLE_COPY)

# What the test guest carries.
guest: $(BINS) $(GUEST_TESTS) $(BENCH_BINS) $(EXAMPLE_COPY)

run: deps
	$(Q)tests/vm/run.sh --show stock

check: deps
	$(Q)BUILD=$(BUILD) tests/run-all.sh

print-unit-tests:
	@echo $(UNIT_TESTS)

check-unit: $(UNIT_TESTS)
	$(Q)tests/run-unit.sh $(UNIT_TESTS)

check-vm:
	$(Q)tests/vm/run.sh stock debug

clean:
	$(Q)$(MAKE) -C kmod clean KDIR=$(KDIR) >/dev/null 2>&1 || true
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
