// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The driver's work on shared memory, and the I/O manager's two transfers:
 *
 *   describe              the MDL itself: StartVa, ByteOffset, ByteCount, MdlFlags, PFNs
 *   kernel fill/checksum  through the region's system address
 *   buffered              METHOD_BUFFERED: Irp->AssociatedIrp.SystemBuffer is a copy
 *   direct                METHOD_IN_DIRECT: Irp->MdlAddress describes the caller's pages,
 *                         locked by the I/O manager for this request only
 */
#include "kumem_win.h"

/* The ABI's PFNs are 64-bit, as PFN_NUMBER is on x64: the MDL's array is copied as is. */
_Static_assert(sizeof(PFN_NUMBER) == sizeof(uint64_t), "PFN_NUMBER is 64-bit on x64");

/*
 * PFNs reveal the physical layout of memory. Windows gives them to processes that hold
 * SeDebugPrivilege (administrators, enabled explicitly), which can read any process's memory
 * anyway; that is the same bar as Linux's CAP_SYS_ADMIN for /proc/pid/pagemap.
 */
bool KumemMayReadPfns(void)
{
	return SeSinglePrivilegeCheck(RtlConvertLongToLuid(SE_DEBUG_PRIVILEGE), UserMode);
}

static ULONG MdlViewFlags(PKUMEM_REGION r)
{
	ULONG f = KUMEM_MDL_LOCKED;

	if (r->Linear) /* one MDL, or a chain meeting on page boundaries (chain.c) */
		f |= KUMEM_MDL_KERNEL_MAPPED;
	if (r->MdlCount > 1)
		f |= KUMEM_MDL_CHAINED;
	if (r->Parent)
		f |= KUMEM_MDL_VIEW;
	if (r->Kind == KumemRegionUserLocked)
		return f | ((r->Flags & KUMEM_KERNEL_WRITE) ? KUMEM_MDL_KERNEL_WRITES : 0);
	f |= KUMEM_MDL_KERNEL_ALLOCATED | (r->UserVa ? KUMEM_MDL_USER_MAPPED : 0);
	if (!(r->Flags & KUMEM_USER_WRITE))
		f |= KUMEM_MDL_USER_READ_ONLY;
	if ((r->Flags & KUMEM_ALLOC_CONTIG) && r->Contiguous)
		f |= KUMEM_MDL_CONTIGUOUS;
	return f;
}

/*
 * The region's MDL as a process or a driver sees it: read from the MDL itself, but never a
 * kernel address: method 1's StartVa is the caller's own page; a method 2 MDL's StartVa is a
 * system address (or 0), so the user mapping (or 0) is reported instead, and ByteCount is
 * what was asked for, as on Linux.
 */
void KumemRegionDescribe(PKUMEM_REGION r, struct kumem_mdl *m)
{
	RtlZeroMemory(m, sizeof(*m));
	if (r->Kind == KumemRegionUserLocked) {
		m->start_va = (ULONG64)(ULONG_PTR)MmGetMdlVirtualAddress(r->Mdl) -
			      MmGetMdlByteOffset(r->Mdl);
		m->byte_count = MmGetMdlByteCount(r->Mdl);
	} else {
		m->start_va = r->Geom.start_va;
		m->byte_count = r->Geom.byte_count;
	}
	m->byte_offset = MmGetMdlByteOffset(r->Mdl);
	m->page_count = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(r->Mdl),
						       MmGetMdlByteCount(r->Mdl));
	/* our region record plus the MDL with its PFN array, as MmSizeOfMdl counts it */
	m->descriptor_bytes =
		sizeof(*r) + MmSizeOfMdl(MmGetMdlVirtualAddress(r->Mdl), MmGetMdlByteCount(r->Mdl));
	m->flags = MdlViewFlags(r);
	m->os_flags = (uint32_t)(USHORT)r->Mdl->MdlFlags;
	m->id = r->Id;
	m->chain_length = 1;
}

int KumemDescribe(PKUMEM_FILE File, struct kumem_describe_args *d)
{
	ULONG64 count = 0;
	PPFN_NUMBER pfn;
	ULONG align;
	PKUMEM_REGION r;
	int err;

	err = kumem_check_describe(d);
	if (err)
		return err;
	if (d->pfns && !KumemMayReadPfns())
		return -KUMEM_EPERM;
	r = KumemRegionLookup(File, d->id, PsGetCurrentProcess(), &err);
	if (!r)
		return err;
	if (r->MdlCount > 1 || r->Parent) { /* chain.c reads every MDL of the chain */
		err = KumemChainDescribe(r, d);
		d->mdl.flags = MdlViewFlags(r);
		goto out;
	}
	KumemRegionDescribe(r, &d->mdl);
	if (d->pfns) {
		count = d->max_pfns < r->Geom.page_count ? d->max_pfns : r->Geom.page_count;
		pfn = MmGetMdlPfnArray(r->Mdl);
		/* uint64_t is 4-byte aligned in a 32-bit (WOW64) caller's structures */
		align = IoIs32bitProcess(NULL) ? sizeof(ULONG) : sizeof(ULONG64);
		__try {
			ProbeForWrite((PVOID)(ULONG_PTR)d->pfns, (SIZE_T)(count * 8), align);
			RtlCopyMemory((PVOID)(ULONG_PTR)d->pfns, pfn, (SIZE_T)(count * 8));
		} __except (EXCEPTION_EXECUTE_HANDLER) {
			err = -KUMEM_EFAULT;
		}
	}
	d->pfns_written = err ? 0 : count;
out:
	KumemRegionPut(r);
	return err;
}

