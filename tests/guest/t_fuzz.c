// SPDX-License-Identifier: MIT
/*
 * A hostile-user fuzzer for the module, run in the guest.
 *
 * Several worker processes, each with two threads sharing one table of kumem fds and
 * mappings, pick random actions: every ioctl with random, boundary and structured arguments
 * (pointers to unmapped, read-only, kernel and just-unmapped memory among them), mmap /
 * munmap / mremap / mprotect / madvise of kumem mappings, ring submissions with garbage and
 * scribbled shared indices, event generators, fork with a child doing the same, and half of
 * the workers drop to uid 65534 after opening their first fds. The parent kills a random
 * worker with SIGKILL now and then and starts a new one. At the end every kumem counter must
 * be back to where it started (the harness then checks pins, Mlocked and kernel reports).
 *
 *   t_fuzz [--seconds N] [--seed S] [--workers W]   (default: 8 s, seed 1, 3 workers)
 *
 * The seed is printed; the same seed replays the same choices (the interleaving of processes
 * and threads differs from run to run, so a replay is likely, not certain, to hit the same bug).
 */
#include <grp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <time.h>

#include "guest_util.h"

#define PG	      4096
#define MAX_FDS	      16
#define MAX_MAPS      16
#define KERNEL_ADDR   0xffff888000000000ull
#define FUZZ_REGION_MB 8 /* module limits for the run: the guest has little memory */
#define FUZZ_FD_MB    16

struct shared_counts {
	unsigned long ops[64]; /* per worker slot */
	unsigned long forks[64];
};

enum fd_kind { FD_NONE, FD_DEV, FD_RING, FD_EVENTS };

struct fd_slot {
	int fd;
	enum fd_kind kind;
	uint64_t map_len; /* ring / events: as create returned */
	uint64_t aux;	  /* ring: sq_offset */
	uint32_t entries; /* ring: sq_entries */
};

struct map_slot {
	uint8_t *addr;
	size_t len;
	enum fd_kind kind;
	uint64_t sq_offset;
	uint32_t entries;
};

/* One worker process: shared by its threads, guarded by a mutex only for the tables' slots. */
struct worker {
	pthread_mutex_t lock;
	struct fd_slot fds[MAX_FDS];
	struct map_slot maps[MAX_MAPS];
	uint32_t ids[32]; /* region ids seen */
	uint8_t *buf;	  /* 64 pages of ordinary memory: lock / transfer targets */
	uint8_t *ro;	  /* a read-only page */
	uint8_t *freed;	  /* an address that was mapped and is not any more */
	unsigned long *ops;
	int slot;
};

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

#define RND(s, n) ((uint32_t)(rnd_next(s) % (n)))

static uint64_t boundary(uint64_t *s)
{
	static const uint64_t v[] = { 0,	  1,	      2,	   7,	     8,
				      63,	  64,	      PG - 1,	   PG,	     PG + 1,
				      1u << 20,	  (1u << 20) + 1, 0x7fffffff, 0x80000000, 0xffffffff,
				      1ull << 32, 1ull << 63, UINT64_MAX, UINT64_MAX - PG };
	return v[RND(s, sizeof(v) / sizeof(v[0]))];
}

/* A pointer argument: mostly good, often not. */
static uint64_t pointer(struct worker *w, uint64_t *s)
{
	switch (RND(s, 8)) {
	case 0:
		return 0;
	case 1:
		return KERNEL_ADDR + RND(s, 1u << 20);
	case 2:
		return (uint64_t)(uintptr_t)w->ro + RND(s, PG);
	case 3:
		return (uint64_t)(uintptr_t)w->freed + RND(s, PG);
	case 4:
		return boundary(s);
	default:
		return (uint64_t)(uintptr_t)w->buf + RND(s, 64 * PG);
	}
}

static uint64_t length(uint64_t *s)
{
	switch (RND(s, 4)) {
	case 0:
		return boundary(s);
	case 1:
		return RND(s, 64 * PG) + 1;
	default:
		return RND(s, 4 * PG) + 1;
	}
}

static uint32_t known_id(struct worker *w, uint64_t *s)
{
	return RND(s, 8) ? w->ids[RND(s, 32)] : (uint32_t)boundary(s);
}

