# kumem top-level build.
#
#   make            library, CLI and kernel module
#   make demo       `kumem demo` inside the QEMU guest (the main job)
#   make test       every test: host unit tests, guest tests, Windows build checks
#   make unit-test | guest-test | guest-test-rt | windows-check | bench | format | clean
#
# KDIR= picks another kernel build tree (KUMEM_FLAVOUR=rt: Debian's PREEMPT_RT one);
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
	    $(CORE_SRC)
TOOL_SRC := $(wildcard tools/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
GUEST_SRC := $(wildcard tests/guest/t_*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/host/%.o)
LIB_A   := $(BUILD)/host/libkumem.a
KUMEM   := $(BUILD)/kumem

# Static copies for the guest's busybox initramfs (no shared libraries there).
GLIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/guest/obj/%.o)
GLIB_A   := $(BUILD)/guest/libkumem.a
GUEST_BINS := $(GUEST_SRC:tests/guest/%.c=$(BUILD)/guest/tests/%)
GUEST_KUMEM := $(BUILD)/guest/bin/kumem

UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

KDIR ?= $(shell sh scripts/find-kdir 2>/dev/null)
MODULE := linux/kumem.ko

.PHONY: all deps lib cli module format unit-test unit-tsan guest-test guest-test-rt demo test windows windows-check windows-run winmodel bench \
	clean guest-bins

all: lib cli module

deps:
	@sh scripts/install-deps

lib: $(LIB_A)
cli: $(KUMEM)

$(BUILD)/host/%.o: %.c $(wildcard include/kumem/*.h core/*.h lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(KUMEM): $(TOOL_SRC) $(LIB_A) $(wildcard tools/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itools $(TOOL_SRC) $(LIB_A) -luring -lpthread -lm -o $@

module:
	@test -n "$(KDIR)" || { echo "no kernel build tree: run 'make deps' or set KDIR=" >&2; exit 1; }
	$(MAKE) -C linux KDIR=$(KDIR)

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

unit-test: deps $(UNIT_BINS) $(TSAN_BINS)
	@sh scripts/run-unit $(UNIT_BINS) $(TSAN_BINS)

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

guest-test: deps module guest-bins
	@bash scripts/guest-run --test

demo: deps module guest-bins
	@bash scripts/guest-run --demo

bench: deps module guest-bins
	@bash scripts/guest-run --bench

# ---- Windows (built and inspected here; cannot run here) ---------------------------------

windows windows-check: deps
	@if [ -f windows/Makefile ]; then $(MAKE) -C windows check; \
	else echo "windows: not in this tree yet"; fi

# The driver loaded as a kernel service under Wine, every IOCTL checked (windows/wine/).
windows-run: deps
	$(MAKE) -C windows/wine run

# The driver against a strict model of the Windows kernel API (tests/winmodel/).
include tests/winmodel/Makefile.inc
winmodel: deps $(WM_BIN)
	@$(WM_BIN)

# ---- everything ----------------------------------------------------------------------------

# The same guest tests on Debian's PREEMPT_RT kernel (spinlocks sleep there, timing differs).
guest-test-rt: deps
	KUMEM_FLAVOUR=rt $(MAKE) guest-test

test: deps
	$(MAKE) unit-test
	$(MAKE) windows-check
	$(MAKE) windows-run
	$(MAKE) winmodel
	$(MAKE) guest-test-rt
	$(MAKE) guest-test

# clang-format every C file the project owns (.clang-format: kernel style)
format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C linux KDIR=$(KDIR) clean >/dev/null 2>&1
	-@[ -f windows/Makefile ] && $(MAKE) -C windows clean