/* Fill (IsFill) or checksum [Offset, Offset + Len) of @r through its system address. */
int KumemRegionKernelOp(PKUMEM_REGION r, ULONG64 Offset, ULONG64 Len, bool IsFill, UCHAR Value,
			ULONG64 *Sum)
{
	PUCHAR p;
	int err;

	err = kumem_range_check(r->Geom.byte_count, Offset, Len);
	if (err)
		return err;
	/* Memory locked for reading is mapped read-only (MdlMappingNoWrite): never write it. */
	if (IsFill && r->Kind == KumemRegionUserLocked && !(r->Flags & KUMEM_KERNEL_WRITE))
		return -KUMEM_EACCES;
	if (!r->Linear) /* a chain: MDL by MDL, each through its own system mapping */
		return KumemChainKernelOp(r, Offset, Len, IsFill, Value, Sum);
	p = (PUCHAR)r->SystemVa + r->Geom.byte_offset + Offset;
	if (IsFill)
		RtlFillMemory(p, (SIZE_T)Len, Value);
	else
		*Sum = kumem_checksum(p, (size_t)Len);
	return 0;
}

int KumemKernelOp(PKUMEM_FILE File, struct kumem_kernel_op *op, bool IsFill)
{
	PKUMEM_REGION r;
	ULONG64 sum = 0;
	int err;

	err = kumem_check_kernel_op(op, IsFill);
	if (err)
		return err;
	r = KumemRegionLookup(File, op->id, PsGetCurrentProcess(), &err);
	if (!r)
		return err;
	err = KumemRegionKernelOp(r, op->offset, op->len, IsFill, (UCHAR)op->value, &sum);
	if (!err && !IsFill)
		op->result = sum;
	KumemRegionPut(r);
	return err;
}

/*
 * METHOD_BUFFERED: input buffer = the data, output buffer = the 8-byte sum. The I/O manager
 * has already probed and copied the input, so of kumem_check_xfer's checks only the length
 * limit is left to make.
 */
int KumemBufferedChecksum(PIRP Irp, PIO_STACK_LOCATION Stack)
{
	ULONG in = Stack->Parameters.DeviceIoControl.InputBufferLength;
	ULONG out = Stack->Parameters.DeviceIoControl.OutputBufferLength;
	struct kumem_limits lim;
	uint64_t sum;

	KumemLimits(Irp, &lim);
	if (in > lim.max_xfer_bytes)
		return -KUMEM_E2BIG;
	if (out < sizeof(sum))
		return -KUMEM_EINVAL;
	sum = kumem_checksum(in ? Irp->AssociatedIrp.SystemBuffer : NULL, in);
	RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &sum, sizeof(sum));
	Irp->IoStatus.Information = sizeof(sum);
	return 0;
}

/*
 * METHOD_IN_DIRECT: the I/O manager locks the *output* buffer (the data) for reading and
 * hands it over as Irp->MdlAddress; the input buffer is a struct kumem_xfer whose len repeats
 * the data's length and whose addr is where the sum goes (nothing is copied back from the
 * system buffer of a direct request). The data range goes through kumem_check_xfer as Linux
 * sees it (same reserved/E2BIG/EFAULT answers), and so does the 8 bytes at addr.
 */
int KumemDirectChecksum(PIRP Irp, PIO_STACK_LOCATION Stack)
{
	ULONG in = Stack->Parameters.DeviceIoControl.InputBufferLength;
	ULONG out = Stack->Parameters.DeviceIoControl.OutputBufferLength;
	struct kumem_xfer x, data, dst;
	struct kumem_limits lim;
	uint64_t sum;
	PVOID va;
	int err = 0;

	if (in < sizeof(x))
		return -KUMEM_EINVAL;
	RtlCopyMemory(&x, Irp->AssociatedIrp.SystemBuffer, sizeof(x));
	if (out && !Irp->MdlAddress)
		return -KUMEM_EFAULT;
	KumemLimits(Irp, &lim);
	RtlZeroMemory(&data, sizeof(data));
	data.addr = out ? (ULONG64)(ULONG_PTR)MmGetMdlVirtualAddress(Irp->MdlAddress) : 0;
	data.len = out;
	data.reserved = x.reserved;
	err = kumem_check_xfer(&data, &lim);
	if (err)
		return err;
	if (x.len != out)
		return -KUMEM_EINVAL;
	RtlZeroMemory(&dst, sizeof(dst));
	dst.addr = x.addr;
	dst.len = sizeof(sum);
	err = kumem_check_xfer(&dst, &lim);
	if (err)
		return err;
	if (out) {
		va = MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority |
									   MdlMappingNoExecute |
									   MdlMappingNoWrite);
		if (!va)
			return -KUMEM_ENOMEM;
		sum = kumem_checksum(va, out);
	} else {
		sum = kumem_checksum(NULL, 0);
	}
	__try {
		ProbeForWrite((PVOID)(ULONG_PTR)x.addr, sizeof(sum), sizeof(uint32_t));
		RtlCopyMemory((PVOID)(ULONG_PTR)x.addr, &sum, sizeof(sum));
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		err = -KUMEM_EFAULT;
	}
	return err;
}

void KumemStats(struct kumem_stats *st)
{
	RtlZeroMemory(st, sizeof(*st));
	st->open_handles = (uint64_t)KumemCounters.OpenHandles;
	st->regions = (uint64_t)KumemCounters.Regions;
	st->pinned_pages = (uint64_t)KumemCounters.PinnedPages;
	st->allocated_pages = (uint64_t)KumemCounters.AllocatedPages;
	st->user_mappings = (uint64_t)KumemCounters.UserMappings;
}