static void remember_id(struct worker *w, uint64_t *s, uint32_t id)
{
	w->ids[RND(s, 32)] = id;
}

/* An fd of @kind from the table (or any fd, or a bad one, now and then). */
static struct fd_slot pick_fd(struct worker *w, uint64_t *s, enum fd_kind kind)
{
	struct fd_slot none = { .fd = -1, .kind = FD_NONE };
	int i, start = RND(s, MAX_FDS);

	if (!RND(s, 16))
		return (struct fd_slot){ .fd = (int)RND(s, 64), .kind = kind };
	pthread_mutex_lock(&w->lock);
	for (i = 0; i < MAX_FDS; i++) {
		struct fd_slot *f = &w->fds[(start + i) % MAX_FDS];

		if (f->kind == kind || (kind == FD_NONE && f->kind != FD_NONE)) {
			none = *f;
			break;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return none;
}

static void add_fd(struct worker *w, uint64_t *s, struct fd_slot f)
{
	struct fd_slot *slot;

	pthread_mutex_lock(&w->lock);
	slot = &w->fds[RND(s, MAX_FDS)];
	if (slot->kind != FD_NONE)
		close(slot->fd); /* the other thread may be using it: that is the point */
	*slot = f;
	pthread_mutex_unlock(&w->lock);
}

static void add_map(struct worker *w, uint64_t *s, struct map_slot m)
{
	struct map_slot *slot;

	pthread_mutex_lock(&w->lock);
	slot = &w->maps[RND(s, MAX_MAPS)];
	if (slot->addr)
		munmap(slot->addr, slot->len);
	*slot = m;
	pthread_mutex_unlock(&w->lock);
}

/* Fill @n bytes of ioctl argument with a mix of boundary values, pointers and known ids. */
static void garbage(struct worker *w, uint64_t *s, void *arg, size_t n)
{
	uint64_t *q = arg;
	size_t i;

	for (i = 0; i < n / 8; i++) {
		switch (RND(s, 5)) {
		case 0:
			q[i] = boundary(s);
			break;
		case 1:
			q[i] = pointer(w, s);
			break;
		case 2:
			q[i] = known_id(w, s) | (uint64_t)RND(s, 8) << 32;
			break;
		case 3:
			q[i] = length(s);
			break;
		default:
			q[i] = rnd_next(s) >> RND(s, 64);
		}
	}
}

static void op_dev_ioctl(struct worker *w, uint64_t *s)
{
	static const unsigned long cmds[] = {
		KUMEM_IOC_VERSION,	   KUMEM_IOC_LOCK_USER,	     KUMEM_IOC_ALLOC_SHARED,
		KUMEM_IOC_RELEASE,	   KUMEM_IOC_DESCRIBE,	     KUMEM_IOC_KERNEL_FILL,
		KUMEM_IOC_KERNEL_CHECKSUM, KUMEM_IOC_BUFFERED_CHECKSUM, KUMEM_IOC_DIRECT_CHECKSUM,
		KUMEM_IOC_STATS,	   KUMEM_IOC_RING_CREATE,    KUMEM_IOC_EVENTS_CREATE,
		KUMEM_IOC_LOCK_USERV,	   KUMEM_IOC_VIEW,	     KUMEM_IOC_DESCRIBE_CHAIN,
	};
	struct fd_slot f = pick_fd(w, s, FD_DEV);
	unsigned long cmd = cmds[RND(s, sizeof(cmds) / sizeof(cmds[0]))];
	union {
		struct kumem_lock_args lock;
		struct kumem_alloc_args alloc;
		struct kumem_kernel_op op;
		struct kumem_describe_args describe;
		struct kumem_xfer xfer;
		struct kumem_ring_create ring;
		struct kumem_events_create events;
		struct kumem_region_ref ref;
		struct kumem_lockv_args lockv;
		struct kumem_view_args view;
		struct kumem_describe_chain_args chain;
		uint64_t raw[16];
	} a;
	uint64_t pfns[8];
	struct kumem_segment segs[9];
	struct kumem_mdl_elem elems[8];
	uint32_t k;
	void *argp = &a;
	bool structured = RND(s, 3) != 0;

	if (f.fd < 0)
		return;
	garbage(w, s, &a, sizeof(a));
	if (structured) {
		switch (cmd) {
		case KUMEM_IOC_LOCK_USER:
			a.lock = (struct kumem_lock_args){ .addr = pointer(w, s),
							   .len = length(s),
							   .flags = 1 + RND(s, 3) };
			break;
		case KUMEM_IOC_ALLOC_SHARED:
			a.alloc = (struct kumem_alloc_args){ .len = length(s),
							     .flags = RND(s, 8) };
			break;
		case KUMEM_IOC_KERNEL_FILL:
		case KUMEM_IOC_KERNEL_CHECKSUM:
			a.op = (struct kumem_kernel_op){ .id = known_id(w, s),
							 .value = RND(s, 300),
							 .offset = RND(s, 4) ? RND(s, 2 * PG) : boundary(s),
							 .len = length(s) };
			break;
		case KUMEM_IOC_DESCRIBE:
			a.describe = (struct kumem_describe_args){
				.id = known_id(w, s),
				.pfns = RND(s, 2) ? (uint64_t)(uintptr_t)pfns : pointer(w, s),
				.max_pfns = RND(s, 2) ? 8 : boundary(s)
			};
			break;
		case KUMEM_IOC_BUFFERED_CHECKSUM:
		case KUMEM_IOC_DIRECT_CHECKSUM:
			a.xfer = (struct kumem_xfer){ .addr = pointer(w, s), .len = length(s) };
			break;
		case KUMEM_IOC_RING_CREATE:
			a.ring = (struct kumem_ring_create){ .sq_entries = 1u << RND(s, 9),
							     .flags = RND(s, 4),
							     .idle_us = RND(s, 2000),
							     .sq_cpu = RND(s, 3) };
			break;
		case KUMEM_IOC_EVENTS_CREATE:
			a.events = (struct kumem_events_create){ .data_bytes =
									 (uint64_t)PG << RND(s, 6) };
			break;
		case KUMEM_IOC_RELEASE:
			a.ref = (struct kumem_region_ref){ .id = known_id(w, s) };
			break;
		case KUMEM_IOC_LOCK_USERV:
			/* mostly pieces on pages of their own (lockable), now and then anything */
			for (k = 0; k < 9; k++) {
				segs[k].addr = (uint64_t)(uintptr_t)w->buf + (k * 7 % 9) * 2 * PG +
					       RND(s, PG);
				segs[k].len = 1 + RND(s, PG);
				if (!RND(s, 6))
					segs[k] = (struct kumem_segment){ pointer(w, s), length(s) };
			}
			a.lockv = (struct kumem_lockv_args){
				.segs = RND(s, 8) ? (uint64_t)(uintptr_t)segs : pointer(w, s),
				.count = RND(s, 8) ? 1 + RND(s, 9) : (uint32_t)boundary(s),
				.flags = 1 + RND(s, 3)
			};
			break;
		case KUMEM_IOC_VIEW:
			a.view = (struct kumem_view_args){
				.parent = known_id(w, s),
				.offset = RND(s, 4) ? RND(s, 2 * PG) : boundary(s),
				.len = RND(s, 4) ? 1 + RND(s, 2 * PG) : length(s)
			};
			break;
		case KUMEM_IOC_DESCRIBE_CHAIN:
			a.chain = (struct kumem_describe_chain_args){
				.id = known_id(w, s),
				.elems = RND(s, 2) ? (uint64_t)(uintptr_t)elems : pointer(w, s),
				.max_elems = RND(s, 2) ? RND(s, 9) : (uint32_t)boundary(s)
			};
			break;
		}
	}
	switch (RND(s, 12)) {
	case 0:
		argp = NULL;
		break;
	case 1:
		argp = w->ro; /* the kernel's answer cannot be written there */
		memcpy(&a, w->ro, 8);
		break;
	case 2:
		argp = w->freed;
		break;
	case 3: /* straddling the end of a mapping */
		argp = w->buf + 64 * PG - RND(s, 64);
		memcpy(argp, &a, w->buf + 64 * PG - (uint8_t *)argp);
		break;
	}
	if (ioctl(f.fd, cmd, argp) < 0 || argp != (void *)&a)
		return;
	switch (cmd) {
	case KUMEM_IOC_LOCK_USER:
		remember_id(w, s, a.lock.id);
		break;
	case KUMEM_IOC_ALLOC_SHARED:
		remember_id(w, s, a.alloc.id);
		if (RND(s, 2)) {
			uint8_t *p = mmap(NULL, a.alloc.map_len, PROT_READ | (RND(s, 2) ? PROT_WRITE : 0),
					  MAP_SHARED, f.fd, (off_t)a.alloc.mmap_offset);

			if (p != MAP_FAILED)
				add_map(w, s, (struct map_slot){ p, a.alloc.map_len, FD_DEV, 0, 0 });
		}
		break;
	case KUMEM_IOC_LOCK_USERV:
		remember_id(w, s, a.lockv.id);
		break;
	case KUMEM_IOC_VIEW:
		remember_id(w, s, a.view.id);
		if (RND(s, 2)) { /* a view of a method 2 region maps; of any other, not */
			size_t len = (size_t)PG * (1 + RND(s, 3));
			uint8_t *p = mmap(NULL, len, PROT_READ | (RND(s, 2) ? PROT_WRITE : 0),
					  MAP_SHARED, f.fd, (off_t)a.view.id * PG);

			if (p != MAP_FAILED)
				add_map(w, s, (struct map_slot){ p, len, FD_DEV, 0, 0 });
		}
		break;
	case KUMEM_IOC_RING_CREATE:
		add_fd(w, s, (struct fd_slot){ a.ring.ring_fd, FD_RING, a.ring.map_len,
					       a.ring.sq_offset, a.ring.sq_entries });
		break;
	case KUMEM_IOC_EVENTS_CREATE:
		add_fd(w, s,
		       (struct fd_slot){ a.events.events_fd, FD_EVENTS, a.events.map_len, 0, 0 });
		break;
	}
}

static void op_ring(struct worker *w, uint64_t *s)
{
	struct fd_slot f = pick_fd(w, s, FD_RING);
	struct kumem_ring_enter e;
	struct kumem_ring_create info;

	if (f.fd < 0)
		return;
	switch (RND(s, 4)) {
	case 0: {
		uint8_t *p = mmap(NULL, RND(s, 4) ? f.map_len : length(s), PROT_READ | PROT_WRITE,
				  MAP_SHARED, f.fd, RND(s, 8) ? 0 : PG);

		if (p != MAP_FAILED)
			add_map(w, s, (struct map_slot){ p, f.map_len, FD_RING, f.aux, f.entries });
		break;
	}
	case 1:
		ioctl(f.fd, KUMEM_IOC_RING_INFO, RND(s, 4) ? (void *)&info : (void *)w->ro);
		break;
	default:
		garbage(w, s, &e, sizeof(e));
		if (RND(s, 3)) {
			e = (struct kumem_ring_enter){ .to_submit = RND(s, 64),
						       .min_complete = RND(s, 4),
						       .flags = RND(s, 4),
						       .timeout_ns = RND(s, 2000000) };
		}
		if (e.timeout_ns < 0 || e.timeout_ns > 20000000)
			e.timeout_ns = 20000000; /* never wait long: the parent's clock runs */
		ioctl(f.fd, KUMEM_IOC_RING_ENTER, &e);
	}
}

/* Write into a mapped ring: submissions (good and bad) and now and then its indices. */
static void op_ring_memory(struct worker *w, uint64_t *s)
{
	struct map_slot m;
	int i = RND(s, MAX_MAPS);

	pthread_mutex_lock(&w->lock);
	m = w->maps[i];
	pthread_mutex_unlock(&w->lock);
	if (m.kind != FD_RING || !m.addr || m.len < PG * 2)
		return;
	/* the mapping may be gone by now (the other thread): then this faults, and the worker
	 * dies of SIGSEGV, which the parent counts and replaces like a kill */
	{
		struct kumem_ring_ctrl *c = (struct kumem_ring_ctrl *)m.addr;
		struct kumem_sqe *sq = (struct kumem_sqe *)(m.addr + m.sq_offset);
		uint32_t n = RND(s, 8), k;

		if (!m.entries || m.sq_offset + (uint64_t)m.entries * sizeof(*sq) > m.len)
			return;
		for (k = 0; k < n; k++) {
			struct kumem_sqe *e = &sq[(c->sq_tail + k) & (m.entries - 1)];

			*e = (struct kumem_sqe){ .op = RND(s, 6),
						 .region = known_id(w, s),
						 .offset = RND(s, 4) ? RND(s, PG) : boundary(s),
						 .len = RND(s, 4) ? RND(s, 3 * PG) : boundary(s),
						 .dst_region = known_id(w, s),
						 .dst_offset = RND(s, PG),
						 .value = RND(s, 4) ? RND(s, 256) : (uint32_t)boundary(s) };
			if (!RND(s, 8))
				garbage(w, s, e, sizeof(*e));
		}
		__atomic_store_n(&c->sq_tail, c->sq_tail + n, __ATOMIC_RELEASE);
		if (!RND(s, 16))
			c->sq_tail = (uint32_t)boundary(s);
		if (!RND(s, 16))
			c->cq_head = (uint32_t)boundary(s);
	}
}

static void op_events(struct worker *w, uint64_t *s)
{
	struct fd_slot f = pick_fd(w, s, FD_EVENTS);
	struct kumem_events_gen g;
	char buf[512]; /* read() lengths below go up to 299 */

	if (f.fd < 0)
		return;
	switch (RND(s, 4)) {
	case 0: {
		size_t len = RND(s, 2) ? PG : (size_t)f.map_len - PG;
		uint8_t *p = mmap(NULL, len, PROT_READ | (RND(s, 2) ? PROT_WRITE : 0), MAP_SHARED,
				  f.fd, RND(s, 2) ? 0 : PG);

		if (p != MAP_FAILED)
			add_map(w, s, (struct map_slot){ p, len, FD_EVENTS, 0, 0 });
		break;
	}
	case 1:
		garbage(w, s, &g, sizeof(g));
		if (RND(s, 3))
			g = (struct kumem_events_gen){ .count = RND(s, 10000),
						       .record_len = 8 * (1 + RND(s, 16)),
						       .rate = RND(s, 2) ? 0 : RND(s, 100000) };
		ioctl(f.fd, KUMEM_IOC_EVENTS_GEN, &g);
		break;
	case 2:
		if (read(f.fd, RND(s, 4) ? (void *)buf : (void *)w->ro, RND(s, 2) ? 64 : RND(s, 300)) <
		    0)
			break;
		break;
	default: {
		struct pollfd p = { .fd = f.fd, .events = POLLIN };

		poll(&p, 1, RND(s, 3));
	}
	}
}

static void op_vm(struct worker *w, uint64_t *s)
{
	static const int advice[] = { MADV_DOFORK,	MADV_DONTFORK, MADV_DONTNEED, MADV_FREE,
				      MADV_WIPEONFORK, MADV_REMOVE,   MADV_WILLNEED, MADV_DONTDUMP };
	struct map_slot *m, copy;
	size_t part;
	void *q;

	pthread_mutex_lock(&w->lock);
	m = &w->maps[RND(s, MAX_MAPS)];
	copy = *m;
	if (!copy.addr) {
		pthread_mutex_unlock(&w->lock);
		return;
	}
	part = RND(s, 2) ? copy.len : PG * RND(s, (uint32_t)(copy.len / PG) + 1);
	switch (RND(s, 6)) {
	case 0:
		munmap(copy.addr, copy.len);
		m->addr = NULL;
		break;
	case 1:
		q = mremap(copy.addr, copy.len, RND(s, 2) ? copy.len : part, MREMAP_MAYMOVE);
		if (q != MAP_FAILED)
			m->addr = q, m->len = RND(s, 2) ? copy.len : part;
		break;
	case 2:
		mprotect(copy.addr, part, RND(s, 8));
		break;
	case 3:
		madvise(copy.addr, part, advice[RND(s, sizeof(advice) / sizeof(advice[0]))]);
		break;
	case 4: /* a partial munmap, which kumem refuses to split for */
		munmap(copy.addr + PG, PG);
		break;
	default: /* read what is there */
		if (RND(s, 2))
			(void)*(volatile uint8_t *)(copy.addr + RND(s, (uint32_t)copy.len));
	}
	pthread_mutex_unlock(&w->lock);
}

static void op_files(struct worker *w, uint64_t *s)
{
	struct fd_slot f;

	switch (RND(s, 3)) {
	case 0: {
		int fd = open("/dev/kumem", O_RDWR | (RND(s, 2) ? O_CLOEXEC : 0));

		if (fd >= 0)
			add_fd(w, s, (struct fd_slot){ fd, FD_DEV, 0, 0, 0 });
		break;
	}
	case 1: {
		int k = RND(s, MAX_FDS);

		pthread_mutex_lock(&w->lock);
		f = w->fds[k];
		if (f.kind != FD_NONE) {
			close(f.fd);
			w->fds[k].kind = FD_NONE;
		}
		pthread_mutex_unlock(&w->lock);
		break;
	}
	default: {
		int fd = dup(pick_fd(w, s, FD_NONE).fd);

		if (fd >= 0)
			close(fd);
	}
	}
}

static void random_op(struct worker *w, uint64_t *s);

/* fork: the child (no kumem mappings, the fds shared) does a few things and leaves, or is
 * killed halfway by its parent. */
static void op_fork(struct worker *w, uint64_t *s)
{
	uint64_t child_seed = rnd_next(s);
	pid_t pid;
	int i;

	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		/* only this thread came along: the table's lock may have been held by the other */
		pthread_mutex_init(&w->lock, NULL);
		for (i = 0; i < 20; i++)
			random_op(w, &child_seed);
		_exit(0);
	}
	if (RND(s, 2)) {
		usleep(RND(s, 2000));
		kill(pid, SIGKILL);
	}
	waitpid(pid, NULL, 0);
}

static void random_op(struct worker *w, uint64_t *s)
{
	uint32_t r = RND(s, 100);

	if (r < 30)
		op_dev_ioctl(w, s);
	else if (r < 45)
		op_ring(w, s);
	else if (r < 60)
		op_ring_memory(w, s);
	else if (r < 70)
		op_events(w, s);
	else if (r < 85)
		op_vm(w, s);
	else if (r < 98)
		op_files(w, s);
	else
		op_fork(w, s);
	__atomic_add_fetch(w->ops, 1, __ATOMIC_RELAXED);
}

struct thread_arg {
	struct worker *w;
	uint64_t seed;
};

static void *worker_thread(void *arg)
{
	struct thread_arg *t = arg;

	for (;;)
		random_op(t->w, &t->seed);
	return NULL;
}

static void __attribute__((noreturn)) worker_main(int slot, uint64_t seed, struct shared_counts *c)
{
	static struct worker w;
	struct thread_arg a = { &w, seed ^ 0x9e3779b97f4a7c15ull }, b = { &w, seed };
	pthread_t t;
	int i;

	/*
	 * [guard][buf: 64 pages][guard][ro][guard][freed][guard]: locks and fills that run past
	 * a buffer fault on a guard page instead of reaching the fuzzer's own bookkeeping.
	 */
	uint8_t *area = anon(72 * PG, PROT_NONE, false);

	pthread_mutex_init(&w.lock, NULL);
	w.slot = slot;
	w.ops = &c->ops[slot];
	w.buf = area + PG;
	w.ro = area + 66 * PG;
	w.freed = area + 68 * PG;
	mprotect(w.buf, 64 * PG, PROT_READ | PROT_WRITE);
	mprotect(w.ro, PG, PROT_READ | PROT_WRITE);
	memset(w.buf, 0, 64 * PG);
	memset(w.ro, 0xa5, PG);
	mprotect(w.ro, PG, PROT_READ);
	mprotect(w.freed, PG, PROT_READ | PROT_WRITE);
	munmap(w.freed, PG);
	for (i = 0; i < 3; i++) {
		int fd = open("/dev/kumem", O_RDWR);

		if (fd >= 0)
			w.fds[i] = (struct fd_slot){ fd, FD_DEV, 0, 0, 0 };
	}
	if (slot % 2 && (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
		_exit(3);
	pthread_create(&t, NULL, worker_thread, &a);
	worker_thread(&b);
	_exit(0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Workers and everything they fork live in one process group, to be killed at the end. */
static pid_t fuzz_pgid;

static pid_t spawn(int slot, uint64_t seed, struct shared_counts *c)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setpgid(0, fuzz_pgid);
		worker_main(slot, seed, c);
	}
	if (pid > 0)
		setpgid(pid, fuzz_pgid); /* both sides: whichever runs first */
	return pid;
}

/* A member that outlives every worker, so the group always exists for new ones to join. */
static void make_group(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	if (pid < 0)
		bail_out("fork: %s", strerror(errno));
	setpgid(pid, pid);
	fuzz_pgid = pid;
}

int main(int argc, char **argv)
{
	long seconds = 8, workers = 3, i;
	uint64_t seed = 1, s, t_end, ops = 0, started = 0, kills = 0, other_deaths = 0;
	long old_region = -1, old_fd = -1;
	struct shared_counts *c;
	struct kumem_stats base, now;
	pid_t pids[64];
	kumem_t *dev;
	int st, waited;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--workers"))
			workers = atol(argv[i + 1]);
	}
	if (workers < 1 || workers > 32)
		workers = 3;
	tap_header();
	diag("t_fuzz --seconds %ld --seed %llu --workers %ld (replay with these)", seconds,
	     (unsigned long long)seed, workers);
	/*
	 * Counted before and after, not held open meanwhile: workers inherit the parent's fds,
	 * and regions they made through this one would live in its table until it is closed.
	 */
	dev = open_or_bail();
	base = stats_now(dev);
	kumem_close(dev);
	old_region = param_get("max_region_mb");
	old_fd = param_get("max_fd_mb");
	param_set("max_region_mb", FUZZ_REGION_MB);
	param_set("max_fd_mb", FUZZ_FD_MB);
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		bail_out("mmap: %s", strerror(errno));
	memset(c, 0, sizeof(*c));
	/* orphans (children of killed workers) come back to us, so all can be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	make_group();
	s = seed;
	for (i = 0; i < workers; i++) {
		pids[i] = spawn((int)(started++ % 64), rnd_next(&s), c);
	}
	t_end = now_ms() + (uint64_t)seconds * 1000;
	while (now_ms() < t_end) {
		pid_t dead;

		usleep(20000 + RND(&s, 200000));
		i = RND(&s, (uint32_t)workers);
		if (RND(&s, 2)) {
			kill(pids[i], SIGKILL);
			kills++;
		}
		/* replace every worker that is gone, killed by us or dead of its own fault */
		while ((dead = waitpid(-1, &st, WNOHANG)) > 0) {
			long k;

			for (k = 0; k < workers; k++) {
				if (pids[k] != dead)
					continue; /* an orphan of a killed worker: reaped */
				if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
					other_deaths++;
				pids[k] = spawn((int)(started++ % 64), rnd_next(&s), c);
			}
		}
	}
	for (i = 0; i < workers; i++)
		kill(pids[i], SIGKILL);
	kills += workers;
	/* and whatever they forked; until nothing is left (a fork may race with the kill) */
	do
		kill(-fuzz_pgid, SIGKILL);
	while (waitpid(-1, &st, 0) > 0);
	for (i = 0; i < 64; i++)
		ops += c->ops[i];
	param_set("max_region_mb", old_region);
	param_set("max_fd_mb", old_fd);
	dev = open_or_bail();
	ok(ops > 0, "fuzzed for %ld s: %llu operations, %llu workers started, %llu killed, "
		    "%llu died otherwise (SIGSEGV/SIGBUS on a mapping the other thread changed)",
	   seconds, (unsigned long long)ops, (unsigned long long)started,
	   (unsigned long long)kills, (unsigned long long)other_deaths);
	/* a last release may still run when the last exit has been reaped: wait, bounded */
	t_end = now_ms();
	for (waited = 0; waited < 100; waited++) {
		now = stats_now(dev);
		if (stats_same(&now, &base))
			break;
		usleep(100000);
	}
	diag("counters back after %llu ms", (unsigned long long)(now_ms() - t_end));
	stats_check(dev, &base, "after the fuzz run");
	kumem_close(dev);
	return tap_done();
}
