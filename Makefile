# SPDX-License-Identifier: MIT
# kumem top-level build.
#
#   make            library, CLI and kernel module (for the first kernel of kernels.conf)
#   make demo       `kumem demo` inside the QEMU guest (the main job)
#   make test       every test: host unit tests, Windows checks, the guest suite on every
#                   kernel of the matrix (KERNELS="6.1 7.2" for a subset)
#   make test-repeat N=5   the guest suite N times per kernel, failures counted per test
#   make test-debug the guest suite on the KASAN + lockdep + kmemleak debug kernel
#   make unit-test | guest-test | guest-test-rt | windows-check | bench | bench-check | format
#   make clean
#   make fuzz [FUZZ_SECONDS=60]   libFuzzer over core/ (a short run is part of unit-test)
#   make fuzz-guest SECONDS=600   the guest fuzzer for that long (docs/testing.md)
#
# The guest kernels come from Debian's archive into a cache (scripts/kernel-cache,
# kernels.conf); nothing is installed into the host's /boot. KERNEL= picks the kernel of
# `make module`, `make demo` and `make bench`; KDIR= builds linux/ in place against another
# kernel tree instead (e.g. the running kernel's, /lib/modules/$(uname -r)/build).
# KUMEM_ACCEL=kvm opts in to KVM for the guest.

MAKEFLAGS += --no-print-directory

BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS_LIB := -Iinclude -Ilib -D_GNU_SOURCE
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(CPPFLAGS_LIB)

# Portable core: compiled into the module, the Windows driver, libkumem and the host tests.
CORE_SRC := core/mdl.c core/validate.c core/checksum.c core/ring.c core/ring_ops.c \
	    core/evring.c
LIB_SRC  := lib/kumem.c lib/kumem_sys_linux.c lib/kumem_rings.c lib/kumem_events_linux.c \
	    lib/kumem_rw.c \
	    $(CORE_SRC)
TOOL_SRC := $(wildcard tools/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
GUEST_SRC := $(wildcard tests/guest/t_*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/host/%.o)
LIB_A   := $(BUILD)/host/libkumem.a
LIB_SONAME := libkumem.so.1
LIB_SO  := $(BUILD)/host/$(LIB_SONAME)
LIB_PC  := $(BUILD)/host/kumem.pc
KUMEM   := $(BUILD)/kumem

# Static copies for the guest's busybox initramfs (no shared libraries there).
GLIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/guest/obj/%.o)
GLIB_A   := $(BUILD)/guest/libkumem.a
GUEST_BINS := $(GUEST_SRC:tests/guest/%.c=$(BUILD)/guest/tests/%)
GUEST_KUMEM := $(BUILD)/guest/bin/kumem

UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

KERNEL ?= $(firstword $(shell scripts/kernel-cache names))
N ?= 5

.PHONY: all deps lib cli module format unit-test unit-tsan guest-test guest-test-rt demo test windows windows-check bench \
	clean guest-bins test-repeat test-debug install uninstall install-check check-style \
	modules_install dkms-tree dkms-install install-system uninstall-system guest-packaging \
	fuzz fuzz-bins fuzz-guest windows-run winmodel

all: lib cli module

deps:
	@sh scripts/install-deps

lib: $(LIB_A) $(LIB_SO)
cli: $(KUMEM)

