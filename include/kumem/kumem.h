/* SPDX-License-Identifier: MIT */
/*
 * libkumem: zero-copy shared memory between this process and the kumem driver.
 *
 * The same calls on Linux (/dev/kumem) and Windows (\\.\kumem). Every call that can fail
 * returns 0 or a negative errno value (-EINVAL, -EFAULT, ...), the same value on both systems;
 * kumem_strerror() turns it into a sentence that says what to do. Nothing here aborts, prints
 * or exits. A kumem_t may be shared by threads; a region may be used by several threads at once
 * but released by one.
 */
#ifndef KUMEM_H
#define KUMEM_H

#include <stddef.h>
#include <stdint.h>

#include <kumem/kumem_abi.h>
#include <kumem/kumem_version.h>

/*
 * The Windows C library has no EDQUOT or EBADFD: there libkumem returns the Linux numbers,
 * which callers compare with KUMEM_EDQUOT and KUMEM_EBADFD (this header defines no errno
 * names of its own, so it cannot clash with a C library that gains them).
 */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The release of this library, e.g. "0.1.0": what was built, as KUMEM_VERSION_STRING says
 * what a program was compiled against. Needs no driver.
 */
const char *kumem_version(void);

typedef struct kumem kumem_t;		    /* an open handle on the driver */
typedef struct kumem_region kumem_region_t; /* a region of shared memory */

/*
 * Open the driver: /dev/kumem on Linux, \\.\kumem on Windows; the KUMEM_DEVICE environment
 * variable names another path. Checks that the driver speaks KUMEM_ABI_VERSION (-EPROTO if
 * not). Errors: -ENOENT (driver not loaded), -EACCES (device permissions), -ENOTTY (not a
 * kumem device), -ENOMEM.
 */
int kumem_open(kumem_t **dev);

/* Close the handle, releasing every region still open on it. NULL is ignored. */
void kumem_close(kumem_t *dev);

/* What the driver reports: ABI version, page size, limits, features. */
int kumem_info(kumem_t *dev, struct kumem_info *info);

/* Module-wide counters (regions, pinned and allocated pages, user mappings). */
int kumem_stats(kumem_t *dev, struct kumem_stats *stats);

/*
 * Method 1: lock @len bytes of this process's memory at @addr (any alignment) and map them into
 * kernel space. @flags: KUMEM_KERNEL_READ and/or KUMEM_KERNEL_WRITE, what the kernel may do.
 * The memory must stay allocated while the region exists (if it is freed or unmapped anyway,
 * the kernel keeps the pages and nothing breaks, but this process no longer sees them).
 * Errors: -EINVAL (flags, len 0), -EFAULT (not this process's memory, or KERNEL_WRITE on a
 * read-only mapping), -EOVERFLOW (range wraps), -E2BIG (over the driver's region limit),
 * -EDQUOT (RLIMIT_MEMLOCK, see kumem_strerror), -ENOSPC (too many regions on this handle).
 */
int kumem_lock_user(kumem_t *dev, void *addr, size_t len, unsigned flags, kumem_region_t **out);

/*
 * Method 2: @len bytes of zeroed kernel pages (whole pages: the mapping is @len rounded up),
 * mapped into this process. @flags: KUMEM_USER_READ [| KUMEM_USER_WRITE], what this process
 * may do (a read-only region stays read-only: mprotect cannot change it), optionally
 * KUMEM_ALLOC_CONTIG for one physically contiguous block (at most a few MiB).
 * Errors as for kumem_lock_user, plus -ENOMEM.
 */
int kumem_alloc_shared(kumem_t *dev, size_t len, unsigned flags, kumem_region_t **out);

/* First byte of the region in this process (method 1: the addr given). */
void *kumem_region_addr(const kumem_region_t *r);
/* Bytes asked for. */
size_t kumem_region_len(const kumem_region_t *r);
/* The driver's id for the region (what the ABI calls it). */
uint32_t kumem_region_id(const kumem_region_t *r);

/*
 * Unmap (method 2) and release the region, and free @r. Method 1 memory stays the caller's.
 * Returns 0, or the driver's error (the handle is freed all the same).
 */
int kumem_region_release(kumem_region_t *r);

/*
 * The MDL view of a region: start_va (page aligned), byte_offset, byte_count, page_count,
 * flags (KUMEM_MDL_*). @pfns may be NULL; otherwise up to @max physical frame numbers are
 * written, which needs CAP_SYS_ADMIN on Linux / administrator rights on Windows (-EPERM).
 * Returns the number of PFNs written (>= 0) or a negative errno.
 */
