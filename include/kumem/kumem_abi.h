/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * kumem ABI: the one definition of everything that crosses the user/kernel line.
 *
 * Included unchanged by the Linux module, the Windows driver, libkumem (both backends),
 * core/ and the host tests. Rules kept here so the ABI never needs a 32-bit twin:
 *   - fixed-width fields only; user pointers travel as uint64_t;
 *   - every struct is a multiple of 8 bytes with explicit padding, checked below;
 *   - reserved fields must be zero on input (the kernel rejects anything else with EINVAL),
 *     so they can gain a meaning later without a new ioctl;
 *   - regions are named by small per-handle ids, never by kernel addresses.
 *
 * Error values: the kernels and core/ speak Linux errno numbers (KUMEM_E* below). The Linux
 * module returns them as they are; the Windows driver turns them into NTSTATUS and libkumem
 * turns those back, so a caller sees the same negative errno on both systems.
 */
#ifndef KUMEM_ABI_H
#define KUMEM_ABI_H

#if defined(__KERNEL__)
#include <linux/types.h> /* uint8_t .. uint64_t exist in the kernel too */
#else
#include <stdint.h>
#endif

#define KUMEM_ABI_VERSION 1u

/*
 * Layout checks below hold on every compiler the ABI is built with: C11's _Static_assert,
 * C++'s static_assert (C++ has no _Static_assert), and for C99 a negative array size.
 */
#if defined(__cplusplus)
#define KUMEM_LAYOUT_ASSERT(cond, what) static_assert(cond, what)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define KUMEM_LAYOUT_ASSERT(cond, what) _Static_assert(cond, what)
#else
#define KUMEM_LAYOUT_ASSERT_NAME2(line) kumem_layout_assert_##line
#define KUMEM_LAYOUT_ASSERT_NAME(line)	KUMEM_LAYOUT_ASSERT_NAME2(line)
#define KUMEM_LAYOUT_ASSERT(cond, what)                                                            \
	typedef char KUMEM_LAYOUT_ASSERT_NAME(__LINE__)[(cond) ? 1 : -1]
#endif

/* ---- region flags ------------------------------------------------------------------------ */

/* Method 1 (kumem_lock_user): what the kernel may do to the caller's memory. */
#define KUMEM_KERNEL_READ  0x0001u
#define KUMEM_KERNEL_WRITE 0x0002u
/* Method 2 (kumem_alloc_shared): what the calling process may do to the kernel's pages. */
#define KUMEM_USER_READ	 0x0004u
#define KUMEM_USER_WRITE 0x0008u
/*
 * Method 2 variant: one physically contiguous block rounded up to whole pages, the
 * kernel's equivalent of the seed's ExAllocatePoolWithTag(NonPagedPool) +
 * MmBuildMdlForNonPagedPool.
 */
#define KUMEM_ALLOC_CONTIG 0x0010u

#define KUMEM_LOCK_FLAGS_ALL  (KUMEM_KERNEL_READ | KUMEM_KERNEL_WRITE)
#define KUMEM_ALLOC_FLAGS_ALL (KUMEM_USER_READ | KUMEM_USER_WRITE | KUMEM_ALLOC_CONTIG)

/* ---- the MDL view ------------------------------------------------------------------------ */

/* kumem_mdl.flags */
#define KUMEM_MDL_LOCKED	   0x0001u /* pages pinned/locked for the region's life */
#define KUMEM_MDL_KERNEL_MAPPED	   0x0002u /* the kernel has its own virtual mapping */
#define KUMEM_MDL_USER_MAPPED	   0x0004u /* mapped into the owning process */
#define KUMEM_MDL_KERNEL_ALLOCATED 0x0008u /* method 2: pages belong to the kernel */
#define KUMEM_MDL_USER_READ_ONLY   0x0010u /* the process cannot write these pages */
#define KUMEM_MDL_KERNEL_WRITES	   0x0020u /* method 1 with KUMEM_KERNEL_WRITE */
#define KUMEM_MDL_CONTIGUOUS	   0x0040u /* physically contiguous (KUMEM_ALLOC_CONTIG) */
#define KUMEM_MDL_CHAINED	   0x0080u /* more than one element: see KUMEM_IOC_DESCRIBE_CHAIN */
#define KUMEM_MDL_VIEW		   0x0100u /* a partial view sharing another region's pages */

/*
 * What the seed calls the MDL, as the caller may see it. No kernel address is in here:
 * start_va is in the caller's own address space (method 1: the buffer it passed; method 2:
 * where the pages are mapped in this process, 0 while not mapped).
 */
