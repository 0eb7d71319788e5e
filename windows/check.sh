#!/bin/sh
# SPDX-License-Identifier: MIT
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

entry_rva() { # image (default kumem.sys)
	img=${1:-$out/kumem.sys}
	base=$(x86_64-w64-mingw32-objdump -p "$img" | awk '/^ImageBase/ {print $2}')
	addr=$(x86_64-w64-mingw32-nm "$img" | awk '$3 == "DriverEntry" {print $1}')
	[ -n "$base" ] && [ -n "$addr" ] || return 1
	printf '%x\n' $((0x$addr - 0x$base))
}

# RVAs of the driver's own functions that set up a frame (push or sub rsp among their first
# instructions: every function that calls anything does, for the shadow space): each needs a
# RUNTIME_FUNCTION. Leaf functions that leave rsp and the non-volatile registers alone need
# none (x64 ABI). Only the start of each function is read: jump tables live in .text too.
nonleaf_rvas() { # image and its objects (default kumem.sys, drv/*.o)
	img=${1:-$out/kumem.sys}
	objs=${2:-$out/drv/*.o}
	base=$(x86_64-w64-mingw32-objdump -p "$img" | awk '/^ImageBase/ {print $2}')
	# shellcheck disable=SC2086
	nm --defined-only $objs | awk '$2 ~ /^[Tt]$/ && $3 !~ /^[.$]/ {print $3}' |
		sort -u >"$out/fn.txt"
	x86_64-w64-mingw32-objdump -d --no-show-raw-insn "$img" |
		awk 'NR == FNR { ours["<" $1 ">:"] = 1; next }
		     /^[0-9a-f]+ <.*>:$/ { addr = $1; name = $2; n = 0; next }
		     (name in ours) && ++n <= 8 && /\tpush|\tsub +\$0x[0-9a-f]+,%rsp/ {
			print addr; delete ours[name] }' "$out/fn.txt" - |
		while read -r a; do printf '%x,' $((0x$a - 0x$base)); done | sed 's/,$//'
	rm -f "$out/fn.txt"
}

pe_rejects_user_exe() {
	# negative control: a console program must fail every driver rule pecheck knows
	! "$out/pecheck" "$out/x64/kumem-tests.exe" --subsystem 1 --imports ntoskrnl.exe,hal.dll &&
		! "$out/pecheck" "$out/x64/kumem-tests.exe" --no-exports --relocs --checksum \
			--unwind 0 2>/dev/null || return 1
	# and a driver image with one byte changed fails the checksum
	cp "$out/kumem.sys" "$out/tampered.sys" &&
		printf 'X' | dd of="$out/tampered.sys" bs=1 seek=1024 conv=notrunc 2>/dev/null &&
		! "$out/pecheck" "$out/tampered.sys" --checksum
	rc=$?
	rm -f "$out/tampered.sys"
	return $rc
}

is_i386() {
	x86_64-w64-mingw32-objdump -f "$out/x86/kumem-tests.exe" | grep -q 'pei-i386'
}

echo "windows: checks of ${out#"$PWD"/../} (built, not run: no Windows here)"
check "kumem.sys built with -Wall -Wextra -Werror" test -s "$out/kumem.sys"
check "clang static analyzer finds nothing in the driver" analyze
check "subsystem is native (1)" "$out/pecheck" "$out/kumem.sys" --subsystem 1
rva=$(entry_rva)
check "entry point is DriverEntry (RVA 0x${rva:-?})" "$out/pecheck" "$out/kumem.sys" --entry-rva "${rva:-0}"
check "DYNAMIC_BASE and NX_COMPAT set" "$out/pecheck" "$out/kumem.sys" --chars 0x140
check "imports only ntoskrnl.exe and HAL.dll" "$out/pecheck" "$out/kumem.sys" \
	--imports ntoskrnl.exe,hal.dll
rvas=$(nonleaf_rvas)
check "unwind data (.pdata) for all $(echo "$rvas" | tr ',' '\n' | grep -c .) non-leaf functions" \
	"$out/pecheck" "$out/kumem.sys" --unwind "${rvas:-}"
# kumem.sys is an export driver: exactly kumem.def's names (kapi.c), nothing else
def_names=$(awk '$1 == "EXPORTS" { on = 1; next } on && NF && $1 !~ /^;/ { print $1 }' kumem.def |
	paste -sd, -)
check "exports exactly kumem.def's $(echo "$def_names" | tr ',' '\n' | grep -c .) names (the kernel API)" \
	"$out/pecheck" "$out/kumem.sys" --exports "$def_names"
exports_check_can_fail() {
	# negative controls: one name short, one name too many
	! "$out/pecheck" "$out/kumem.sys" --exports "${def_names%,*}" >/dev/null &&
		! "$out/pecheck" "$out/kumem.sys" --exports "$def_names,kumem_missing" >/dev/null &&
		! "$out/pecheck" "$out/kumem.sys" --no-exports >/dev/null
}
check "the export check fails on a missing and on an extra name" exports_check_can_fail
check "has base relocations (DYNAMIC_BASE can be honoured)" "$out/pecheck" "$out/kumem.sys" --relocs
check "PE CheckSum matches the image (the loader checks drivers')" \
	"$out/pecheck" "$out/kumem.sys" --checksum
check "no section is both writable and executable" "$out/pecheck" "$out/kumem.sys" --no-wx
check "pecheck rejects a user-mode program (it can fail)" pe_rejects_user_exe
check "every import is exported by Windows 8+ (windows/exports/*.txt)" \
	sh check-imports.sh "$out/kumem.sys" exports 6.2
imports_check_can_fail() {
	# negative controls: a list without memset, and Windows Vista as the claim, must fail
	rm -rf "$out/exports-test" && cp -r exports "$out/exports-test" &&
		sed -i '/^memset /d' "$out/exports-test/ntoskrnl.exe.txt" &&
		! sh check-imports.sh "$out/kumem.sys" "$out/exports-test" >/dev/null &&
		! sh check-imports.sh "$out/kumem.sys" exports 6.0 >/dev/null
	rc=$?
	rm -rf "$out/exports-test"
	return $rc
}
check "the import check fails on an unlisted import and on a too-new one" imports_check_can_fail
# The example driver (example/): the same rules, importing kumem.sys's API
ex="$out/kumem_example.sys"
check "kumem_example.sys built with -Wall -Wextra -Werror" test -s "$ex"
ex_rva=$(entry_rva "$ex")
check "example: native subsystem, entry point DriverEntry (RVA 0x${ex_rva:-?})" \
	"$out/pecheck" "$ex" --subsystem 1 --entry-rva "${ex_rva:-0}" --chars 0x140
check "example: imports only ntoskrnl.exe, HAL.dll and kumem.sys" "$out/pecheck" "$ex" \
	--imports ntoskrnl.exe,hal.dll,kumem.sys
example_imports_kumem() {
	x86_64-w64-mingw32-objdump -p "$ex" | grep -q 'DLL Name: kumem.sys'
}
check "example: its import table names kumem.sys" example_imports_kumem
check "example: every import is Microsoft's (Windows 8+) or kumem.def's" \
	sh check-imports.sh "$ex" "$out/exports" 6.2
example_import_check_can_fail() {
	# without kumem.sys's list, the example's kumem imports are unlisted
	rm -rf "$out/exports-test" && cp -r exports "$out/exports-test" &&
		! sh check-imports.sh "$ex" "$out/exports-test" >/dev/null
	rc=$?
	rm -rf "$out/exports-test"
	return $rc
}
check "example: the import check fails without kumem.sys's list" example_import_check_can_fail
ex_rvas=$(nonleaf_rvas "$ex" "$out/example/*.o")
check "example: unwind data for all $(echo "$ex_rvas" | tr ',' '\n' | grep -c .) non-leaf functions" \
	"$out/pecheck" "$ex" --unwind "${ex_rvas:-}"
check "example: exports nothing, relocations, CheckSum, no W+X section" \
	"$out/pecheck" "$ex" --no-exports --relocs --checksum --no-wx
analyze_example() {
	# shellcheck disable=SC2086
	$kcc -Iexample --analyze -Xanalyzer -analyzer-output=text -o /dev/null \
		example/kumem_example.c 2>&1 | grep -E 'warning|error' && return 1
	return 0
}
check "example: clang static analyzer finds nothing" analyze_example
check "kumem-tests.exe (x64) built from tests/guest/t_api.c" test -s "$out/x64/kumem-tests.exe"
check "kumem-tests.exe (x86, for WOW64) is an i386 image" is_i386
check "kumem.exe (x64 and x86) built from tools/, bench included" test -s "$out/x64/kumem.exe" -a -s "$out/x86/kumem.exe"
exe_dlls_only_system() {
	# the bench's threads (winpthreads) are linked in: nothing to ship beside kumem.exe
	for a in x64 x86; do
		x86_64-w64-mingw32-objdump -p "$out/$a/kumem.exe" | awk '/DLL Name:/ {print tolower($3)}' |
			grep -v -x -e kernel32.dll -e msvcrt.dll && return 1
	done
	return 0
}
check "kumem.exe imports only KERNEL32.dll and msvcrt.dll" exe_dlls_only_system
check "libkumem.a and kumem-win-tests.exe built for x64 and x86" test -s "$out/x64/libkumem.a" \
	-a -s "$out/x86/libkumem.a" -a -s "$out/x64/kumem-win-tests.exe" -a -s "$out/x86/kumem-win-tests.exe"
rm -f "$out/check.log"
echo "windows: $pass passed, $fail failed"
[ "$fail" = 0 ]
