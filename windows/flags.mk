# The driver's compiler, flags, link and objects: kumem.sys (Makefile) and its Wine variant
# (wine/Makefile) use the same.
DDK   := /usr/x86_64-w64-mingw32/include/ddk

KCC    := clang --target=x86_64-w64-windows-gnu
# -fasynchronous-unwind-tables: x64 Windows needs .pdata/.xdata for every non-leaf function
# (exception dispatch, bugcheck stack walks); clang's windows-gnu target emits it by default
# only for functions with __try. The two __INTRINSIC_DEFINED_* keep the mingw DDK from
# redefining intrinsics clang already has.
KFLAGS := -std=gnu11 -fms-extensions -Wall -Wextra -Werror -Wno-pragma-pack -O2 \
	  -ffreestanding -fno-stack-protector -mno-red-zone -fno-builtin \
	  -fasynchronous-unwind-tables \
	  -D__INTRINSIC_DEFINED_InterlockedBitTestAndSet \
	  -D__INTRINSIC_DEFINED_InterlockedBitTestAndReset \
	  -DPOOL_TAGGING=1 -D_WIN64 -DNTDDI_VERSION=0x06020000 \
	  -I$(DDK) -I$(TOP)/windows -I$(TOP)/include
# --exclude-all-symbols: nothing is exported but what a .def file names (-shared would export
# every global): kumem.sys links kumem.def, its kernel API (kapi.c).
KLD_BASE := x86_64-w64-mingw32-gcc -shared -nostdlib -Wl,--subsystem,native \
	  -Wl,--dynamicbase -Wl,--nxcompat -Wl,--high-entropy-va -Wl,--exclude-all-symbols
KLD    := $(KLD_BASE) -Wl,--entry,DriverEntry
DRV_SRC := driver.c region.c ops.c rings.c irp_wait.c quota.c rw.c chain.c kapi.c events.c ../core/mdl.c ../core/validate.c ../core/checksum.c \
	   ../core/ring.c ../core/ring_ops.c ../core/evring.c
DRV_OBJ := $(patsubst %.c,$(OUT)/drv/%.o,$(notdir $(DRV_SRC)))

UFLAGS  := -std=gnu11 -O2 -Wall -Wextra -Werror -D__USE_MINGW_ANSI_STDIO=1 -I$(TOP)/include -I$(TOP)/lib