struct kumem_mdl {
	uint64_t start_va;	   /* page aligned: MDL StartVa */
	uint64_t byte_count;	   /* MDL ByteCount */
	uint32_t byte_offset;	   /* MDL ByteOffset: start_va + byte_offset = first byte */
	uint32_t flags;		   /* KUMEM_MDL_* */
	uint64_t page_count;	   /* ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, byte_count) */
	uint64_t descriptor_bytes; /* memory the kernel keeps to describe it (header + PFNs) */
	uint32_t os_flags;	   /* Windows: MDL->MdlFlags; Linux: 0 */
	uint32_t id;		   /* region id */
	uint32_t chain_length;	   /* elements of the chain (MDLs linked through Next): >= 1 */
	uint32_t reserved0;
	uint64_t reserved1;
};

/*
 * KUMEM_MDL_KERNEL_MAPPED says the kernel sees the region's bytes as one linear buffer. A
 * chain has it when its segments meet on page boundaries (every segment but the first starts
 * a page, every one but the last ends one); a chain that does not is still mapped page by
 * page, and the kernel's operations (fill, checksum, ring submissions) walk its segments;
 * only a driver's kumem_region_kaddr() needs the linear buffer (NULL otherwise).
 */

/* ---- ioctl argument blocks ---------------------------------------------------------------- */

/* KUMEM_IOC_VERSION: out */
struct kumem_info {
	uint32_t abi_version;	   /* KUMEM_ABI_VERSION */
	uint32_t page_size;	   /* bytes */
	uint32_t max_regions;	   /* per open handle */
	uint32_t features;	   /* KUMEM_FEAT_* */
	uint64_t max_region_bytes; /* largest single region */
	uint64_t reserved[3];
};

#define KUMEM_FEAT_LOCK_USER	0x0001u
#define KUMEM_FEAT_ALLOC_SHARED 0x0002u
#define KUMEM_FEAT_CONTIG	0x0004u
#define KUMEM_FEAT_BUFFERED	0x0008u
#define KUMEM_FEAT_DIRECT	0x0010u
#define KUMEM_FEAT_RW		0x0020u /* read()/write() in buffered and direct mode */
#define KUMEM_FEAT_CHAINS	0x0040u /* vectored lock, partial views, DESCRIBE_CHAIN */
#define KUMEM_FEAT_URING_CMD	0x0080u /* Linux: ring ops through io_uring (KUMEM_URING_CMD_SQE) */
#define KUMEM_FEAT_RING_SUBMIT	0x0100u /* Linux: KUMEM_IOC_RING_SUBMIT */

/* KUMEM_IOC_LOCK_USER: method 1 */
struct kumem_lock_args {
	uint64_t addr;	/* in: user address, any alignment */
	uint64_t len;	/* in: bytes, > 0 */
	uint32_t flags; /* in: KUMEM_KERNEL_READ and/or KUMEM_KERNEL_WRITE */
	uint32_t id;	/* out: region id */
	uint64_t reserved[2];
};

/*
 * KUMEM_IOC_LOCK_USERV: method 1 over several user segments, locked as one region (the seed's
 * MDLs linked through Next). All or nothing: on failure nothing stays pinned. Segments may
 * have any byte alignment, come in any order, and must be nonempty and not share a page with
 * one another (a page pinned twice in one descriptor would be DMA'd twice): EINVAL. The
 * region's bytes are the segments' bytes in array order; RLIMIT_MEMLOCK is charged for the
 * pages of all of them at once.
 */
#define KUMEM_MAX_SEGMENTS 256u
#define KUMEM_NO_SEGMENT   0xffffffffu

struct kumem_segment {
	uint64_t addr; /* user address, any alignment */
	uint64_t len;  /* bytes, > 0 */
};

struct kumem_lockv_args {
	uint64_t segs;	      /* in: user pointer to struct kumem_segment[count] */
	uint32_t count;	      /* in: 1 .. KUMEM_MAX_SEGMENTS */
	uint32_t flags;	      /* in: KUMEM_KERNEL_READ and/or KUMEM_KERNEL_WRITE */
	uint32_t id;	      /* out: region id */
	uint32_t bad_segment; /* out: on failure, the segment refused, or KUMEM_NO_SEGMENT */
	uint64_t reserved[2];
};

/*
 * KUMEM_IOC_VIEW: bytes [offset, offset + len) of region @parent as a region of its own (the
 * seed's IoBuildPartialMdl), sharing the parent's pages and keeping them alive after the
 * parent's id is released. A view of a view is a view of the same pages. ERANGE past the end.
 */
struct kumem_view_args {
	uint32_t parent; /* in: region id (any kind, chained or not, or a view) */
	uint32_t id;	 /* out: the view's id */
	uint64_t offset; /* in */
	uint64_t len;	 /* in: > 0 */
	uint32_t flags;	 /* in: 0 */
	uint32_t reserved0;
	uint64_t reserved;
};

