#!/bin/sh
# Load kumem-wine.sys as a kernel service under Wine, run wine-client.exe, unload it.
# usage: run.sh OUTDIR  (holds kumem-wine.sys and wine-client.exe; the prefix goes in OUTDIR/prefix)
# Prints `windows-run: N passed, M failed` and exits non-zero on any failure. Every Wine
# command has a time bound (timeout), nothing waits on a bare sleep.
set -u
out=$1
pass=0
fail=0

export WINEPREFIX="$out/prefix"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="mscoree,mshtml=" # no Mono/Gecko install dialogs
export DISPLAY=
unset WAYLAND_DISPLAY

check() { # name, then a command that must succeed
	name=$1
	shift
	if "$@" >"$out/step.log" 2>&1; then
		cat "$out/step.log" >>"$out/run.log"
		pass=$((pass + 1))
		echo "  ok   $name"
	else
		fail=$((fail + 1))
		echo "  FAIL $name"
		sed 's/^/       /' "$out/step.log" | tail -n 20
		cat "$out/step.log" >>"$out/run.log"
	fi
}

wine_() { timeout 120 wine "$@"; }

service_state() { # prints RUNNING / STOPPED / ...
	wine_ sc query kumem 2>/dev/null | awk '/STATE/ {print $4}' | tr -d '\r'
}

# stop is asynchronous in the service manager: poll its state, bounded (200 x 0.1 s)
wait_stopped() {
	i=0
	while [ $i -lt 200 ]; do
		[ "$(service_state)" = STOPPED ] && return 0
		i=$((i + 1))
		timeout 1 sleep 0.1
	done
	echo "service still $(service_state) after 20 s"
	return 1
}

# a fresh server for this prefix, so nothing of an earlier run is loaded
timeout 30 wineserver -k 2>/dev/null
timeout 30 wineserver -w 2>/dev/null
if [ ! -f "$WINEPREFIX/system.reg" ]; then
	echo "windows-run: creating the Wine prefix $WINEPREFIX (once)"
	mkdir -p "$WINEPREFIX"
	timeout 300 wineboot -i >"$out/wineboot.log" 2>&1 || {
		echo "windows-run: wineboot failed"
		tail -n 20 "$out/wineboot.log"
		echo "windows-run: 0 passed, 1 failed"
		exit 1
	}
	# the first boot's services are still settling: start again from a clean server
	timeout 30 wineserver -k 2>/dev/null
	timeout 30 wineserver -w 2>/dev/null
fi
# Wine 8's new prefixes say Windows 7; the driver refuses anything before Windows 8
if [ "$(timeout 60 wine winecfg -v 2>/dev/null | tr -d '\r')" != win10 ]; then
	timeout 60 wine winecfg -v win10 >/dev/null 2>&1
	timeout 30 wineserver -w 2>/dev/null
fi
# One persistent server for the whole run. An idle wineserver exits a few seconds after the
# last ordinary process, and takes the system processes with it: services.exe and the
# winedevice.exe that hosts the driver (the service reads STOPPED, the devices vanish). The
# gap between two steps below can be that long on a loaded machine.
timeout 30 wineserver -w 2>/dev/null
timeout 30 wineserver -p 2>/dev/null
mkdir -p "$WINEPREFIX/drive_c/kumem"
cp "$out/kumem-wine.sys" "$out/wine-client.exe" "$out/../x64/kumem-tests.exe" \
	"$out/../x64/kumem.exe" "$out/example-client.exe" "$out/../kumem_example.sys" "$WINEPREFIX/drive_c/kumem/"
# The Wine variant also under the name kumem_example.sys imports (kumem.def's LIBRARY): the
# service runs that file, and the example's import resolves to it by name
cp "$out/kumem-wine.sys" "$WINEPREFIX/drive_c/kumem/kumem.sys"

echo "windows-run: kumem-wine.sys under $(wine --version 2>/dev/null) ($WINEPREFIX)"
sys='C:\kumem\kumem.sys'
if ! wine_ sc query kumem >/dev/null 2>&1; then
	wine_ sc create kumem type= kernel start= demand binPath= "$sys" >"$out/create.log" 2>&1