int kumem_region_describe(kumem_region_t *r, struct kumem_mdl *out, uint64_t *pfns, size_t max);

/*
 * Chains and views (the seed's MDLs linked through Next, and IoBuildPartialMdl).
 *
 * kumem_lock_user_segments() locks @n (1..KUMEM_MAX_SEGMENTS) ranges of this process's memory
 * as one region, all or nothing, with one system call: its bytes are the ranges' bytes in
 * array order, charged to RLIMIT_MEMLOCK as one. Ranges may have any alignment and order but
 * must be nonempty and may not share a page with one another (-EINVAL); otherwise errors as
 * kumem_lock_user. On failure *@bad_segment (if not NULL) is the index of the range refused,
 * or KUMEM_NO_SEGMENT when no one range is to blame. kumem_region_addr() is the first
 * range's address, kumem_region_len() the bytes of all.
 *
 * The kernel's fill and checksum and the ring ops (FILL, CHECKSUM, COPY) work over a chain
 * as over one buffer, whether or not its ranges meet on page boundaries (struct kumem_mdl
 * flag KUMEM_MDL_KERNEL_MAPPED: the kernel also has one linear mapping of it). A ring COPY
 * between a chain or view and another view of the same region is memmove over their bytes,
 * however they overlap (see kumem_chain(3)).
 */
int kumem_lock_user_segments(kumem_t *dev, const struct kumem_segment *segs, unsigned n,
			     unsigned flags, kumem_region_t **out, unsigned *bad_segment);

/*
 * Bytes [@off, @off + @len) of @parent (any region, a chain or a view too) as a region of
 * its own, sharing the parent's pages: usable wherever a region is (kernel fill/checksum,
 * ring submissions). It keeps the pages alive after @parent is released; release it as any
 * region. A view of a method 2 region (or of such a view) is mapped into this process as its
 * parent is, page-granularly: the whole pages its bytes touch, the same pages as the
 * parent's mapping (so neighbouring bytes of the parent are visible there too); its
 * kumem_region_addr() is its first byte in that mapping, which stays valid until the view
 * is released, whether or not the parent is. kumem_region_addr() of a view of a method 1
 * region is NULL. Errors: -ERANGE past the parent's end, -EINVAL for @len 0, -ENOSPC as for
 * any region, and those of mmap() for a method 2 view.
 */
int kumem_region_view(kumem_region_t *parent, uint64_t off, uint64_t len, kumem_region_t **out);

/*
 * The elements of a region's chain, in order (a plain region has one): up to @max into
 * @elems, the chain's full length in *@chain_length (if not NULL). Each element's PFNs are
 * kumem_region_describe()'s PFN array from elems[i].first_pfn on, elems[i].page_count of
 * them. Returns the number written (>= 0) or a negative errno.
 */
int kumem_region_describe_chain(kumem_region_t *r, struct kumem_mdl_elem *elems, size_t max,
				uint32_t *chain_length);

/* The driver writes @byte over [off, off + len) through its own mapping of the region.
 * -ERANGE outside the region, -EACCES on memory locked without KUMEM_KERNEL_WRITE. */
int kumem_kernel_fill(kumem_region_t *r, uint64_t off, uint64_t len, uint8_t byte);

/* The driver checksums [off, off + len) of the region through its own mapping. */
int kumem_kernel_checksum(kumem_region_t *r, uint64_t off, uint64_t len, uint64_t *sum);

/* Baselines: the driver checksums @buf after copying it into kernel memory (buffered I/O). */
int kumem_buffered_checksum(kumem_t *dev, const void *buf, size_t len, uint64_t *sum);
/* ... or after locking its pages for this call only (direct I/O). */
int kumem_direct_checksum(kumem_t *dev, const void *buf, size_t len, uint64_t *sum);

/* The checksum the driver computes, computed here: same code (core/checksum.c). */
uint64_t kumem_checksum(const void *buf, size_t len);