/* One element of a chain, as KUMEM_IOC_DESCRIBE_CHAIN reports it: one MDL of the list. */
struct kumem_mdl_elem {
	uint64_t start_va;    /* page aligned, in the caller's address space (0: not mapped) */
	uint64_t byte_count;  /* bytes of this element */
	uint32_t byte_offset; /* of its first byte in its first page */
	uint32_t index;	      /* position in the chain, from 0 */
	uint64_t page_count;
	uint64_t offset;    /* of its first byte within the region's bytes */
	uint64_t first_pfn; /* index of its first page in KUMEM_IOC_DESCRIBE's PFN array */
	uint64_t reserved[2];
};

/* KUMEM_IOC_DESCRIBE_CHAIN */
struct kumem_describe_chain_args {
	uint32_t id;		/* in */
	uint32_t max_elems;	/* in: room at elems */
	uint64_t elems;		/* in: user pointer to struct kumem_mdl_elem[max_elems] */
	uint32_t elems_written; /* out */
	uint32_t chain_length;	/* out: elements in all */
	uint64_t reserved[2];
};

/* KUMEM_IOC_ALLOC_SHARED: method 2 */
struct kumem_alloc_args {
	uint64_t len;	      /* in: bytes, > 0; whole pages are allocated */
	uint32_t flags;	      /* in: KUMEM_USER_READ [| KUMEM_USER_WRITE] [| KUMEM_ALLOC_CONTIG] */
	uint32_t id;	      /* out: region id */
	uint64_t mmap_offset; /* out, Linux: pass to mmap() on the device fd */
	uint64_t user_addr;   /* out, Windows: where the driver mapped the pages; Linux: 0 */
	uint64_t map_len;     /* out: bytes mapped (len rounded up to pages) */
	uint64_t reserved[2];
};

/* KUMEM_IOC_RELEASE */
struct kumem_region_ref {
	uint32_t id;
	uint32_t reserved;
};

/* KUMEM_IOC_DESCRIBE */
struct kumem_describe_args {
	uint32_t id;	       /* in */
	uint32_t reserved0;    /* in: 0 */
	uint64_t pfns;	       /* in: user pointer to uint64_t[max_pfns], or 0 (privileged) */
	uint64_t max_pfns;     /* in */
	uint64_t pfns_written; /* out */
	struct kumem_mdl mdl;  /* out */
};

/* KUMEM_IOC_KERNEL_FILL, KUMEM_IOC_KERNEL_CHECKSUM: the driver works on its own mapping */
struct kumem_kernel_op {
	uint32_t id;	 /* in */
	uint32_t value;	 /* in: fill byte (0..255); 0 for checksum */
	uint64_t offset; /* in: bytes from the region's first byte */
	uint64_t len;	 /* in */
	uint64_t result; /* out: checksum */
	uint64_t reserved;
};

/*
 * KUMEM_IOC_BUFFERED_CHECKSUM, KUMEM_IOC_DIRECT_CHECKSUM. Linux: this block, in and out.
 * Windows, where the transfer type is part of the IOCTL code:
 *   METHOD_BUFFERED   input buffer = the data (copied by the I/O manager), output = the sum;
 *   METHOD_IN_DIRECT  output buffer = the data (locked for reading, Irp->MdlAddress), input =
 *                     this block with len = the data's length and addr = where the driver
 *                     writes the uint64_t sum (a direct request copies nothing back).
 */
struct kumem_xfer {
	uint64_t addr;	 /* in: user buffer */
	uint64_t len;	 /* in */
	uint64_t result; /* out: checksum */
	uint64_t reserved;
};

/* KUMEM_IOC_STATS: module-wide counters, for tests and `kumem stats`. No addresses. */
struct kumem_stats {
	uint64_t open_handles;
	uint64_t regions;
	uint64_t pinned_pages;	  /* method 1 pages held */
	uint64_t allocated_pages; /* method 2 pages held (including ones kept alive by a mapping) */
	uint64_t user_mappings;	  /* live user mappings of method 2 regions */
	uint64_t io_pinned_pages; /* pages pinned right now by direct read()/write() calls */
	uint64_t reserved[2];
};

/* ---- read() and write(): the seed's DO_BUFFERED_IO and DO_DIRECT_IO ----------------------
 *
 * write() consumes: the driver checksums the bytes (kumem_checksum), in order across the
 * iovecs. read() produces: byte i of the call is kumem_pattern_byte(i) (core/checksum.h),
 * counted from 0 at every call whatever the file position. KUMEM_IOC_RW_LAST tells what the
 * last call on the handle did, with the "MDL" of a direct call.
 *
 * Buffered: the driver copies through a bounce buffer of its own, a bounded chunk at a time
 * (Windows: DO_BUFFERED_IO, the I/O manager's Irp->AssociatedIrp.SystemBuffer). Direct: the
 * caller's pages are pinned for the call only, a bounded batch at a time, and worked on in
 * place (Windows: DO_DIRECT_IO, Irp->MdlAddress).
 *
 * Linux: one /dev/kumem file serves read()/write() once KUMEM_IOC_RW_MODE has chosen a mode
 * (until then both fail with EINVAL). Windows: the mode is the device opened,
 * \\.\kumem-buffered or \\.\kumem-direct; KUMEM_IOC_RW_LAST goes to that handle.
 */
