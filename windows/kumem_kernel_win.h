/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * kumem's kernel-side API on Windows, for other drivers that want kumem's regions for their
 * own data: the Windows half of linux/kumem_kernel.h, with the same names and meanings where
 * the two systems allow (docs/kernel-api.md lists the differences).
 *
 * kumem.sys is an export driver as well as a standard one: it exports these routines by name
 * (windows/kumem.def); a driver links with the import library the build makes
 * (build/windows/libkumem_sys.a, "kumem.sys" in its import table) and the loader loads
 * kumem.sys, or binds to the loaded one, before the importer's DriverEntry runs. kumem.sys
 * stays loaded while an importer is.
 *
 * Differences from Linux, once:
 *   - errors are NTSTATUS (the table of docs/windows.md: STATUS_INVALID_PARAMETER for EINVAL,
 *     STATUS_QUOTA_EXCEEDED for EDQUOT, ...); the region comes back through @out;
 *   - every routine is for PASSIVE_LEVEL (kumem_region_kaddr/size/mdl/get, the checksum and
 *     kumem_events_reserve/commit/emit: any IRQL <= DISPATCH_LEVEL; a ring's execute is
 *     called at APC_LEVEL), in the context of the process whose memory is meant;
 *   - where Linux hands out an sg_table, Windows hands out the MDL (chain) itself
 *     (kumem_region_mdl): what IoBuildPartialMdl, a DMA adapter's GetScatterGatherList or
 *     MmGetSystemAddressForMdlSafe take;
 *   - no vma: kumem_region_map_user maps into the calling process and returns the address;
 *   - a process may not exit with user pages locked or mapped by a driver (bugcheck 0x76):
 *     an importer releases method 1 regions and user mappings in its IRP_MJ_CLEANUP, in the
 *     process they belong to, as for any MDL it would lock itself.
 */
#ifndef KUMEM_KERNEL_WIN_H
#define KUMEM_KERNEL_WIN_H

#include <ntddk.h>
#include <kumem/kumem_abi.h>
#include "../core/checksum.h"

/* kumem.sys builds with KUMEM_EXPORTING; importers see the routines as dllimport. */
#ifdef KUMEM_EXPORTING
#define KUMEM_API
#else
#define KUMEM_API DECLSPEC_IMPORT
#endif

struct kumem_region;

/*
 * Method 1: lock [addr, addr + len) of the current process (KUMEM_KERNEL_READ and/or _WRITE,
 * probed as UserMode) and map it into system space. Charged to the process (kumem's
 * per-process and global caps). STATUS_INVALID_PARAMETER, STATUS_INVALID_USER_BUFFER (a bad
 * range), STATUS_FILE_TOO_LARGE (over 1 GiB), STATUS_QUOTA_EXCEEDED,
 * STATUS_INSUFFICIENT_RESOURCES, STATUS_ACCESS_DENIED (a range mixing read-only and writable
 * pages), STATUS_INTEGER_OVERFLOW.
 */
KUMEM_API NTSTATUS kumem_region_lock_user(ULONG64 addr, ULONG64 len, ULONG flags,
					  struct kumem_region **out);

/*
 * Method 1 over @n (1..KUMEM_MAX_SEGMENTS) ranges of the current process as one region, a
 * chain of MDLs linked through Next (one per segment), all or nothing, charged as one. @segs
 * is the caller's kernel copy. On failure *@bad (if not NULL) is the index of the range
 * refused, or KUMEM_NO_SEGMENT.
 */
KUMEM_API NTSTATUS kumem_region_lock_segments(const struct kumem_segment *segs, ULONG n,
					      ULONG flags, ULONG *bad, struct kumem_region **out);

/*
 * Bytes [@offset, @offset + @len) of @r as a region of its own: partial MDLs
 * (IoBuildPartialMdl) of @r's, one per MDL of @r the range touches, linked through Next, each
 * mapped in system space; one reference. The view keeps the region owning the pages alive (a
 * view of a view is cut from that region, at the offsets added) until it is put, so @r may be
 * put first. It belongs to whoever owns @r's pages (the process that locked them, or the
 * kernel) and charges nothing more. A view of a method 2 region may be mapped into a process
 * (kumem_region_map_user); none is made for it. STATUS_INVALID_PARAMETER for 0 bytes,
 * STATUS_END_OF_FILE past the end (Linux's -ERANGE), STATUS_INSUFFICIENT_RESOURCES.
 * PASSIVE_LEVEL.
 */
KUMEM_API NTSTATUS kumem_region_view(struct kumem_region *r, ULONG64 offset, ULONG64 len,
				     struct kumem_region **out);

/*
 * Method 2: @len bytes of zeroed whole pages (KUMEM_USER_READ [| _WRITE] [| KUMEM_ALLOC_CONTIG])
 * mapped in system space, owned by no process (charged to kumem's global caps), ready for
 * kumem_region_map_user().
 */
