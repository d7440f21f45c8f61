# SPDX-License-Identifier: GPL-2.0
#
# libflowlang (the .flow compiler), its unit tests and its fuzz target.
# A fragment of the top-level non-recursive make: objects come from the
# top's $(OUT)/%.o rule.

LANG_SRCS := ctx.c diag.c json.c lexer.c units.c parser.c expr.c eval.c check.c handlers.c \
	     flows.c plan.c explain.c dot.c txn.c
LANG_OBJS := $(addprefix $(OUT)/lang/,$(LANG_SRCS:.c=.o))
LANG_LIB := $(OUT)/lang/libflowlang.a
FLOWCTL_LANG_OBJS := $(OUT)/daemon/flowctl-lang.o

CFLAGS += -Ilang/include

$(LANG_LIB): $(LANG_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

# Unit tests reach into the internals (lexer, units), hence -Ilang.
LANG_UNIT := lexer units parser check plan txn
LANG_UNIT_BINS := $(addprefix $(OUT)/tests/unit/test_lang_,$(LANG_UNIT))
UNIT_TESTS += $(LANG_UNIT_BINS)

CFLAGS_test_lang_lexer := -Ilang
CFLAGS_test_lang_units := -Ilang
CFLAGS_test_lang_parser := -Ilang
CFLAGS_test_lang_check := -Ilang
CFLAGS_test_lang_plan := -Ilang

$(OUT)/tests/unit/test_lang_%: $(OUT)/tests/unit/test_lang_%.o $(LANG_LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,cmocka)

.PHONY: lang check-lang fuzz-lang
lang: $(LANG_LIB) $(LANG_UNIT_BINS)

check-lang: $(LANG_UNIT_BINS) $(OUT)/flowctl
	$(Q)tests/run-unit.sh --label lang-unit $(LANG_UNIT_BINS)
	$(Q)tests/lang/run.sh $(OUT)/flowctl

# libFuzzer needs clang; not part of 'all'.  tests/fuzz/run.sh runs the CI
# campaign; by hand:
#   $(BUILD)/fuzz/fuzz_lang -max_total_time=60 tests/fuzz/corpus
# ASan + UBSan everywhere.  The renderers (diagnostics as text and JSON,
# explain, dot) and the strbuf/arena code get no comparison tracing
# (trace-cmp): their compares are of bytes already parsed and guide
# nothing, yet they ran on every byte of every diagnostic's source line
# and took over half the fuzzer's time.  They keep edge coverage.
FUZZ_CC ?= clang
FUZZ_LANG := $(BUILD)/fuzz/fuzz_lang
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Ilang/include -Ilang -Iinclude/uapi \
	       -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_RENDER_SRCS := ctx.c diag.c json.c explain.c dot.c
FUZZ_OBJS := $(addprefix $(BUILD)/fuzz/lang/,$(LANG_SRCS:.c=.o))
FUZZ_RENDER_OBJS := $(addprefix $(BUILD)/fuzz/lang/,$(FUZZ_RENDER_SRCS:.c=.o))

fuzz-lang: $(FUZZ_LANG)
$(FUZZ_LANG): tests/fuzz/fuzz_lang.c $(FUZZ_OBJS)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^

$(BUILD)/fuzz/lang/%.o: lang/%.c $(wildcard lang/*.h lang/include/*.h)
	@command -v $(FUZZ_CC) >/dev/null || \
		{ echo "fuzz-lang: $(FUZZ_CC) not found"; exit 1; }
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		$(if $(filter $@,$(FUZZ_RENDER_OBJS)),-fno-sanitize-coverage=trace-cmp) \
		-c -o $@ $<