#define KUMEM_RW_NONE	  0u /* read()/write() refused: EINVAL (a new file's mode) */
#define KUMEM_RW_BUFFERED 1u
#define KUMEM_RW_DIRECT	  2u
/* Direct-mode pins at most this many pages of one call at a time (the rest waits its turn). */
#define KUMEM_RW_PIN_BATCH 1024u
#define KUMEM_RW_PFNS	   8u

/* KUMEM_IOC_RW_MODE (Linux, on /dev/kumem): in */
struct kumem_rw_mode {
	uint32_t mode; /* KUMEM_RW_* */
	/*
	 * Direct: 0, or a power of two <= the page size that every iovec's address and length
	 * must be a multiple of (O_DIRECT's rule; EINVAL otherwise, before any byte moves).
	 * Buffered: 0.
	 */
	uint32_t align;
	uint64_t reserved[3];
};

#define KUMEM_RW_OP_READ  1u
#define KUMEM_RW_OP_WRITE 2u

/* KUMEM_IOC_RW_LAST: out. The last read()/write() on this handle that returned a count. */
struct kumem_rw_last {
	uint32_t mode;	      /* KUMEM_RW_BUFFERED or KUMEM_RW_DIRECT; 0 if none yet */
	uint32_t op;	      /* KUMEM_RW_OP_* */
	uint64_t bytes;	      /* the count it returned */
	uint64_t sum;	      /* checksum of those bytes (written, or produced) */
	uint32_t segments;    /* iovecs it was given */
	uint32_t chunks;      /* bounce-buffer copies, or pin batches */
	uint64_t pages;	      /* direct: pages pinned over the call, batches summed */
	uint32_t byte_offset; /* direct: the first byte's offset in its page (MDL ByteOffset) */
	uint32_t max_pinned;  /* direct: most pages pinned at once (<= KUMEM_RW_PIN_BATCH) */
	uint32_t pfn_count;   /* PFNs of the first pinned pages; 0 unless privileged */
	uint32_t os_flags;    /* Windows: the MDL's MdlFlags; Linux: 0 */
	uint64_t pfns[KUMEM_RW_PFNS];
	uint64_t reserved[2];
};

/* ---- rings (see docs/rings.md) -------------------------------------------------------------
 *
 * A command ring is one shared mapping: a control page with the four indices, each on its own
 * cache line, then the submission entries, then the completion entries. Indices are
 * free-running uint32_t counters; entries counts are powers of two. Who writes what:
 *
 *   sq_tail  user    (publishes submissions)      sq_head  kernel (consumed submissions)
 *   cq_tail  kernel  (publishes completions)      cq_head  user   (consumed completions)
 *   sq_flags kernel  (NEED_WAKEUP, DEAD)
 *
 * The kernel keeps private copies of the indices it owns and reads each user-written index
 * once, checking it against capacity; a ring whose indices make no sense is marked DEAD and
 * refuses further work, it never causes an out-of-bounds access.
 */
#define KUMEM_RING_MAX_ENTRIES 32768u

#define KUMEM_SQ_NEED_WAKEUP 0x1u /* the polling thread sleeps: ENTER with KUMEM_ENTER_WAKEUP */
#define KUMEM_RING_DEAD	     0x2u /* the kernel stopped serving this ring (corrupt indices) */

struct kumem_ring_ctrl {
	uint32_t sq_tail;
	uint32_t pad0[15];
	uint32_t sq_head;
	uint32_t sq_flags;
	uint32_t pad1[14];
	uint32_t cq_tail;
	uint32_t cq_overflow; /* completions the kernel could not post (never, by construction) */
	uint32_t pad2[14];
	uint32_t cq_head;
	uint32_t pad3[15];
};

/* ops */
#define KUMEM_OP_NOP	  0
#define KUMEM_OP_FILL	  1 /* region: [offset, offset + len) = value */
#define KUMEM_OP_CHECKSUM 2 /* cqe.value = kumem_checksum(region [offset, offset + len)) */
#define KUMEM_OP_COPY	  3 /* dst_region [dst_offset...] = region [offset, offset + len) */
#define KUMEM_OP_MAX	  KUMEM_OP_COPY
/* Ops from here up belong to the driver that created the ring (kumem_ring_create_driver()):
 * it interprets every field but flags and the reserved ones, which must still be zero.
 */
#define KUMEM_OP_DRIVER_FIRST 0x80

struct kumem_sqe {
	uint8_t op;
	uint8_t flags; /* 0 */
	uint16_t reserved0;
	uint32_t region;
	uint64_t offset;
	uint64_t len;
	uint64_t user_data;
	uint32_t dst_region;
	uint32_t value;
	uint64_t dst_offset;
	uint64_t reserved[2];
};

