// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * What each process, and the whole system, holds through kumem: bytes and regions (a ring
 * counts as the region its memory is). Handles are unlimited, so the per-handle quotas of
 * region.c alone would let one process lock all memory by opening more handles.
 *
 * Regions other drivers allocate through kapi.c belong to no process: they are charged to one
 * account of their own, the NULL process, under the same caps.
 *
 * A region is charged to its owner when it is made and uncharged when it is freed, wherever
 * that happens (a ring's thread, another process's cleanup attached to the owner). So "this
 * process has nothing charged" also means "no teardown of its regions is still running",
 * which the exit notification waits for before the address space goes (finding 2 of issue
 * 12).
 */
#include "kumem_win.h"

typedef struct _KUMEM_CHARGE {
	LIST_ENTRY Link;
	PEPROCESS Process; /* not referenced: the entry goes with the last region */
	ULONG64 Bytes;
	ULONG Regions;
} KUMEM_CHARGE, *PKUMEM_CHARGE;

static FAST_MUTEX ChargeLock; /* guards Charges, GlobalBytes, GlobalRegions */
static LIST_ENTRY Charges;
static ULONG64 GlobalBytes;
static ULONG GlobalRegions;
static KEVENT ChargeDropped; /* notification: some process's charge went down */

void KumemQuotaInit(void)
{
	ExInitializeFastMutex(&ChargeLock);
	InitializeListHead(&Charges);
	KeInitializeEvent(&ChargeDropped, NotificationEvent, FALSE);
}

static PKUMEM_CHARGE FindLocked(PEPROCESS Process)
{
	PLIST_ENTRY e;

	for (e = Charges.Flink; e != &Charges; e = e->Flink) {
		PKUMEM_CHARGE c = CONTAINING_RECORD(e, KUMEM_CHARGE, Link);

		if (c->Process == Process)
			return c;
	}
	return NULL;
}

int KumemQuotaCharge(PEPROCESS Process, ULONG64 Bytes)
{
	PKUMEM_CHARGE c, fresh;
	int err = 0;

	/* allocated before the lock, freed if another region of the process made one first */
	fresh = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*fresh), KUMEM_POOL_TAG);
	if (!fresh)
		return -KUMEM_ENOMEM;
	ExAcquireFastMutex(&ChargeLock);
	c = FindLocked(Process);
	if (GlobalRegions >= KUMEM_MAX_GLOBAL_REGIONS ||
	    (c && c->Regions >= KUMEM_MAX_PROCESS_REGIONS)) {
		err = -KUMEM_ENOSPC;
	} else if (GlobalBytes + Bytes > KUMEM_MAX_GLOBAL_BYTES ||
		   (c ? c->Bytes : 0) + Bytes > KUMEM_MAX_PROCESS_BYTES) {
		err = -KUMEM_EDQUOT;
	} else {
		if (!c) {
			c = fresh;
			fresh = NULL;
			RtlZeroMemory(c, sizeof(*c));
			c->Process = Process;
			InsertTailList(&Charges, &c->Link);
		}
		c->Bytes += Bytes;
		c->Regions++;
		GlobalBytes += Bytes;
		GlobalRegions++;
	}
	ExReleaseFastMutex(&ChargeLock);
	if (fresh)
		ExFreePoolWithTag(fresh, KUMEM_POOL_TAG);
	return err;
}

void KumemQuotaUncharge(PEPROCESS Process, ULONG64 Bytes)
{
	PKUMEM_CHARGE c, gone = NULL;

	ExAcquireFastMutex(&ChargeLock);
	c = FindLocked(Process);
	if (c) {
		c->Bytes -= Bytes;
		GlobalBytes -= Bytes;
		GlobalRegions--;
		if (!--c->Regions) {
			RemoveEntryList(&c->Link);
			gone = c;
		}
	}
	KeSetEvent(&ChargeDropped, IO_NO_INCREMENT, FALSE);
	ExReleaseFastMutex(&ChargeLock);
	if (gone)
		ExFreePoolWithTag(gone, KUMEM_POOL_TAG);
}

/*
 * Wait until nothing is charged to @ProcessId: every region of the process has been freed,
 * including those another process's cleanup is undoing while attached to it. Called by the
 * exit notification after it has released everything of the process it could find.
 */
void KumemQuotaWaitProcess(HANDLE ProcessId)
{
	PLIST_ENTRY e;
	bool busy;

	for (;;) {
		busy = false;
		ExAcquireFastMutex(&ChargeLock);
		KeClearEvent(&ChargeDropped);
		for (e = Charges.Flink; e != &Charges; e = e->Flink) {
			PEPROCESS owner = CONTAINING_RECORD(e, KUMEM_CHARGE, Link)->Process;

			/* NULL: the kernel's own account (regions other drivers allocated) */
			busy |= owner && PsGetProcessId(owner) == ProcessId;
		}
		ExReleaseFastMutex(&ChargeLock);
		if (!busy)
			return;
		KeWaitForSingleObject(&ChargeDropped, Executive, KernelMode, FALSE, NULL);
	}
}
