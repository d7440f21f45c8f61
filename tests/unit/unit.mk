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
			      $(FLOWD_LOGIC_OBJS) $(LANG_LIB) $(ENGINE_LIB) \
			      $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,json-c) $(ENGINE_LDLIBS) \
		$(call pc_libs,cmocka)
CFLAGS_test_flowd := -Idaemon $(call pc_cflags,json-c)

# The embedded engine's transform stages: checks, IVs, /proc/crypto and
# keys (the AF_ALG half runs in the guest, tests/guest/t-engine-xform.c).
UNIT_TESTS += $(OUT)/tests/unit/test_engine_xform

$(OUT)/tests/unit/test_engine_xform: $(OUT)/tests/unit/test_engine_xform.o \
				     $(ENGINE_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS) $(call pc_libs,cmocka)
CFLAGS_test_engine_xform := -Idaemon

# AEAD records' and frames' pure half, and compressing flows (no AF_ALG).
UNIT_TESTS += $(OUT)/tests/unit/test_engine_xrec

$(OUT)/tests/unit/test_engine_xrec: $(OUT)/tests/unit/test_engine_xrec.o \
				    $(ENGINE_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS) $(call pc_libs,cmocka)
CFLAGS_test_engine_xrec := -Idaemon

# Socket ports on the embedded engine: Unix pairs and loopback TCP.
UNIT_TESTS += $(OUT)/tests/unit/test_engine_sock

$(OUT)/tests/unit/test_engine_sock: $(OUT)/tests/unit/test_engine_sock.o \
				    $(ENGINE_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS) $(call pc_libs,cmocka)
CFLAGS_test_engine_sock := -Idaemon

# Engine classes (hw/sw) of crypto drivers, on a made-up sysfs.
UNIT_TESTS += $(OUT)/tests/unit/test_crypto_class

$(OUT)/tests/unit/test_crypto_class: $(OUT)/tests/unit/test_crypto_class.o \
				     $(OUT)/daemon/apply.o $(LANG_LIB) \
				     $(ENGINE_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS) $(call pc_libs,cmocka)
CFLAGS_test_crypto_class := -Idaemon