fi
# `sc config` does not change the image path under Wine 8; the registry does
wine_ reg add 'HKLM\System\CurrentControlSet\Services\kumem' /v ImagePath /t REG_EXPAND_SZ \
	/d "$sys" /f >/dev/null 2>&1
check "service kumem exists (sc create, type kernel)" wine_ sc query kumem
check "sc start kumem: DriverEntry succeeds (device, DACL, link, notify routine)" \
	wine_ sc start kumem
check "service is RUNNING" sh -c "[ \"\$(wine sc query kumem | awk '/STATE/ {print \$4}' | tr -d '\r')\" = RUNNING ]"

if wine_ 'C:\kumem\wine-client.exe' >"$out/client.log" 2>"$out/client.err"; then
	crc=0
else
	crc=$?
fi
tr -d '\r' <"$out/client.log" | sed -n 's/^\(not ok\|ok\) /  \1 /p'
counts=$(tr -d '\r' <"$out/client.log" | awk '/^client: / {print $2, $4}')
if [ -n "$counts" ]; then
	pass=$((pass + ${counts% *}))
	fail=$((fail + ${counts#* }))
	[ "$crc" = 0 ] || [ "${counts#* }" != 0 ] || {
		fail=$((fail + 1))
		echo "  FAIL client exited with $crc"
	}
else
	fail=$((fail + 1))
	echo "  FAIL client did not finish (exit $crc)"
	tail -n 20 "$out/client.log" "$out/client.err"
fi

# winedevice.exe must have survived the client (a crash there unloads the driver silently:
# the devices vanish and the next open says "not found")
still_running() {
	state=$(service_state)
	[ "$state" = RUNNING ] || echo "service state: $state"
	[ "$state" = RUNNING ]
}
check "service still RUNNING after the client" still_running

# `sc stop` itself sometimes answers before the service manager has taken the request:
# the state decides, asked again a bounded number of times
stop_service() {
	for try in 1 2 3; do
		wine_ sc stop kumem && return 0
		[ "$(service_state)" = STOPPED ] && return 0
		echo "sc stop attempt $try: state $(service_state)"
	done
	return 1
}
# The portable tests/guest/t_api.c: under Wine method 1 cannot lock (no page locking
# across processes), and the program must say so and go on to method 2, not use the region
# it did not get (finding 9). What follows is not checked: Wine shares no memory, so the
# first touch of a method 2 mapping faults in the client.
t_api_goes_on() {
	WINEDEBUG=-all timeout 60 wine 'C:\kumem\kumem-tests.exe' 2>/dev/null | tr -d '\r' >"$out/t_api.log"
	grep -q '^not ok [0-9]* - method 1: lock' "$out/t_api.log" &&
		grep -q '^ok [0-9]* - method 2: alloc' "$out/t_api.log"
}
check "kumem-tests.exe: a failed LOCK_USER is 'not ok', then method 2 runs (finding 9)" \
	t_api_goes_on

# The example driver, whose import table names kumem.sys (docs/windows.md says what this
# shows under Wine: Wine loads its own copy of kumem.sys into the example's winedevice.exe)
ex_state() {
	wine_ sc query kumem_example 2>/dev/null | awk '/STATE/ {print $4}' | tr -d '\r'
}
if ! wine_ sc query kumem_example >/dev/null 2>&1; then
	wine_ sc create kumem_example type= kernel start= demand \
		binPath= 'C:\kumem\kumem_example.sys' >>"$out/create.log" 2>&1
fi
wine_ reg add 'HKLM\System\CurrentControlSet\Services\kumem_example' /v ImagePath \
	/t REG_EXPAND_SZ /d 'C:\kumem\kumem_example.sys' /f >/dev/null 2>&1
check "sc start kumem_example: the loader binds its imports to kumem.sys's exports" \
	wine_ sc start kumem_example
check "kumem_example is RUNNING" sh -c "[ \"\$(wine sc query kumem_example | awk '/STATE/ {print \$4}' | tr -d '\r')\" = RUNNING ]"
if wine_ 'C:\kumem\example-client.exe' >"$out/example.log" 2>"$out/example.err"; then
	erc=0
else
	erc=$?
fi
tr -d '\r' <"$out/example.log" | sed -n 's/^\(not ok\|ok\) /  \1 /p'
counts=$(tr -d '\r' <"$out/example.log" | awk '/^client: / {print $2, $4}')
if [ -n "$counts" ]; then
	pass=$((pass + ${counts% *}))
	fail=$((fail + ${counts#* }))
	[ "$erc" = 0 ] || [ "${counts#* }" != 0 ] || {
		fail=$((fail + 1))
		echo "  FAIL example-client exited with $erc"
	}
else
	fail=$((fail + 1))
	echo "  FAIL example-client did not finish (exit $erc)"
	tail -n 20 "$out/example.log" "$out/example.err"
fi
stop_example() {
	for try in 1 2 3; do
		wine_ sc stop kumem_example && return 0
		[ "$(ex_state)" = STOPPED ] && return 0
		echo "sc stop attempt $try: state $(ex_state)"
	done
	return 1
}
check "sc stop kumem_example: its DriverUnload" stop_example

# kumem bench for Windows. Figures under Wine mean nothing for performance (emulated system
# calls, a shared machine); these show that the Windows build runs, measures, judges
# disturbance and writes its CSV and JSON. The kernel rows cannot run here: a ring's or a
# region's user mapping is winedevice.exe's address, and method 1 locks nothing.
bench_ring_driverless() {
	rm -f "$WINEPREFIX/drive_c/kumem/ring.csv"
	KUMEM_DEVICE='\\.\kumem-none' WINEDEBUG=-all timeout 300 wine 'C:\kumem\kumem.exe' \
		bench ring --rounds 1 --run-ms 20 --repeats 0 --csv 'C:\kumem\ring.csv' \
		</dev/null | tr -d '\r' >"$out/bench-ring.log" || return 1
	grep -q 'no kumem device here' "$out/bench-ring.log" &&
		head -n 1 "$WINEPREFIX/drive_c/kumem/ring.csv" | grep -q '^bench,row,size_bytes,unit,median' &&
		[ "$(grep -c '^ring,' "$WINEPREFIX/drive_c/kumem/ring.csv")" -ge 8 ] &&
		! grep -q 'io_uring' "$WINEPREFIX/drive_c/kumem/ring.csv"
}
check "kumem.exe bench ring without the driver: the user-space rows, CSV, no io_uring rows" \
	bench_ring_driverless
bench_json_driverless() {
	KUMEM_DEVICE='\\.\kumem-none' WINEDEBUG=-all timeout 300 wine 'C:\kumem\kumem.exe' \
		--json bench ring --rounds 1 --run-ms 20 --repeats 0 </dev/null 2>/dev/null |
		tr -d '\r' >"$out/bench-ring.json" || return 1
	grep -q '^{"release": ".*", "bench": "ring", "ok": true, "results": \[' "$out/bench-ring.json" &&
		[ "$(grep -c '{"bench": "ring", "row": ' "$out/bench-ring.json")" -ge 8 ]
}
check "kumem.exe --json bench ring: one JSON object with results" bench_json_driverless
bench_setup_stops_at_method1() {
	WINEDEBUG=-all timeout 120 wine 'C:\kumem\kumem.exe' bench setup --max-mb 1 --iters 3 \
		</dev/null 2>&1 | tr -d '\r' >"$out/bench-setup.log"
	grep -q 'io_uring is not available here' "$out/bench-setup.log" &&
		grep -q 'out of memory' "$out/bench-setup.log"
}
check "kumem.exe bench setup: io_uring column empty, stops at method 1 (Wine locks nothing)" \
	bench_setup_stops_at_method1

check "sc stop kumem: DriverUnload" stop_service
check "service is STOPPED (driver unloaded)" wait_stopped
timeout 30 wineserver -k 2>/dev/null
rm -f "$out/step.log"
echo "windows-run: $pass passed, $fail failed"
[ "$fail" = 0 ]