# -fvisibility=hidden + lib/kumem_export.h: only what kumem.h declares leaves libkumem.so.1.
$(BUILD)/host/%.o: %.c $(wildcard include/kumem/*.h core/*.h lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -include lib/kumem_export.h -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(KUMEM): $(TOOL_SRC) $(LIB_A) $(wildcard tools/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itools $(TOOL_SRC) $(LIB_A) -luring -lpthread -lm -o $@

# With KDIR=, in place in linux/; otherwise into build/kmod/$(KERNEL)/linux/ against the cache.
module:
ifdef KDIR
	$(MAKE) -C linux KDIR=$(KDIR)
else
	@scripts/kernel-cache build-module $(KERNEL) $(BUILD)/kmod/$(KERNEL)
endif

# ---- install (see docs/install.md) -----------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=] [LIBDIR=] [INCLUDEDIR=] [BINDIR=] [MANDIR=]
# installs libkumem.so.1 (+ the libkumem.so link), libkumem.a, include/kumem/*.h, kumem.pc,
# the kumem CLI and the man pages; make uninstall removes exactly those.

KUMEM_RELEASE := $(shell sed -n 's/^\#define KUMEM_VERSION_STRING "\(.*\)"/\1/p' \
		   include/kumem/kumem_version.h)

PREFIX	   ?= /usr/local
BINDIR	   ?= $(PREFIX)/bin
LIBDIR	   ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR	   ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL	   ?= install

PUBLIC_H   := include/kumem/kumem.h include/kumem/kumem_abi.h include/kumem/kumem_version.h
MAN_PAGES  := $(wildcard man/*.[137])

$(LIB_SO): $(LIB_OBJ) lib/libkumem.map
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script=lib/libkumem.map \
		-Wl,--no-undefined -Wl,-z,relro -Wl,-z,now $(CFLAGS) $(LIB_OBJ) -o $@

$(LIB_PC): lib/kumem.pc.in include/kumem/kumem_version.h Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(KUMEM_RELEASE)|' $< >$@

# The .pc holds the directories: rebuild it on every install, PREFIX may have changed.
install: lib cli
	@rm -f $(LIB_PC)
	@$(MAKE) $(LIB_PC)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/kumem
	$(INSTALL) -m 0755 $(KUMEM) $(DESTDIR)$(BINDIR)/kumem
	$(INSTALL) -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libkumem.so
	$(INSTALL) -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libkumem.a
	$(INSTALL) -m 0644 $(PUBLIC_H) $(DESTDIR)$(INCLUDEDIR)/kumem/
	$(INSTALL) -m 0644 $(LIB_PC) $(DESTDIR)$(PKGCONFIGDIR)/kumem.pc
	@for p in $(MAN_PAGES); do \
		s=$${p##*.}; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s && \
		$(INSTALL) -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then \
		ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kumem $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
	      $(DESTDIR)$(LIBDIR)/libkumem.so $(DESTDIR)$(LIBDIR)/libkumem.a \
	      $(DESTDIR)$(PKGCONFIGDIR)/kumem.pc \
	      $(addprefix $(DESTDIR)$(INCLUDEDIR)/kumem/,$(notdir $(PUBLIC_H)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/kumem 2>/dev/null
	@for p in $(MAN_PAGES); do \
		s=$${p##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; done

# ---- the driver on a real machine (docs/install.md) ------------------------------------------
# make modules_install [KDIR=/lib/modules/$(uname -r)/build] [DESTDIR=]: kumem.ko into
#   /lib/modules/<release>/extra, then depmod (unless DESTDIR)
# make dkms-tree: build/dkms/kumem-<release>/ (dkms.conf, linux/, core/, include/)
# make dkms-install: that tree into /usr/src, then `dkms install` (root)
# make install-system [DESTDIR=]: the udev rule (/dev/kumem 0660 for group kumem), the
#   modprobe.d example, the limits.d file for the group; creates the group (unless DESTDIR)
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
UDEVRULESDIR ?= /usr/lib/udev/rules.d
SYSCONFDIR   ?= /etc
DKMS_TREE    := $(BUILD)/dkms/kumem-$(KUMEM_RELEASE)

modules_install:
	$(MAKE) -C linux KDIR=$(or $(KDIR),$(RUNNING_KDIR)) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	@if [ -z "$(DESTDIR)" ]; then depmod -a; fi

dkms-tree:
	rm -rf $(DKMS_TREE)
	@mkdir -p $(DKMS_TREE)
	git ls-files linux core include | xargs -I{} cp --parents {} $(DKMS_TREE)/
	sed 's/@VERSION@/$(KUMEM_RELEASE)/' dist/dkms.conf.in >$(DKMS_TREE)/dkms.conf
	@echo "dkms tree: $(DKMS_TREE)"

dkms-install: dkms-tree
	rm -rf /usr/src/kumem-$(KUMEM_RELEASE)
	cp -r $(DKMS_TREE) /usr/src/
	dkms install kumem/$(KUMEM_RELEASE)

install-system:
	$(INSTALL) -D -m 0644 dist/60-kumem.rules $(DESTDIR)$(UDEVRULESDIR)/60-kumem.rules
	@test -e $(DESTDIR)$(SYSCONFDIR)/modprobe.d/kumem.conf || \
		$(INSTALL) -D -m 0644 dist/kumem.modprobe.conf $(DESTDIR)$(SYSCONFDIR)/modprobe.d/kumem.conf
	@test -e $(DESTDIR)$(SYSCONFDIR)/security/limits.d/kumem.conf || \
		$(INSTALL) -D -m 0644 dist/kumem.limits.conf \
			$(DESTDIR)$(SYSCONFDIR)/security/limits.d/kumem.conf
	@if [ -z "$(DESTDIR)" ]; then \
		getent group kumem >/dev/null || groupadd --system kumem; \
		udevadm control --reload 2>/dev/null; \
		udevadm trigger --subsystem-match=misc --sysname-match=kumem 2>/dev/null; true; fi

uninstall-system:
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-kumem.rules $(DESTDIR)$(SYSCONFDIR)/modprobe.d/kumem.conf \
	      $(DESTDIR)$(SYSCONFDIR)/security/limits.d/kumem.conf

# The install flow in the guest: DKMS against the guest kernel's headers, the examples linked
# dynamically against the installed libkumem.so.1, the udev rule applied by a real udevd.
guest-packaging: lib cli guest-bins
	@sh scripts/install-deps build guest install packaging
	@bash scripts/guest-packaging

# Install into a scratch DESTDIR and use it as an outside program would: pkg-config, the
# headers as C99/C11/C++17, the exported symbols, the examples, the man pages.
install-check: lib cli module
	@sh scripts/install-deps install
	@KUMEM_KO=$(if $(KDIR),linux/kumem.ko,$(BUILD)/kmod/$(KERNEL)/linux/kumem.ko) \
		bash scripts/install-check

# checkpatch (--no-tree) and sparse (C=2) on the module, shellcheck on the scripts; clean.
# Not in `make test`: the first run fetches checkpatch.pl from a 139 MB linux-source package.
check-style:
	@sh scripts/install-deps style
	@bash scripts/check-style

# ---- host unit tests (cmocka, AddressSanitizer + UBSan) -----------------------------------

$(BUILD)/unit/%: tests/unit/%.c $(CORE_SRC) $(wildcard core/*.h include/kumem/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O1 -g $(SAN) $(CPPFLAGS_LIB) -Icore $< $(CORE_SRC) -lcmocka \
		-lpthread -o $@

# The ring core's two-thread test again under ThreadSanitizer (TSan and ASan do not mix).
TSAN_BINS := $(BUILD)/unit-tsan/test_ring_threads $(BUILD)/unit-tsan/test_evring
$(BUILD)/unit-tsan/%: tests/unit/%.c $(CORE_SRC) $(wildcard core/*.h include/kumem/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O1 -g -fsanitize=thread $(CPPFLAGS_LIB) -Icore $< $(CORE_SRC) \
		-lcmocka -lpthread -o $@

unit-tsan: $(TSAN_BINS)

# libkumem's own code under the same sanitizers (the other unit tests link core/ only).
$(BUILD)/unit/test_lib: tests/unit/test_lib.c $(LIB_SRC) $(wildcard core/*.h include/kumem/*.h lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O1 -g $(SAN) $(CPPFLAGS_LIB) $< $(LIB_SRC) -lcmocka -lpthread -o $@

unit-test: deps $(UNIT_BINS) $(TSAN_BINS) fuzz-bins
	@sh scripts/run-unit $(UNIT_BINS) $(TSAN_BINS)
	@$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SHORT_SECONDS)

# ---- libFuzzer over core/ (clang; ASan + UBSan) -------------------------------------------
# make fuzz [FUZZ_SECONDS=60]: each target replays its committed corpus (tests/fuzz/corpus/),
# then mutates for FUZZ_SECONDS; new inputs go to build/fuzz/new-<target>/ (copy the useful
# ones into the corpus). `make unit-test` runs it for FUZZ_SHORT_SECONDS each.
FUZZ_TARGETS := validate ring evring
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZ_SHORT_SECONDS ?= 5
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_input.h $(CORE_SRC) $(wildcard core/*.h include/kumem/*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(CPPFLAGS_LIB) -Icore $< $(CORE_SRC) -o $@

fuzz-bins: $(FUZZ_BINS)

fuzz: deps fuzz-bins
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/new-$$t; \
		$(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(BUILD)/fuzz/new-$$t tests/fuzz/corpus/$$t >$(BUILD)/fuzz/$$t.log 2>&1 || \
			{ tail -n 30 $(BUILD)/fuzz/$$t.log; echo "fuzz: $$t FAILED (log: $(BUILD)/fuzz/$$t.log)"; exit 1; }; \
		echo "fuzz: $$t ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' $(BUILD)/fuzz/$$t.log) runs in $(FUZZ_SECONDS) s"; \
	done

# ---- guest (QEMU) --------------------------------------------------------------------------

$(BUILD)/guest/obj/%.o: %.c $(wildcard include/kumem/*.h core/*.h lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(GLIB_A): $(GLIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/guest/tests/%: tests/guest/%.c $(GLIB_A) $(wildcard tests/guest/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/guest -static $< $(GLIB_A) -luring -lpthread -o $@

$(GUEST_KUMEM): $(TOOL_SRC) $(GLIB_A) $(wildcard tools/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itools -static $(TOOL_SRC) $(GLIB_A) -luring -lpthread -lm -o $@

guest-bins: $(GUEST_BINS) $(GUEST_KUMEM)

# One line per kernel and a total; KERNELS= for a subset.
guest-test: deps guest-bins
	@bash scripts/guest-matrix

# The guest fuzzer (tests/guest/t_fuzz.c) alone for SECONDS on KERNEL (the suite runs it for
# 8 s): make fuzz-guest SECONDS=600 [FUZZ_SEED=n] [KERNEL=debug].
SECONDS ?= 300
FUZZ_SEED ?= $(shell date +%s)
fuzz-guest: deps guest-bins
	@rm -rf $(BUILD)/fuzz-guest && mkdir -p $(BUILD)/fuzz-guest/extra $(BUILD)/fuzz-guest/overlay/fuzz
	@cp $(BUILD)/guest/tests/t_fuzz $(BUILD)/fuzz-guest/overlay/fuzz/
	@printf '#!/bin/sh\nexec /fuzz/t_fuzz --seconds %s --seed %s --workers 4\n' $(SECONDS) \
		$(FUZZ_SEED) >$(BUILD)/fuzz-guest/extra/fuzz_long
	@chmod +x $(BUILD)/fuzz-guest/extra/fuzz_long
	@$(MAKE) module
	GUEST_EXTRA=$(BUILD)/fuzz-guest/extra GUEST_OVERLAY=$(BUILD)/fuzz-guest/overlay \
		GUEST_ONLY_EXTRA=1 GUEST_PROG_TIMEOUT=$$(($(SECONDS) + 300)) \
		GUEST_TIMEOUT=$$(($(SECONDS) + 900)) bash scripts/guest-run --test

test-repeat: deps guest-bins
	@bash scripts/guest-matrix --repeat $(N)

demo:
	@sh scripts/install-deps build guest
	@$(MAKE) module guest-bins
	@KERNEL=$(KERNEL) bash scripts/guest-run --demo

# The benchmark's machinery natively, in seconds (no driver; CSV, JSON, plots, compare).
.PHONY: bench-check
bench-check: cli
	@sh scripts/install-deps build bench
	@bash scripts/bench-check

bench:
	@sh scripts/install-deps build guest bench
	@$(MAKE) module guest-bins
	@KERNEL=$(KERNEL) bash scripts/guest-run --bench

# The debug kernel is built once per machine (kernels.debug.config; ~7 min on 2 CPUs) and
# cached like the others.
test-debug: deps guest-bins
	@sh scripts/install-deps debug
	@KERNELS=debug bash scripts/guest-matrix

# ---- Windows (built and inspected here; cannot run here) ---------------------------------

windows windows-check: deps
	@if [ -f windows/Makefile ]; then $(MAKE) -C windows check; \
	else echo "windows: not in this tree yet"; fi

# The driver loaded as a kernel service under Wine, every IOCTL checked (windows/wine/).
windows-run:
	@sh scripts/install-deps windows wine
	$(MAKE) -C windows/wine run

# The driver against a strict model of the Windows kernel API (tests/winmodel/).
include tests/winmodel/Makefile.inc
winmodel:
	@sh scripts/install-deps build
	@$(MAKE) $(WM_BIN)
	@$(WM_BIN)

# ---- everything ----------------------------------------------------------------------------

# The guest tests on Debian's PREEMPT_RT kernels only (spinlocks sleep there, timing differs).
guest-test-rt: deps guest-bins
	@KERNELS="6.1-rt 6.12-rt" bash scripts/guest-matrix

test: deps
	$(MAKE) unit-test
	$(MAKE) windows-check
	$(MAKE) windows-run
	$(MAKE) winmodel
	$(MAKE) install-check
	$(MAKE) bench-check
	$(MAKE) guest-test
	$(MAKE) guest-packaging

# clang-format every C file the project owns (.clang-format: kernel style)
format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
	rm -f linux/*.o linux/*.ko linux/*.mod* linux/.*.cmd linux/example/*.o linux/example/*.ko \
		linux/example/*.mod* linux/example/.*.cmd linux/modules.order linux/Module.symvers \
		core/*.o core/.*.cmd
	-@[ -f windows/Makefile ] && $(MAKE) -C windows clean