struct kumem_cqe {
	uint64_t user_data;
	int64_t result; /* 0 or a negative errno */
	uint64_t value; /* CHECKSUM: the sum */
	uint64_t reserved;
};

/*
 * KUMEM_IOC_RING_CREATE. Linux (on /dev/kumem): returns a new fd for the ring in ring_fd; map
 * it with mmap. Windows (on \\.\kumem): ring_fd is the ring's id (release it with
 * KUMEM_IOC_RELEASE), the driver maps the ring itself at user_addr, and event_handle may name
 * an event the driver signals whenever it posts completions.
 */
#define KUMEM_RING_SQPOLL 0x1u /* a kernel thread consumes submissions; sleeps when idle */
#define KUMEM_RING_SQ_AFF 0x2u /* with SQPOLL: that thread runs on CPU sq_cpu only */
#define KUMEM_RING_FLAGS  (KUMEM_RING_SQPOLL | KUMEM_RING_SQ_AFF)
/* Longest SQPOLL busy-poll after the last submission: 1 s, io_uring's default sq_thread_idle */
#define KUMEM_RING_MAX_IDLE_US 1000000u

struct kumem_ring_create {
	uint32_t sq_entries; /* in: power of two, <= KUMEM_RING_MAX_ENTRIES */
	uint32_t cq_entries; /* in: power of two >= sq_entries, or 0 for 2 * sq_entries */
	uint32_t flags;	     /* in: KUMEM_RING_* */
	/* in: SQPOLL busy-poll time before sleeping (0: 1000), at most KUMEM_RING_MAX_IDLE_US */
	uint32_t idle_us;
	int32_t ring_fd;       /* out */
	uint32_t sq_cpu;       /* in: with KUMEM_RING_SQ_AFF, an online CPU; else 0 */
	uint64_t map_len;      /* out: mmap(ring_fd, offset 0, map_len) */
	uint64_t sq_offset;    /* out: first kumem_sqe in the mapping */
	uint64_t cq_offset;    /* out: first kumem_cqe */
	uint64_t event_handle; /* in, Windows: HANDLE of an event, or 0; Linux: 0 */
	uint64_t user_addr;    /* out, Windows: where the ring is mapped; Linux: 0 */
};

/* KUMEM_IOC_RING_ENTER (on the ring fd) */
#define KUMEM_ENTER_GETEVENTS 0x1u /* wait until min_complete completions are ready */
#define KUMEM_ENTER_WAKEUP    0x2u /* wake the SQPOLL thread */

struct kumem_ring_enter {
	/* in: consume up to this many submissions now (not SQPOLL); one call stops after
	 * 64 MiB of work (docs/rings.md)
	 */
	uint32_t to_submit;
	uint32_t min_complete; /* in: with GETEVENTS */
	uint32_t flags;	       /* in */
	uint32_t submitted;    /* out: how many were consumed; the rest stay queued */
	int64_t timeout_ns;    /* in: with GETEVENTS; < 0 waits forever */
	uint32_t ring_id;      /* in, Windows: which ring (ENTER goes to the device); Linux: 0 */
	uint32_t reserved;
};

/*
 * Event stream: kernel -> user, variable-length records. The mapping is a control page
 * (consumer_pos, written by user space), a control page (producer_pos and counters, written
 * by the kernel), then the data area mapped twice back to back, so a record that starts near
 * the end continues in the second copy and never wraps.
 */
#define KUMEM_EV_BUSY	  0x80000000u /* in record header len: being written */
#define KUMEM_EV_DISCARD  0x40000000u /* in record header len: skip this record */
#define KUMEM_EV_LEN_MASK 0x0fffffffu
#define KUMEM_EV_HDR_SIZE 8u

struct kumem_ev_hdr {
	uint32_t len; /* payload bytes | BUSY | DISCARD */
	uint32_t pad;
};

struct kumem_ev_consumer_page {
	uint64_t consumer_pos; /* user writes */
};

struct kumem_ev_producer_page {
	uint64_t producer_pos; /* kernel writes */
	uint64_t dropped;      /* records refused because the area was full */
	uint64_t produced;
	uint32_t flags; /* KUMEM_RING_DEAD when the stream is torn down */
	uint32_t reserved;
};

/*
 * KUMEM_IOC_EVENTS_CREATE. Linux (on /dev/kumem): returns the stream's fd; map it with mmap
 * (offset 0: the consumer page, read-write; offset page_size: the rest, read-only). Windows
 * (on \\.\kumem): events_fd is the stream's id (release it with KUMEM_IOC_RELEASE) and the
 * driver maps the same two pieces itself, at user_addr and user_ro_addr.
 */
