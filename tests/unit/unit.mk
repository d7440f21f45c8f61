# cmocka unit tests: one program per concern, run by tests/run-unit.sh.
UNIT_TESTS += $(OUT)/tests/unit/test_lib

$(OUT)/tests/unit/test_lib: $(OUT)/tests/unit/test_lib.o $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,cmocka)
