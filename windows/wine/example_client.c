// SPDX-License-Identifier: MIT
/*
 * example-client.exe: drives kumem_example.sys (windows/example/) under Wine, after run.sh
 * has loaded kumem.sys's Wine variant and then the example, whose import table names
 * kumem.sys. What it can show there: the loader bound the example's imports to kumem's
 * exports, and calls cross from one driver into the other with the right results. What it
 * cannot: Wine runs drivers in winedevice.exe, apart from this process, and locks no user
 * pages, so method 1 fails with kumem's -ENOMEM status and a "user mapping" lands in
 * winedevice.exe; the sums below are of kumem's pages read in the kernel.
 *
 * Prints TAP, then `client: N passed, M failed`; exit status 1 if anything failed.
 */
#include <windows.h>

#include "../../tests/guest/tap.h"
#include "../../core/checksum.h"
#include "../example/kumem_example_abi.h"

static HANDLE dev;

static DWORD call(DWORD code, struct kumem_example_region *r)
{
	DWORD got = 0;

	if (DeviceIoControl(dev, code, r, sizeof(*r), r, sizeof(*r), &got, NULL))
		return got == sizeof(*r) ? 0 : ERROR_INVALID_DATA;
	return GetLastError();
}

int main(void)
{
	struct kumem_example_region r;
	struct kumem_example_user u;
	static uint8_t want[3 * 4096];
	DWORD got, err;

	tap_header();
	dev = CreateFileW(L"\\\\.\\kumem_example", FILE_READ_DATA | FILE_WRITE_DATA, 0, NULL,
			  OPEN_EXISTING, 0, NULL);
	if (!ok(dev != INVALID_HANDLE_VALUE, "open \\\\.\\kumem_example (error %lu)",
		dev == INVALID_HANDLE_VALUE ? GetLastError() : 0)) {
		printf("client: %d passed, %d failed\n", tap_n - tap_failed, tap_failed);
		return 1;
	}

	memset(&r, 0, sizeof(r));
	r.len = sizeof(want) - 7;
	is_int(call(KUMEM_EXAMPLE_MAP, &r), 0,
	       "MAP: kumem_region_alloc + map_user across the import");
	ok(r.user_addr != 0, "MAP returned an address (winedevice.exe's, under Wine)");
	r.offset = 0;
	r.len = sizeof(want) - 7;
	is_int(call(KUMEM_EXAMPLE_SUM, &r), 0, "SUM: kumem_region_checksum");
	memset(want, 0, sizeof(want));
	ok(r.sum == kumem_checksum(want, sizeof(want) - 7), "kumem's pages arrive zeroed");
	r.offset = 100;
	r.len = 5000;
	r.value = 0x5a;
	is_int(call(KUMEM_EXAMPLE_FILL, &r), 0, "FILL: kumem_region_fill");
	r.offset = 0;
	r.len = sizeof(want) - 7;
	is_int(call(KUMEM_EXAMPLE_SUM, &r), 0, "SUM after FILL");
	memset(want + 100, 0x5a, 5000);
	ok(r.sum == kumem_checksum(want, sizeof(want) - 7), "the fill, and nothing past it");
	r.offset = sizeof(want) - 8;
	r.len = 2;
	is_int(call(KUMEM_EXAMPLE_SUM, &r), ERROR_HANDLE_EOF,
	       "a range past the end: STATUS_END_OF_FILE");
	is_int(call(KUMEM_EXAMPLE_DESCRIBE, &r), 0, "DESCRIBE");
	is_int(r.mdl.byte_count, sizeof(want) - 7, "kumem_region_describe: the length asked for");
	is_int(r.mdl_pages, 3, "the MDL kumem hands out spans 3 pages");
	is_int(r.mdl_byte_count, sizeof(want), "its ByteCount: the whole pages");
	is_int(r.mdl_is_kaddr, 1, "its system address is kumem_region_kaddr()");
	ok(r.mdl_sum == kumem_checksum(want, sizeof(want) - 7), "the same bytes through the MDL");
	r.len = 4096;
	is_int(call(KUMEM_EXAMPLE_MAP, &r), ERROR_BAD_COMMAND,
	       "a second MAP: STATUS_INVALID_DEVICE_STATE");
	is_int(call(KUMEM_EXAMPLE_UNMAP, &r), 0, "UNMAP");
	is_int(call(KUMEM_EXAMPLE_SUM, &r), ERROR_NOT_FOUND, "nothing left to sum");

	/* method 1: Wine locks no pages of another process; kumem says so, the example passes it on
	 */
	memset(&u, 0, sizeof(u));
	u.addr = (uintptr_t)want;
	u.len = 4096;
	got = 0;
	err = DeviceIoControl(dev, KUMEM_EXAMPLE_SUM_USER, &u, sizeof(u), &u, sizeof(u), &got, NULL)
		      ? 0
		      : GetLastError();
	diag("SUM_USER under Wine: error %lu (Wine's MmProbeAndLockPages locks nothing)", err);
	u.len = 0;
	err = DeviceIoControl(dev, KUMEM_EXAMPLE_SUM_USER, &u, sizeof(u), &u, sizeof(u), &got, NULL)
		      ? 0
		      : GetLastError();
	is_int(err, ERROR_INVALID_PARAMETER,
	       "SUM_USER of 0 bytes: kumem's check, STATUS_INVALID_PARAMETER");
	{
		/* SG: kumem_region_lock_segments. Under Wine the lock fails as method 1 does; a
		 * count of 0 is the example's own refusal, before kumem */
		struct kumem_segment seg = { (uintptr_t)want, 100 };
		struct kumem_example_sg sg = { .segs = (uintptr_t)&seg, .count = 1 };

		err = DeviceIoControl(dev, KUMEM_EXAMPLE_SG, &sg, sizeof(sg), &sg, sizeof(sg), &got,
				      NULL)
			      ? 0
			      : GetLastError();
		diag("SG under Wine: error %lu (Wine's MmProbeAndLockPages locks nothing)", err);
		sg.count = 0;
		err = DeviceIoControl(dev, KUMEM_EXAMPLE_SG, &sg, sizeof(sg), &sg, sizeof(sg), &got,
				      NULL)
			      ? 0
			      : GetLastError();
		is_int(err, ERROR_INVALID_PARAMETER, "SG of 0 segments: STATUS_INVALID_PARAMETER");
	}
	CloseHandle(dev);
	printf("client: %d passed, %d failed\n", tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
