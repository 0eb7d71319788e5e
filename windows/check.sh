#!/bin/sh
# The Windows checks `make -C windows check` runs after building everything with -Werror.
# Nothing here runs the driver (no Windows on these machines); it checks what can be checked.
# usage: check.sh OUTDIR "KERNEL-CC-AND-FLAGS" "DRIVER-SOURCES"
set -u
out=$1
kcc=$2
srcs=$3
pass=0
fail=0

check() { # name, then a command that must succeed
	name=$1
	shift
	if "$@" >"$out/check.log" 2>&1; then
		pass=$((pass + 1))
		echo "  ok   $name"
	else
		fail=$((fail + 1))
		echo "  FAIL $name"
		sed 's/^/       /' "$out/check.log" | head -n 20
	fi
}

analyze() {
	for s in $srcs; do
		# shellcheck disable=SC2086
		$kcc --analyze -Xanalyzer -analyzer-output=text -o /dev/null "$s" 2>&1 || return 1
	done | grep -E 'warning|error' && return 1
	return 0
}

entry_rva() {
	base=$(x86_64-w64-mingw32-objdump -p "$out/kumem.sys" | awk '/^ImageBase/ {print $2}')
	addr=$(x86_64-w64-mingw32-nm "$out/kumem.sys" | awk '$3 == "DriverEntry" {print $1}')
	[ -n "$base" ] && [ -n "$addr" ] || return 1
	printf '%x\n' $((0x$addr - 0x$base))
}

pe_rejects_user_exe() {
	# negative control: a console program must fail every driver rule pecheck knows
	! "$out/pecheck" "$out/x64/kumem-tests.exe" --subsystem 1 --imports ntoskrnl.exe,hal.dll
}

is_i386() {
	x86_64-w64-mingw32-objdump -f "$out/x86/kumem-tests.exe" | grep -q 'pei-i386'
}

echo "windows: checks of build/windows (built, not run: no Windows here)"
check "kumem.sys built with -Wall -Wextra -Werror" test -s "$out/kumem.sys"
check "clang static analyzer finds nothing in the driver" analyze
check "subsystem is native (1)" "$out/pecheck" "$out/kumem.sys" --subsystem 1
rva=$(entry_rva)
check "entry point is DriverEntry (RVA 0x${rva:-?})" "$out/pecheck" "$out/kumem.sys" --entry-rva "${rva:-0}"
check "DYNAMIC_BASE and NX_COMPAT set" "$out/pecheck" "$out/kumem.sys" --chars 0x140
check "imports only ntoskrnl.exe and HAL.dll" "$out/pecheck" "$out/kumem.sys" \
	--imports ntoskrnl.exe,hal.dll
check "pecheck rejects a user-mode program (it can fail)" pe_rejects_user_exe
check "kumem-tests.exe (x64) built from tests/guest/t_api.c" test -s "$out/x64/kumem-tests.exe"
check "kumem-tests.exe (x86, for WOW64) is an i386 image" is_i386
check "kumem.exe (x64 and x86) built from tools/" test -s "$out/x64/kumem.exe" -a -s "$out/x86/kumem.exe"
rm -f "$out/check.log"
echo "windows: $pass passed, $fail failed"
[ "$fail" = 0 ]
