# libflowswitch: the client library (static for now; a shared build with
# a pkg-config file comes with packaging).
LIBFSW := $(OUT)/lib/libflowswitch.a
LIBFSW_OBJS := $(OUT)/lib/flowswitch.o

$(LIBFSW): $(LIBFSW_OBJS)
	$(Q)$(AR) rcs $@ $^

# libflowswitch-nl: the generic netlink family on libnl-3, apart so that
# programs using only the ioctls do not link libnl.
LIBFSW_NL := $(OUT)/lib/libflowswitch-nl.a
LIBFSW_NL_OBJS := $(OUT)/lib/flowswitch-nl.o
LIBFSW_NL_LIBS := $(call pc_libs,libnl-genl-3.0 libnl-3.0)
CFLAGS_flowswitch-nl := $(call pc_cflags,libnl-genl-3.0 libnl-3.0)

$(LIBFSW_NL): $(LIBFSW_NL_OBJS)
	$(Q)$(AR) rcs $@ $^