/* ---- read() and write() on the device: the seed's DO_BUFFERED_IO and DO_DIRECT_IO ------
 *
 * A handle of its own, in one mode for its life. write() hands the driver bytes, which it
 * consumes (checksums: kumem_rw_last() says the sum); read() has the driver produce bytes
 * (kumem_pattern_fill() computes the same ones here). Counts are those of read()/write():
 * a call may do fewer bytes than asked when a signal arrives or the buffer stops being
 * this process's memory part way (then the count of what was done; -EFAULT if nothing was).
 *
 *   KUMEM_RW_BUFFERED  the driver copies through a bounce buffer of its own, a chunk at a
 *                      time (Windows: a device object with DO_BUFFERED_IO, the I/O manager's
 *                      Irp->AssociatedIrp.SystemBuffer). Any address, any length.
 *   KUMEM_RW_DIRECT    the driver pins this process's pages for the call only, a batch of
 *                      at most KUMEM_RW_PIN_BATCH pages at a time, and works on them in place
 *                      (Windows: DO_DIRECT_IO, Irp->MdlAddress). The buffer given to read()
 *                      must be writable memory (-EFAULT otherwise, and nothing is written).
 *
 * @align (direct only; 0 for none): a power of two up to the page size that every buffer's
 * address and length must be a multiple of, as O_DIRECT asks; a call breaking it fails with
 * -EINVAL before anything moves. Linux: a new handle on the device (KUMEM_IOC_RW_MODE);
 * Windows: \\.\kumem-buffered or \\.\kumem-direct (@align must be 0 there; one transfer
 * is at most 4 GiB - 1 byte, the I/O manager's limit).
 */
typedef struct kumem_rw kumem_rw_t;

/* One piece of a vectored call: the same layout as struct iovec on POSIX systems. */
struct kumem_iov {
	void *base;
	size_t len;
};

int kumem_rw_open(kumem_t *dev, unsigned mode, unsigned align, kumem_rw_t **out);
/* Close the handle. NULL is ignored. */
void kumem_rw_close(kumem_rw_t *f);
/* Bytes written / read (>= 0), or a negative errno. */
int64_t kumem_rw_write(kumem_rw_t *f, const void *buf, size_t len);
int64_t kumem_rw_read(kumem_rw_t *f, void *buf, size_t len);
/* The same over @n pieces in order, as writev()/readv() (Linux; -EOPNOTSUPP on Windows). */
int64_t kumem_rw_writev(kumem_rw_t *f, const struct kumem_iov *iov, unsigned n);
int64_t kumem_rw_readv(kumem_rw_t *f, const struct kumem_iov *iov, unsigned n);
/* What the last call on @f did: bytes, checksum, and for direct the pin's "MDL" (pages,
 * byte offset, batches; the first PFNs for CAP_SYS_ADMIN / administrators only). */
int kumem_rw_last(kumem_rw_t *f, struct kumem_rw_last *out);
/* The system handle (Linux: the fd), for poll-free uses such as signals in tests. */
intptr_t kumem_rw_handle(const kumem_rw_t *f);

/* The bytes the driver produces for read(), produced here: bytes @pos .. @pos + @len - 1. */
void kumem_pattern_fill(void *dst, uint64_t pos, size_t len);

/* ---- rings (command rings and event streams, on Linux and Windows) ---------------------- */

typedef struct kumem_ring kumem_ring_t;	    /* submission + completion queues */
typedef struct kumem_events kumem_events_t; /* kernel -> user record stream */

/*
 * Create a command ring of @sq_entries (a power of two, at most KUMEM_RING_MAX_ENTRIES)
 * submissions and twice as many completions, mapped into this process. @flags:
 * KUMEM_RING_SQPOLL for a kernel thread that consumes submissions as they appear (it sleeps
 * after @idle_us of nothing; 0 means 1000). Submissions name regions of @dev.
 */
int kumem_ring_create(kumem_t *dev, uint32_t sq_entries, unsigned flags, uint32_t idle_us,
		      kumem_ring_t **out);

/* What kumem_ring_create_params() takes: kumem_ring_create()'s arguments and more. */
struct kumem_ring_params {
	uint32_t sq_entries; /* a power of two, at most KUMEM_RING_MAX_ENTRIES */
	uint32_t cq_entries; /* a power of two >= sq_entries; 0 means 2 * sq_entries */
	unsigned flags;	     /* KUMEM_RING_SQPOLL, KUMEM_RING_SQ_AFF */
	uint32_t idle_us;    /* SQPOLL: busy-poll time before the thread sleeps; 0 means 1000 */
	uint32_t sq_cpu;     /* with KUMEM_RING_SQ_AFF: the one CPU the SQPOLL thread runs on */
};
/*
 * kumem_ring_create() with every setting. KUMEM_RING_SQ_AFF (with SQPOLL) keeps the kernel
 * thread on @sq_cpu, which must be online (-EINVAL otherwise): pin it away from the
 * submitting thread, as with io_uring's SQ_AFF. Windows: a CPU of processor group 0.
 */
