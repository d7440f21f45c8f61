# make install: the tools, the client libraries (static and shared) with
# their headers and pkg-config files, the UAPI header, man pages, the
# systemd units and udev rules the tree has, and the module's source with
# dkms.conf under /usr/src so DKMS rebuilds it on kernel upgrades.
#
#   make install [DESTDIR=/staging] [PREFIX=/usr/local]
#
# The example of docs/custom-app.md (examples/flowswitch-copy.c) is built
# here too, for the guest (tests/guest/t-example.c); tests/install.sh
# builds it again against an installed tree.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
UNITDIR ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
DKMSSRCDIR ?= /usr/src

FSW_VERSION := $(shell sed -n 's/^\#define FLOWSWITCH_ABI_MAJOR \([0-9]*\)/\1/p' include/uapi/linux/flowswitch.h).$(shell sed -n 's/^\#define FLOWSWITCH_ABI_MINOR \([0-9]*\)/\1/p' include/uapi/linux/flowswitch.h)
SONAME_MAJOR := 1

# Shared libraries from position-independent objects of their own.
LIBFSW_SO := $(OUT)/lib/libflowswitch.so.$(SONAME_MAJOR)
LIBFSW_NL_SO := $(OUT)/lib/libflowswitch-nl.so.$(SONAME_MAJOR)

$(OUT)/lib/pic/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [PIC] $<")
	$(Q)$(CC) $(CFLAGS) $(CFLAGS_$(notdir $(basename $<))) -fPIC -MMD -MP -c -o $@ $<

$(LIBFSW_SO): $(OUT)/lib/pic/flowswitch.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,$(notdir $@) -o $@ $^

$(LIBFSW_NL_SO): $(OUT)/lib/pic/flowswitch-nl.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,$(notdir $@) -o $@ $^ \
		$(LIBFSW_NL_LIBS)

# What the tree has of these; the flowd work adds its unit and rule.
MAN_PAGES := $(wildcard daemon/*.[1-8] lang/*.[1-8] man/*.[1-8])
UNITS := $(wildcard daemon/*.service daemon/*.socket packaging/*.service)
UDEV_RULES := $(wildcard daemon/*.rules packaging/*.rules)
DKMS_SRCS := $(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h) \
	     kmod/Kbuild kmod/Makefile

# The example app, as docs/custom-app.md builds it.
EXAMPLE_COPY := $(OUT)/examples/flowswitch-copy
$(EXAMPLE_COPY): $(OUT)/examples/flowswitch-copy.o $(LIBFSW)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

.PHONY: install
install: $(BINS) $(LIBFSW) $(LIBFSW_NL) $(LIBFSW_SO) $(LIBFSW_NL_SO)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR)/linux
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(LIBFSW) $(LIBFSW_NL) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIBFSW_SO) $(LIBFSW_NL_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIBFSW_SO)) $(DESTDIR)$(LIBDIR)/libflowswitch.so
	ln -sf $(notdir $(LIBFSW_NL_SO)) $(DESTDIR)$(LIBDIR)/libflowswitch-nl.so
	install -m 644 include/uapi/linux/flowswitch.h $(DESTDIR)$(INCLUDEDIR)/linux/
	install -m 644 lib/flowswitch.h lib/flowswitch-nl.h $(DESTDIR)$(INCLUDEDIR)/
	for pc in flowswitch flowswitch-nl; do \
		sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		    -e 's|@VERSION@|$(FSW_VERSION)|' \
		    packaging/$$pc.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/flowswitch/examples
	install -m 644 examples/*.flow examples/README.md \
		$(DESTDIR)$(PREFIX)/share/flowswitch/examples/
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
	$(if $(UNITS),install -d $(DESTDIR)$(UNITDIR))
	for u in $(UNITS); do \
		sed 's|@BINDIR@|$(BINDIR)|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	$(if $(UDEV_RULES),install -d $(DESTDIR)$(UDEVRULESDIR) && \
		install -m 644 $(UDEV_RULES) $(DESTDIR)$(UDEVRULESDIR)/)
	install -d $(DESTDIR)$(DKMSSRCDIR)/flowswitch-$(FSW_VERSION)/kmod \
		$(DESTDIR)$(DKMSSRCDIR)/flowswitch-$(FSW_VERSION)/include/uapi/linux
	install -m 644 $(DKMS_SRCS) $(DESTDIR)$(DKMSSRCDIR)/flowswitch-$(FSW_VERSION)/kmod/
	install -m 644 include/uapi/linux/flowswitch.h \
		$(DESTDIR)$(DKMSSRCDIR)/flowswitch-$(FSW_VERSION)/include/uapi/linux/
	sed 's|@VERSION@|$(FSW_VERSION)|' packaging/dkms.conf \
		>$(DESTDIR)$(DKMSSRCDIR)/flowswitch-$(FSW_VERSION)/dkms.conf
