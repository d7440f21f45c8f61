# flowctl (and, with the flowd issue, flowd).
FLOWCTL := $(OUT)/flowctl
FLOWCTL_OBJS := $(OUT)/daemon/flowctl.o $(OUT)/daemon/flowctl-flow.o \
		$(OUT)/daemon/flowctl-apply.o

$(FLOWCTL): $(FLOWCTL_OBJS) $(FLOWCTL_LANG_OBJS) $(LANG_LIB) $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

BINS += $(FLOWCTL)
