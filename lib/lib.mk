# libflowswitch: the client library (static for now; a shared build with
# a pkg-config file comes with packaging).
LIBFSW := $(OUT)/lib/libflowswitch.a
LIBFSW_OBJS := $(OUT)/lib/flowswitch.o

$(LIBFSW): $(LIBFSW_OBJS)
	$(Q)$(AR) rcs $@ $^