KUMEM_API NTSTATUS kumem_region_alloc(ULONG64 len, ULONG flags, struct kumem_region **out);

/*
 * Map a method 2 region into the calling process (MmMapLockedPagesSpecifyCache, UserMode,
 * no-execute, read-only unless KUMEM_USER_WRITE) and return the address. One mapping per
 * region at a time (STATUS_INVALID_DEVICE_STATE for a second; the caller serialises map and
 * unmap of one region); the mapping holds a reference.
 * kumem_region_unmap_user() undoes it in the process it was made in (attaching if called
 * from another) and drops that reference.
 */
KUMEM_API NTSTATUS kumem_region_map_user(struct kumem_region *r, ULONG64 *user_addr);
KUMEM_API void kumem_region_unmap_user(struct kumem_region *r);

/* References: the last put unmaps, unlocks or frees, and uncharges. */
KUMEM_API void kumem_region_get(struct kumem_region *r);
KUMEM_API void kumem_region_put(struct kumem_region *r);

/* System address of the region's first byte (valid until the last put; its bytes follow it),
 * NULL for a chain whose MDLs do not meet on page boundaries or that spans more than
 * KUMEM_CHAIN_MAP_MAX_PAGES (4089 pages, one MDL's limit: docs/windows.md); its size in bytes.
 */
KUMEM_API void *kumem_region_kaddr(const struct kumem_region *r);
KUMEM_API ULONG64 kumem_region_size(const struct kumem_region *r);

/*
 * The region's MDL chain: locked (method 1) or built from allocated pages (method 2), each
 * MDL mapped in system space, further MDLs through Next when the region is a chain
 * (kumem_region_lock_segments), so GetScatterGatherListEx can take it whole.
 * kumem owns it: do not unlock, unmap or free it, nor change its fields; it is valid until
 * the last put. This is what Linux's kumem_region_sg_table() is for there.
 */
KUMEM_API PMDL kumem_region_mdl(const struct kumem_region *r);

/* The region as KUMEM_IOC_DESCRIBE reports it to a process (struct kumem_mdl, no PFNs): for a
 * chain or a view, the whole region (chain_length MDLs, KUMEM_MDL_VIEW for a view). */
KUMEM_API void kumem_region_describe(const struct kumem_region *r, struct kumem_mdl *out);

/*
 * The driver's own work on the bytes, through the system mapping: fill [offset, offset + len)
 * with @value, or checksum it (kumem_checksum, the hash libkumem computes in user space).
 * STATUS_END_OF_FILE past the end; STATUS_ACCESS_DENIED to fill a region locked for reading.
 */
KUMEM_API NTSTATUS kumem_region_fill(struct kumem_region *r, ULONG64 offset, ULONG64 len,
				     UCHAR value);
KUMEM_API NTSTATUS kumem_region_checksum(struct kumem_region *r, ULONG64 offset, ULONG64 len,
					 ULONG64 *sum);

/*
 * Walking a region: segment i (0 .. kumem_region_segment_count() - 1) in the order of its
 * bytes: the chain's MDLs; a plain region has one. STATUS_END_OF_FILE past the last. Linux
 * gives the pages there; here the segment's MDL.
 */
struct kumem_region_segment {
	ULONG64 offset;	   /* of its first byte within the region */
	ULONG64 len;	   /* bytes */
	ULONG64 user_va;   /* first byte in the process that locked it (method 1), or 0 */
	void *kaddr;	   /* first byte in system space; the segment's bytes follow it */
	PMDL mdl;	   /* the segment's MDL (kumem's: read only) */
	ULONG page_count;  /* pages the segment spans */
	ULONG page_offset; /* of the first byte in its first page (the MDL's ByteOffset) */
};
KUMEM_API ULONG kumem_region_segment_count(const struct kumem_region *r);
KUMEM_API NTSTATUS kumem_region_segment(const struct kumem_region *r, ULONG index,
					struct kumem_region_segment *out);