struct kumem_events_create {
	uint64_t data_bytes; /* in: power of two, >= 4 pages */
	int32_t events_fd;   /* out */
	uint32_t reserved0;
	uint64_t map_len;      /* out: 2 control pages + 2 * data_bytes */
	uint64_t data_offset;  /* out */
	uint64_t user_addr;    /* out, Windows: layout offset 0, 1 page read-write; in: 0 */
	uint64_t user_ro_addr; /* out, Windows: offset page_size .. map_len, read-only; in: 0 */
};

/* KUMEM_IOC_EVENTS_GEN (on the events fd): a kernel thread produces sequence-numbered
 * records (payload: uint64_t sequence, then bytes equal to (uint8_t)sequence).
 */
struct kumem_events_gen {
	uint64_t count;	     /* in: records to produce (0: stop the generator) */
	uint32_t record_len; /* in: payload bytes, 8 .. 65536, multiple of 8 */
	uint32_t rate;	     /* in: records per second, 0 = as fast as possible */
	uint32_t events_id;  /* in, Windows: which stream (GEN goes to the device); Linux: 0 */
	uint32_t reserved0;
	uint64_t reserved1;
};

/* KUMEM_IOC_EVENTS_WAIT (Windows only; Linux polls the events fd): sleep until a committed
 * record is ready, the timeout passes or the stream dies (-EBADFD).
 */
struct kumem_events_wait {
	uint32_t events_id;
	uint32_t reserved0;
	int64_t timeout_ns; /* in: < 0 waits forever, 0 only looks */
	uint32_t ready;	    /* out: 1 a record is ready, 0 the timeout passed */
	uint32_t reserved1;
};

KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_ring_ctrl) == 256, "ring ctrl: four cache lines");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_ring_ctrl, sq_head) == 64, "sq_head line");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_ring_ctrl, cq_tail) == 128, "cq_tail line");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_ring_ctrl, cq_head) == 192, "cq_head line");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_sqe) == 64, "sqe layout");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_sqe, user_data) == 24, "sqe.user_data");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_sqe, dst_offset) == 40, "sqe.dst_offset");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_cqe) == 32, "cqe layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_ring_create) == 64, "ring_create layout");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_ring_create, sq_cpu) == 20,
		    "ring_create.sq_cpu");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_ring_enter) == 32, "ring_enter layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_ev_hdr) == KUMEM_EV_HDR_SIZE, "event header");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_events_create) == 48, "events_create layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_events_gen) == 32, "events_gen layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_events_wait) == 24, "events_wait layout");

/* ---- ioctl numbers ------------------------------------------------------------------------ */

#define KUMEM_NR_VERSION	   0x01
#define KUMEM_NR_LOCK_USER	   0x02
#define KUMEM_NR_ALLOC_SHARED	   0x03
#define KUMEM_NR_RELEASE	   0x04
#define KUMEM_NR_DESCRIBE	   0x05
#define KUMEM_NR_KERNEL_FILL	   0x06
#define KUMEM_NR_KERNEL_CHECKSUM   0x07
#define KUMEM_NR_BUFFERED_CHECKSUM 0x08
#define KUMEM_NR_DIRECT_CHECKSUM   0x09
#define KUMEM_NR_STATS		   0x0a
#define KUMEM_NR_RING_CREATE	   0x10
#define KUMEM_NR_RING_ENTER	   0x11
#define KUMEM_NR_EVENTS_CREATE	   0x12
#define KUMEM_NR_EVENTS_GEN	   0x13
#define KUMEM_NR_RING_INFO	   0x14
#define KUMEM_NR_RW_MODE	   0x15
#define KUMEM_NR_RW_LAST	   0x16
#define KUMEM_NR_EVENTS_WAIT	   0x17
#define KUMEM_NR_RING_SUBMIT	   0x18 /* Linux */
#define KUMEM_NR_LOCK_USERV	   0x20
#define KUMEM_NR_VIEW		   0x21
#define KUMEM_NR_DESCRIBE_CHAIN	   0x22
#define KUMEM_NR_URING_SQE	   0x30 /* Linux: an io_uring command, not an ioctl */

#if defined(_WIN32)
/* CTL_CODE(KUMEM_DEVICE_TYPE, 0x800 + nr, method, FILE_READ_DATA | FILE_WRITE_DATA) */
#define KUMEM_DEVICE_TYPE      0x8337u
#define KUMEM_METHOD_BUFFERED  0u
#define KUMEM_METHOD_IN_DIRECT 1u
#define KUMEM_WIN_IOCTL(nr, method)                                                                \
	((KUMEM_DEVICE_TYPE << 16) | (3u << 14) | ((0x800u + (nr)) << 2) | (method))
