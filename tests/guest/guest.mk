# Programs that run inside the test guest (see tests/vm/init).
GUEST_TEST_NAMES := t-node t-info t-ioctl t-perm t-rmmod-busy \
	t-flow-copy t-flow-neg t-flow-ctl t-flow-many t-flow-close t-flow-ioerr \
	t-p2p t-p2p-topo t-apply t-netlink t-hotunplug t-hotunplug-qmp t-integrity t-engine t-engine-xform t-engine-records t-engine-sock t-topo t-top t-example \
	t-flowd t-flowd-examples t-failnth t-fuzz-ioctl t-xform \
	t-flow-ratestop t-socket t-aead t-compress t-nvmeof t-engine-class
GUEST_TESTS := $(addprefix $(OUT)/tests/guest/,$(GUEST_TEST_NAMES))

# Tests of the netlink family link its client library and libnl.
$(OUT)/tests/guest/t-netlink: $(OUT)/tests/guest/t-netlink.o $(LIBFSW_NL) \
			      $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBFSW_NL_LIBS)

# Both engines of daemon/engine.h, side by side.
$(OUT)/tests/guest/t-engine: $(OUT)/tests/guest/t-engine.o $(ENGINE_LIB) \
			     $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

# The same, with transform stages; and flowd -E uring.
CFLAGS_t-engine-xform := $(call pc_cflags,json-c)
$(OUT)/tests/guest/t-engine-xform: $(OUT)/tests/guest/t-engine-xform.o \
				   $(ENGINE_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS) $(call pc_libs,json-c)

# AEAD records and compressed frames on both engines.
$(OUT)/tests/guest/t-engine-records: $(OUT)/tests/guest/t-engine-records.o \
				     $(ENGINE_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

# Socket ports between the two engines.
$(OUT)/tests/guest/t-engine-sock: $(OUT)/tests/guest/t-engine-sock.o \
				  $(ENGINE_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ENGINE_LDLIBS)

# flowctl topo's and top's JSON is read with json-c, and flowd's socket.
CFLAGS_t-topo := $(call pc_cflags,json-c)
CFLAGS_t-top := $(call pc_cflags,json-c)
CFLAGS_t-flowd := $(call pc_cflags,json-c)
CFLAGS_t-flowd-examples := $(call pc_cflags,json-c)
CFLAGS_t-engine-class := $(call pc_cflags,json-c)
$(OUT)/tests/guest/t-topo $(OUT)/tests/guest/t-top $(OUT)/tests/guest/t-flowd \
$(OUT)/tests/guest/t-flowd-examples $(OUT)/tests/guest/t-engine-class: \
		$(OUT)/tests/guest/%: $(OUT)/tests/guest/%.o $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,json-c)

$(OUT)/tests/guest/%: $(OUT)/tests/guest/%.o $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lpthread