/*
 * Command rings whose ops a driver defines: linux/kumem_kernel.h's kumem_ring_create_driver().
 * Submissions with op >= KUMEM_OP_DRIVER_FIRST go to @execute, on a private copy of the
 * entry, in the thread calling ENTER or in the ring's SQPOLL system thread, at APC_LEVEL
 * (the ring's fast mutex is held: it may wait on dispatcher objects in KernelMode, take
 * spin locks, touch nonpaged memory; not call what needs PASSIVE_LEVEL, nor touch pageable
 * memory of its own); its return value (0 or a negative errno of kumem_abi.h, KUMEM_E*)
 * becomes the completion's result and it may set c->value. Ops below that are kumem's own
 * (NOP, FILL, CHECKSUM, COPY) on the regions of the kumem handle the ring lives in.
 *
 * @kumem_handle is the calling process's handle to \\.\kumem, which the process passed to
 * the driver (in an IOCTL's buffer, say); Windows has no anonymous fd to return, so the ring
 * lives in that handle (Linux's @regions, mandatory here): kumem references it with
 * ObReferenceObjectByHandle(FILE_READ_DATA | FILE_WRITE_DATA, IoFileObjectType, UserMode)
 * and refuses any other device's file (STATUS_INVALID_PARAMETER) and a kernel handle
 * (STATUS_INVALID_HANDLE). Call at PASSIVE_LEVEL in that process's context (the driver's
 * own IOCTL dispatch): the ring is mapped into the current process, which owns it. @a is the
 * block KUMEM_IOC_RING_CREATE takes (entries, flags, idle_us, sq_cpu; event_handle is
 * ignored) and gets the layout: a->ring_fd is the ring's id in that handle, which the process
 * passes to kumem_ring_attach_dev() (KUMEM_IOC_RING_INFO), ENTER and RELEASE.
 *
 * The ring owns @drv->priv from the call on: @release(@priv), if set, runs when the ring is
 * freed (KUMEM_IOC_RELEASE, the handle's IRP_MJ_CLEANUP, the owner's exit), at PASSIVE_LEVEL
 * in any process, and also when creation fails. Linux's @owner module reference has no
 * counterpart: a driver keeps itself loaded by letting @priv hold a reference on one of its
 * own file objects (ObReferenceObject, dropped in @release), since the I/O manager does not
 * unload a driver while its device objects have file objects open; the example does so.
 */
struct kumem_ring_driver {
	int (*execute)(void *priv, const struct kumem_sqe *e, struct kumem_cqe *c);
	void (*release)(void *priv);
	void *priv;
};
KUMEM_API NTSTATUS kumem_ring_create_driver(struct kumem_ring_create *a,
					    const struct kumem_ring_driver *drv,
					    HANDLE kumem_handle);

/*
 * Event streams, kernel -> process: linux/kumem_kernel.h's kumem_events_*. A process creates
 * a stream with KUMEM_IOC_EVENTS_CREATE on its \\.\kumem handle (the stream's id comes back
 * in events_fd) and hands the driver that handle and the id; Windows has no fd per stream, so
 * kumem_events_get() takes both where Linux's kumem_events_fdget() takes the fd. It
 * references the handle as kumem_ring_create_driver() does (UserMode, IoFileObjectType, a
 * kumem file only: STATUS_INVALID_PARAMETER otherwise, STATUS_INVALID_HANDLE for a bad
 * handle) and returns a reference on the stream: STATUS_NOT_FOUND for no such stream,
 * STATUS_ACCESS_DENIED when the calling process is not the stream's owner.
 *
 * IRQLs:
 *   kumem_events_get, kumem_events_put        PASSIVE_LEVEL (get: in the owner's context)
 *   kumem_events_reserve, _commit, _emit       any IRQL <= DISPATCH_LEVEL, any thread, DPCs
 *                                              included, with a reference held
 * Not from an interrupt service routine (DIRQL): the reserve lock is a spin lock; queue a DPC
 * and produce there. Linux's producers also run in hard interrupt context; this is the
 * difference.
 *
 * reserve: room for a record of @len payload bytes, *@payload where to write it and *@pos
 * its position for commit; STATUS_TOO_MANY_OPENED_FILES when the stream is full (Linux's
 * -ENOSPC, through the one errno table of docs/windows.md; the stream counts a drop),
 * STATUS_FILE_TOO_LARGE over a quarter of the data area (-E2BIG), STATUS_INVALID_PARAMETER
 * when the process wrote an impossible consumer position (-EINVAL), STATUS_DATA_ERROR once the
 * process released the stream (-EBADFD). commit publishes the record (or skips it with
 * @discard) and wakes a consumer that had caught up. emit is reserve, copy, commit. A stream
 * the process released keeps its pages until the last put: a producer may finish its record.
 */
struct kumem_events;
KUMEM_API NTSTATUS kumem_events_get(HANDLE kumem_handle, ULONG id, struct kumem_events **out);
KUMEM_API void kumem_events_put(struct kumem_events *e);
KUMEM_API NTSTATUS kumem_events_reserve(struct kumem_events *e, ULONG len, void **payload,
					ULONG64 *pos);
KUMEM_API void kumem_events_commit(struct kumem_events *e, ULONG64 pos, BOOLEAN discard);
KUMEM_API NTSTATUS kumem_events_emit(struct kumem_events *e, const void *data, ULONG len);

/* Also exported: kumem_checksum() and kumem_csum_init/update/final() (core/checksum.h). */

#endif