#define KUMEM_IOC_VERSION	  KUMEM_WIN_IOCTL(KUMEM_NR_VERSION, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_LOCK_USER	  KUMEM_WIN_IOCTL(KUMEM_NR_LOCK_USER, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_ALLOC_SHARED	  KUMEM_WIN_IOCTL(KUMEM_NR_ALLOC_SHARED, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_RELEASE	  KUMEM_WIN_IOCTL(KUMEM_NR_RELEASE, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_DESCRIBE	  KUMEM_WIN_IOCTL(KUMEM_NR_DESCRIBE, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_KERNEL_FILL	  KUMEM_WIN_IOCTL(KUMEM_NR_KERNEL_FILL, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_KERNEL_CHECKSUM KUMEM_WIN_IOCTL(KUMEM_NR_KERNEL_CHECKSUM, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_BUFFERED_CHECKSUM                                                                \
	KUMEM_WIN_IOCTL(KUMEM_NR_BUFFERED_CHECKSUM, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_DIRECT_CHECKSUM KUMEM_WIN_IOCTL(KUMEM_NR_DIRECT_CHECKSUM, KUMEM_METHOD_IN_DIRECT)
#define KUMEM_IOC_STATS		  KUMEM_WIN_IOCTL(KUMEM_NR_STATS, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_RING_CREATE	  KUMEM_WIN_IOCTL(KUMEM_NR_RING_CREATE, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_RING_ENTER	  KUMEM_WIN_IOCTL(KUMEM_NR_RING_ENTER, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_EVENTS_CREATE	  KUMEM_WIN_IOCTL(KUMEM_NR_EVENTS_CREATE, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_EVENTS_GEN	  KUMEM_WIN_IOCTL(KUMEM_NR_EVENTS_GEN, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_EVENTS_WAIT	  KUMEM_WIN_IOCTL(KUMEM_NR_EVENTS_WAIT, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_RING_INFO	  KUMEM_WIN_IOCTL(KUMEM_NR_RING_INFO, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_RW_LAST	  KUMEM_WIN_IOCTL(KUMEM_NR_RW_LAST, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_LOCK_USERV	  KUMEM_WIN_IOCTL(KUMEM_NR_LOCK_USERV, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_VIEW		  KUMEM_WIN_IOCTL(KUMEM_NR_VIEW, KUMEM_METHOD_BUFFERED)
#define KUMEM_IOC_DESCRIBE_CHAIN  KUMEM_WIN_IOCTL(KUMEM_NR_DESCRIBE_CHAIN, KUMEM_METHOD_BUFFERED)
#else
#if defined(__KERNEL__)
#include <linux/ioctl.h>
#else
#include <sys/ioctl.h>
#endif
#define KUMEM_IOC_MAGIC	    0xB7
#define KUMEM_IOC_VERSION   _IOR(KUMEM_IOC_MAGIC, KUMEM_NR_VERSION, struct kumem_info)
#define KUMEM_IOC_LOCK_USER _IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_LOCK_USER, struct kumem_lock_args)
#define KUMEM_IOC_ALLOC_SHARED                                                                     \
	_IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_ALLOC_SHARED, struct kumem_alloc_args)
#define KUMEM_IOC_RELEASE     _IOW(KUMEM_IOC_MAGIC, KUMEM_NR_RELEASE, struct kumem_region_ref)
#define KUMEM_IOC_DESCRIBE    _IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_DESCRIBE, struct kumem_describe_args)
#define KUMEM_IOC_KERNEL_FILL _IOW(KUMEM_IOC_MAGIC, KUMEM_NR_KERNEL_FILL, struct kumem_kernel_op)
#define KUMEM_IOC_KERNEL_CHECKSUM                                                                  \
	_IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_KERNEL_CHECKSUM, struct kumem_kernel_op)
#define KUMEM_IOC_BUFFERED_CHECKSUM                                                                \
	_IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_BUFFERED_CHECKSUM, struct kumem_xfer)
#define KUMEM_IOC_DIRECT_CHECKSUM                                                                  \
	_IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_DIRECT_CHECKSUM, struct kumem_xfer)
#define KUMEM_IOC_STATS	      _IOR(KUMEM_IOC_MAGIC, KUMEM_NR_STATS, struct kumem_stats)
#define KUMEM_IOC_RING_CREATE _IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_RING_CREATE, struct kumem_ring_create)
#define KUMEM_IOC_RING_ENTER  _IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_RING_ENTER, struct kumem_ring_enter)
#define KUMEM_IOC_EVENTS_CREATE                                                                    \
	_IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_EVENTS_CREATE, struct kumem_events_create)
