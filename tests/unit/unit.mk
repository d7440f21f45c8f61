# cmocka unit tests: one program per concern, run by tests/run-unit.sh.
UNIT_TESTS += $(OUT)/tests/unit/test_lib

$(OUT)/tests/unit/test_lib: $(OUT)/tests/unit/test_lib.o $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,cmocka)

# The embedded io_uring engine, on this host's files.
UNIT_TESTS += $(OUT)/tests/unit/test_engine_uring

$(OUT)/tests/unit/test_engine_uring: $(OUT)/tests/unit/test_engine_uring.o \
				     $(ENGINE_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS) $(call pc_libs,cmocka)
CFLAGS_test_engine_uring := -Idaemon

# flowd's logic: admission, diffs, handlers, and apply/re-apply/retry
# through a fake engine behind daemon/engine.h.
UNIT_TESTS += $(OUT)/tests/unit/test_flowd

$(OUT)/tests/unit/test_flowd: $(OUT)/tests/unit/test_flowd.o \
			      $(OUT)/daemon/flowd-core.o $(OUT)/daemon/apply.o \
			      $(FLOWD_LOGIC_OBJS) $(LANG_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,json-c) $(call pc_libs,cmocka)
CFLAGS_test_flowd := -Idaemon $(call pc_cflags,json-c)

# The embedded engine's transform stages: checks, IVs, /proc/crypto and
# keys (the AF_ALG half runs in the guest, tests/guest/t-engine-xform.c).
UNIT_TESTS += $(OUT)/tests/unit/test_engine_xform

$(OUT)/tests/unit/test_engine_xform: $(OUT)/tests/unit/test_engine_xform.o \
				     $(ENGINE_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS) $(call pc_libs,cmocka)
CFLAGS_test_engine_xform := -Idaemon