int kumem_ring_create_params(kumem_t *dev, const struct kumem_ring_params *p, kumem_ring_t **out);
/*
 * Take over a ring a driver created for this process (its ioctl returned @fd; the driver
 * used kumem_ring_create_driver() and defines ops >= KUMEM_OP_DRIVER_FIRST). The ring is
 * then used, and destroyed, like one from kumem_ring_create(); destroying closes @fd.
 * Linux only (-EOPNOTSUPP elsewhere: use kumem_ring_attach_dev()); -ENOTTY if @fd is not a
 * kumem ring.
 */
int kumem_ring_attach(int fd, kumem_ring_t **out);
/*
 * The same on every system. Windows: a driver's ring lives in a kumem handle the process gave
 * the driver (KumemRingCreateDriver() in the kernel), and @id is the ring id the driver
 * returned; @dev is that handle's kumem_t, which must outlive the ring; destroying releases
 * the ring (the driver's release runs). Linux: @id is the ring fd and @dev is not used (may
 * be NULL).
 * -ENOENT (Windows) / -ENOTTY (Linux) if there is no such ring of this process.
 */
int kumem_ring_attach_dev(kumem_t *dev, int id, kumem_ring_t **out);
/* Stop serving and unmap; completions not reaped are lost. NULL is ignored. */
void kumem_ring_destroy(kumem_ring_t *r);
/* The ring's fd: poll()/epoll report EPOLLIN when completions are ready. */
int kumem_ring_fd(const kumem_ring_t *r);

/* A free submission slot to fill in (zeroed), or NULL when the queue is full. */
struct kumem_sqe *kumem_ring_get_sqe(kumem_ring_t *r);
/*
 * Publish every slot taken with kumem_ring_get_sqe(). Without SQPOLL this makes one system
 * call that has the kernel consume them (up to 64 MiB of work per call: the rest stay queued
 * and kumem_ring_wait() hands them over); with SQPOLL it makes one only if the kernel thread
 * sleeps. Returns the number published, or a negative errno (-EBADFD: the kernel found the
 * ring's indices corrupt and stopped serving it).
 */
int kumem_ring_submit(kumem_ring_t *r);
/* Wait until at least @min completions are ready: @timeout_ns < 0 waits forever, 0 checks.
 * -ETIMEDOUT, -EINTR, -EBADFD. */
int kumem_ring_wait(kumem_ring_t *r, unsigned min, int64_t timeout_ns);
/* Copy up to @max ready completions to @out and give their slots back. Returns the count. */
int kumem_ring_reap(kumem_ring_t *r, struct kumem_cqe *out, unsigned max);

/*
 * Waiting for many rings at once. Linux: poll()/epoll on kumem_ring_fd() (EPOLLIN when
 * completions are ready). Windows: an I/O completion port, the system's counterpart, which
 * receives one packet per asynchronous wait that ends:
 *
 *   kumem_port_associate(dev, port, key)  once per kumem_t: its handle posts to @port (a
 *                                         HANDLE from CreateIoCompletionPort) with @key;
 *                                         libkumem's own calls on it never post packets
 *   kumem_ring_wait_start(r, min, timeout_ns)  one wait for @min completions (an overlapped
 *                                         ENTER(GETEVENTS); @timeout_ns < 0: none): 0 means
 *                                         a packet will come, even if it is already over
 *   GetQueuedCompletionStatus(port, ...)  kumem_ring_from_overlapped(its OVERLAPPED) is the
 *                                         ring; other packets give NULL
 *   kumem_ring_wait_end(r)                that wait's result: 0, -ETIMEDOUT, -EINTR
 *                                         (cancelled), -EBADFD (ring released or dead)
 *   kumem_ring_wait_cancel(r)             CancelIoEx on it; its packet still comes (-EINTR)
 *
 * One wait per ring at a time (-EBUSY). kumem_ring_wait_end() without a packet blocks until
 * the wait ends, so the calls also work without a port. Destroy a ring after its wait's
 * packet has been taken: a ring destroyed with a wait in flight cancels it and waits for it,
 * and keeps the wait's few bytes allocated, since the packet still to come points at them.
 * Linux: -EOPNOTSUPP (NULL for kumem_ring_from_overlapped).
 */
int kumem_port_associate(kumem_t *dev, void *port, uintptr_t key);
int kumem_ring_wait_start(kumem_ring_t *r, unsigned min, int64_t timeout_ns);
kumem_ring_t *kumem_ring_from_overlapped(void *overlapped);
int kumem_ring_wait_end(kumem_ring_t *r);
int kumem_ring_wait_cancel(kumem_ring_t *r);