#define KUMEM_IOC_EVENTS_GEN _IOW(KUMEM_IOC_MAGIC, KUMEM_NR_EVENTS_GEN, struct kumem_events_gen)
/* on a ring fd: its layout, as KUMEM_IOC_RING_CREATE returned it (for rings a driver made) */
#define KUMEM_IOC_RING_INFO  _IOR(KUMEM_IOC_MAGIC, KUMEM_NR_RING_INFO, struct kumem_ring_create)
#define KUMEM_IOC_RW_MODE    _IOW(KUMEM_IOC_MAGIC, KUMEM_NR_RW_MODE, struct kumem_rw_mode)
#define KUMEM_IOC_RW_LAST    _IOR(KUMEM_IOC_MAGIC, KUMEM_NR_RW_LAST, struct kumem_rw_last)
#define KUMEM_IOC_LOCK_USERV _IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_LOCK_USERV, struct kumem_lockv_args)
#define KUMEM_IOC_VIEW	     _IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_VIEW, struct kumem_view_args)
#define KUMEM_IOC_DESCRIBE_CHAIN                                                                   \
	_IOWR(KUMEM_IOC_MAGIC, KUMEM_NR_DESCRIBE_CHAIN, struct kumem_describe_chain_args)
/*
 * On a ring fd, enter mode: consume up to N submissions, N being the ioctl's argument itself
 * (an integer, not a pointer: KVM_RUN's shape). ENTER with to_submit = N and no flags, minus
 * the argument block: nothing is read from or written to the caller's memory, and the
 * return value is how many were consumed (0 on an SQPOLL ring, whose thread consumes). N
 * above UINT32_MAX is -EINVAL. libkumem's kumem_ring_submit() uses it.
 */
#define KUMEM_IOC_RING_SUBMIT _IO(KUMEM_IOC_MAGIC, KUMEM_NR_RING_SUBMIT)

/*
 * io_uring passthrough: IORING_OP_URING_CMD on a /dev/kumem fd with this cmd_op runs one
 * struct kumem_sqe held in the SQE's command bytes (a ring set up with IORING_SETUP_SQE128:
 * 80 bytes, the kumem_sqe then 16 bytes that must be zero). The kumem_sqe is checked and run
 * as kumem's own rings run it, on the regions of that fd; its user_data must be 0 (io_uring's
 * names the request). The CQE's res is the kumem completion's result; in a ring set up with
 * IORING_SETUP_CQE32, big_cqe[0] is its value (CHECKSUM needs one: -EOPNOTSUPP otherwise).
 * docs/rings.md, "io_uring passthrough".
 */
#define KUMEM_URING_CMD_SQE _IOW(KUMEM_IOC_MAGIC, KUMEM_NR_URING_SQE, struct kumem_sqe)
#define KUMEM_URING_CMD_BYTES 80 /* the command bytes of a 128-byte SQE */
#endif

/* ---- errors (Linux errno numbers, used by core/ and both drivers) ------------------------- */

#define KUMEM_EPERM	 1
#define KUMEM_ENOENT	 2
#define KUMEM_EFAULT	 14
#define KUMEM_EBUSY	 16
#define KUMEM_EINVAL	 22
#define KUMEM_ENOSPC	 28
#define KUMEM_ENOMEM	 12
#define KUMEM_EACCES	 13
#define KUMEM_ENOTTY	 25
#define KUMEM_E2BIG	 7
#define KUMEM_EOVERFLOW	 75
#define KUMEM_EOPNOTSUPP 95
#define KUMEM_ERANGE	 34
#define KUMEM_EDQUOT	 122 /* RLIMIT_MEMLOCK or a per-handle quota exceeded */
#define KUMEM_EINTR	 4
#define KUMEM_EBADFD	 77 /* a ring the driver stopped serving (corrupt indices) */
#define KUMEM_ETIMEDOUT	 110

/* ---- layout checks: the same numbers on every compiler and bitness ---------------------- */

KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_mdl) == 64, "kumem_mdl layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_info) == 48, "kumem_info layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_lock_args) == 40, "kumem_lock_args layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_alloc_args) == 56, "kumem_alloc_args layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_region_ref) == 8, "kumem_region_ref layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_describe_args) == 32 + 64, "kumem_describe_args layout");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_describe_args, mdl) == 32,
		    "describe.mdl offset");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_kernel_op) == 40, "kumem_kernel_op layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_xfer) == 32, "kumem_xfer layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_stats) == 64, "kumem_stats layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_rw_mode) == 32, "kumem_rw_mode layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_rw_last) == 72 + 8 * KUMEM_RW_PFNS, "kumem_rw_last layout");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_mdl, byte_offset) == 16,
		    "mdl.byte_offset offset");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_alloc_args, mmap_offset) == 16, "alloc offset");
KUMEM_LAYOUT_ASSERT(__builtin_offsetof(struct kumem_mdl, chain_length) == 48, "mdl.chain_length");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_segment) == 16, "kumem_segment layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_lockv_args) == 40, "kumem_lockv_args layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_view_args) == 40, "kumem_view_args layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_mdl_elem) == 64, "kumem_mdl_elem layout");
KUMEM_LAYOUT_ASSERT(sizeof(struct kumem_describe_chain_args) == 40, "describe_chain layout");

#endif /* KUMEM_ABI_H */
