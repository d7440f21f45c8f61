# flowctl (and, with the flowd issue, flowd).
# The engines behind daemon/engine.h: the module's (/dev/flowswitch) and
# the embedded io_uring one.  Programs that drive flows (flowd, flowctl)
# link $(ENGINE_LIB) and add $(ENGINE_LDLIBS) to their link line.
ENGINE_LIB := $(OUT)/daemon/libfswengine.a
ENGINE_OBJS := $(OUT)/daemon/engine-kernel.o $(OUT)/daemon/engine-uring.o \
	       $(OUT)/daemon/engine-uring-port.o \
	       $(OUT)/daemon/engine-uring-event.o \
	       $(OUT)/daemon/engine-uring-flow.o
ENGINE_LDLIBS := $(call pc_libs,liburing) -pthread

$(ENGINE_LIB): $(ENGINE_OBJS)
	$(Q)$(AR) rcs $@ $^

CFLAGS_engine-uring := $(call pc_cflags,liburing)
CFLAGS_engine-uring-flow := $(call pc_cflags,liburing)
CFLAGS_engine-uring-port := $(call pc_cflags,liburing)
CFLAGS_engine-uring-event := $(call pc_cflags,liburing)

FLOWCTL := $(OUT)/flowctl
FLOWCTL_OBJS := $(OUT)/daemon/flowctl.o $(OUT)/daemon/flowctl-flow.o \
		$(OUT)/daemon/flowctl-apply.o $(OUT)/daemon/flowctl-nl.o \
		$(OUT)/daemon/flowctl-topo.o
CFLAGS_flowctl-nl := $(call pc_cflags,json-c)
CFLAGS_flowctl-topo := $(call pc_cflags,json-c)

$(FLOWCTL): $(FLOWCTL_OBJS) $(FLOWCTL_LANG_OBJS) $(LANG_LIB) $(ENGINE_LIB) \
	    $(LIBFSW) $(LIBFSW_NL)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBFSW_NL_LIBS) $(call pc_libs,json-c) \
		$(ENGINE_LDLIBS)

BINS += $(FLOWCTL)