/*
 * The same two steps a batch at a time, without a call or a copy per entry (the calls above
 * cost more than the kernel's work on a NOP):
 *
 * kumem_ring_get_sqes() takes up to @want free submission slots that follow each other in
 * memory, points *@sqes at the first and returns how many: fewer than @want where the ring
 * wraps (call again for the rest) or fills, 0 when it is full. The slots hold old entries,
 * not zeros: write every field, e.g. sqes[i] = (struct kumem_sqe){ .op = KUMEM_OP_NOP };
 * kumem_ring_submit() publishes them with any taken by kumem_ring_get_sqe().
 *
 * kumem_ring_peek_cqes() points *@cqes at the first ready completion and returns how many
 * follow it in memory (the rest, past the wrap, on the next call), or -EBADFD. They stay
 * readable in place until kumem_ring_cq_advance() gives @n of them back (n <= that count).
 */
unsigned kumem_ring_get_sqes(kumem_ring_t *r, unsigned want, struct kumem_sqe **sqes);
int kumem_ring_peek_cqes(kumem_ring_t *r, const struct kumem_cqe **cqes);
void kumem_ring_cq_advance(kumem_ring_t *r, unsigned n);

/* Create an event stream with @data_bytes (a power of two >= 4 pages; at most 256 MiB on
 * Linux, 4 MiB on Windows) of record space. Destroy it before closing @dev. */
int kumem_events_create(kumem_t *dev, size_t data_bytes, kumem_events_t **out);
void kumem_events_destroy(kumem_events_t *e);
/* Linux: the stream's fd (for a driver, kumem_events_fdget); Windows: its id on @dev. */
int kumem_events_fd(const kumem_events_t *e);
/*
 * Start the kernel's generator: @count records of @record_len payload bytes (a multiple of 8,
 * 8 .. data_bytes/4), each a uint64_t sequence number then bytes equal to (uint8_t)seq, at
 * @rate per second (0: as fast as the consumer takes them, no drops). @count 0 stops it.
 */
int kumem_events_generate(kumem_events_t *e, uint64_t count, uint32_t record_len, uint32_t rate);
/* Hand up to @max committed records to @fn and release their space. Returns the count. */
typedef int (*kumem_event_fn)(void *ctx, const void *payload, uint32_t len);
int kumem_events_consume(kumem_events_t *e, kumem_event_fn fn, void *ctx, unsigned max);
/* Sleep until a record is ready (Linux: poll; Windows: KUMEM_IOC_EVENTS_WAIT); @timeout_ms < 0
 * waits forever. 1 ready, 0 timeout. */
int kumem_events_wait(kumem_events_t *e, int timeout_ms);
/* Records the kernel produced, and dropped because the stream was full. */
void kumem_events_counts(const kumem_events_t *e, uint64_t *produced, uint64_t *dropped);
/*
 * Waiting for many streams (and rings) at once. Linux: poll()/epoll on kumem_events_fd()
 * (EPOLLIN when a record is ready). Windows: the completion port of kumem_port_associate(),
 * as for rings, with one asynchronous wait per stream:
 *
 *   kumem_events_wait_start(e, timeout_ms)  an overlapped KUMEM_IOC_EVENTS_WAIT (@timeout_ms
 *                                         < 0: none): 0 means a packet will come, even if it
 *                                         is already over
 *   kumem_events_from_overlapped(ov)      the stream of a packet's OVERLAPPED; NULL for a
 *                                         ring's wait (kumem_ring_from_overlapped() knows it)
 *   kumem_events_wait_end(e)              that wait's result, as kumem_events_wait(): 1 ready,
 *                                         0 timeout, -EINTR (cancelled), -EBADFD (destroyed
 *                                         or dead)
 *   kumem_events_wait_cancel(e)           CancelIoEx on it; its packet still comes (-EINTR)
 *
 * One wait per stream at a time (-EBUSY); the rules of the ring calls above apply (destroy
 * after the packet was taken). Linux: -EOPNOTSUPP (NULL for kumem_events_from_overlapped).
 */
int kumem_events_wait_start(kumem_events_t *e, int timeout_ms);
kumem_events_t *kumem_events_from_overlapped(void *overlapped);
int kumem_events_wait_end(kumem_events_t *e);
int kumem_events_wait_cancel(kumem_events_t *e);

/* A sentence for a negative errno from these calls (what happened and what to do). */
const char *kumem_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif
