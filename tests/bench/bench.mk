# Benchmarks: built with the guest programs, run by tests/bench/run.sh.
BENCH_BINS := $(OUT)/tests/bench/uring-copy $(OUT)/tests/bench/ioctl-cost \
	      $(OUT)/tests/bench/timeit $(OUT)/tests/bench/xform-bench \
	      $(OUT)/tests/bench/sock-bench

$(OUT)/tests/bench/uring-copy: $(OUT)/tests/bench/uring-copy.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,liburing)

$(OUT)/tests/bench/ioctl-cost: $(OUT)/tests/bench/ioctl-cost.o $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(OUT)/tests/bench/timeit: $(OUT)/tests/bench/timeit.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(OUT)/tests/bench/xform-bench: $(OUT)/tests/bench/xform-bench.o $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(OUT)/tests/bench/sock-bench: $(OUT)/tests/bench/sock-bench.o $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lpthread
