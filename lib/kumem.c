// SPDX-License-Identifier: MIT
/*
 * libkumem, the part that is the same on every system: handles, the region list, argument
 * marshalling into the ABI blocks, error texts. kumem_sys_*.c does the system calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kumem/kumem.h>
#include "kumem_sys.h"
#include "../core/checksum.h"

enum region_kind { REGION_LOCKED_USER, REGION_SHARED, REGION_VIEW };

struct kumem {
	kumem_sys_handle h;
	struct kumem_sys_lock *lock;
	struct kumem_region *regions; /* every region not yet released, for kumem_close() */
	struct kumem_info info;
};

struct kumem_region {
	struct kumem *dev;
	struct kumem_region *prev, *next;
	enum region_kind kind;
	uint32_t id;
	void *addr;	/* first byte in this process */
	size_t len;	/* bytes asked for */
	void *map;	/* method 2 and its views: our mapping of its pages */
	size_t map_len; /* bytes mapped there, or 0 */
};

int kumem_open(kumem_t **out)
{
	struct kumem *dev;
	const char *path;
	int err;

	*out = NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	err = kumem_sys_lock_new(&dev->lock);
	if (err)
		goto err_free;
	path = getenv("KUMEM_DEVICE");
	err = kumem_sys_open(path && *path ? path : NULL, &dev->h); /* empty: the default */
	if (err)
		goto err_lock;
	err = kumem_sys_ioctl(dev->h, KUMEM_IOC_VERSION, &dev->info, sizeof(dev->info));
	if (err)
		goto err_close;
	if (dev->info.abi_version != KUMEM_ABI_VERSION) {
		err = -EPROTO;
		goto err_close;
	}
	*out = dev;
	return 0;

err_close:
	kumem_sys_close(dev->h);
err_lock:
	kumem_sys_lock_free(dev->lock);
err_free:
	free(dev);
	return err;
}

static void region_link(struct kumem_region *r)
{
	struct kumem *dev = r->dev;

	kumem_sys_lock(dev->lock);
	r->prev = NULL;
	r->next = dev->regions;
	if (dev->regions)
		dev->regions->prev = r;
	dev->regions = r;
	kumem_sys_unlock(dev->lock);
}

static void region_unlink(struct kumem_region *r)
{
	struct kumem *dev = r->dev;

	kumem_sys_lock(dev->lock);
	if (r->prev)
		r->prev->next = r->next;
	else
		dev->regions = r->next;
	if (r->next)
		r->next->prev = r->prev;
	kumem_sys_unlock(dev->lock);
}

void kumem_close(kumem_t *dev)
{
	struct kumem_region *r, *next;

	if (!dev)
		return;
	/* Closing the handle releases the driver's side; only our mappings and memory remain. */
	for (r = dev->regions; r; r = next) {
		next = r->next;
		if (r->map_len)
			kumem_sys_unmap(r->map, r->map_len);
		free(r);
	}
	kumem_sys_close(dev->h);
	kumem_sys_lock_free(dev->lock);
	free(dev);
}

kumem_sys_handle kumem_dev_handle(struct kumem *dev)
{
	return dev->h;
}

int kumem_info(kumem_t *dev, struct kumem_info *info)
{
	return kumem_sys_ioctl(dev->h, KUMEM_IOC_VERSION, info, sizeof(*info));
}

int kumem_stats(kumem_t *dev, struct kumem_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	return kumem_sys_ioctl(dev->h, KUMEM_IOC_STATS, stats, sizeof(*stats));
}

static int release_id(struct kumem *dev, uint32_t id)
{
	struct kumem_region_ref ref = { .id = id };

	return kumem_sys_ioctl(dev->h, KUMEM_IOC_RELEASE, &ref, sizeof(ref));
}

int kumem_lock_user(kumem_t *dev, void *addr, size_t len, unsigned flags, kumem_region_t **out)
{
	struct kumem_lock_args a = {
		.addr = (uint64_t)(uintptr_t)addr,
		.len = len,
		.flags = flags,
	};
	struct kumem_region *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = kumem_sys_ioctl(dev->h, KUMEM_IOC_LOCK_USER, &a, sizeof(a));
	if (err) {
		free(r);
		return err;
	}
	r->dev = dev;
	r->kind = REGION_LOCKED_USER;
	r->id = a.id;
	r->addr = addr;
	r->len = len;
	region_link(r);
	*out = r;
	return 0;
}

int kumem_lock_user_segments(kumem_t *dev, const struct kumem_segment *segs, unsigned n,
			     unsigned flags, kumem_region_t **out, unsigned *bad_segment)
{
	struct kumem_lockv_args a = {
		.segs = (uint64_t)(uintptr_t)segs,
		.count = n,
		.flags = flags,
		.bad_segment = KUMEM_NO_SEGMENT,
	};
	struct kumem_region *r;
	size_t len = 0;
	unsigned i;
	int err;

	*out = NULL;
	if (bad_segment)
		*bad_segment = KUMEM_NO_SEGMENT;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = kumem_sys_ioctl(dev->h, KUMEM_IOC_LOCK_USERV, &a, sizeof(a));
	if (bad_segment)
		*bad_segment = a.bad_segment;
	if (err) {
		free(r);
		return err;
	}
	for (i = 0; i < n; i++)
		len += segs[i].len;
	r->dev = dev;
	r->kind = REGION_LOCKED_USER;
	r->id = a.id;
	r->addr = (void *)(uintptr_t)segs[0].addr;
	r->len = len;
	region_link(r);
	*out = r;
	return 0;
}

/*
 * A view of a method 2 region (or of such a view) is mapped as its parent is: the whole pages
 * its bytes touch (Linux: mmap at the view's own offset; Windows: the driver's mapping, made
 * with the view); its address is its first byte in there.
 */
static int view_map(struct kumem_region *v)
{
	struct kumem_describe_args d = { .id = v->id };
	struct kumem_alloc_args a = { .flags = KUMEM_USER_READ };
	void *map;
	int err;

	err = kumem_sys_ioctl(v->dev->h, KUMEM_IOC_DESCRIBE, &d, sizeof(d));
	if (err)
		return err;
	if (!(d.mdl.flags & KUMEM_MDL_USER_READ_ONLY))
		a.flags |= KUMEM_USER_WRITE;
	a.map_len = d.mdl.page_count * v->dev->info.page_size;
	a.mmap_offset = (uint64_t)v->id * v->dev->info.page_size;
	/* Windows' driver mapped the view when it made it: describe says where */
	a.user_addr = d.mdl.start_va;
	err = kumem_sys_map(v->dev->h, &a, &map);
	if (err)
		return err;
	v->map = map;
	v->map_len = a.map_len;
	v->addr = (uint8_t *)map + d.mdl.byte_offset;
	return 0;
}

int kumem_region_view(kumem_region_t *parent, uint64_t off, uint64_t len, kumem_region_t **out)
{
	struct kumem_view_args a = { .parent = parent->id, .offset = off, .len = len };
	struct kumem_region *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = kumem_sys_ioctl(parent->dev->h, KUMEM_IOC_VIEW, &a, sizeof(a));
	if (err) {
		free(r);
		return err;
	}
	r->dev = parent->dev;
	r->kind = REGION_VIEW;
	r->id = a.id;
	r->len = len;
	if (parent->map_len) { /* method 2: map it as the parent is */
		err = view_map(r);
		if (err) {
			release_id(parent->dev, a.id);
			free(r);
			return err;
		}
	}
	region_link(r);
	*out = r;
	return 0;
}

int kumem_region_describe_chain(kumem_region_t *r, struct kumem_mdl_elem *elems, size_t max,
				uint32_t *chain_length)
{
	struct kumem_describe_chain_args d = {
		.id = r->id,
		.elems = (uint64_t)(uintptr_t)elems,
		.max_elems = elems ? (uint32_t)(max > UINT32_MAX ? UINT32_MAX : max) : 0,
	};
	int err;

	err = kumem_sys_ioctl(r->dev->h, KUMEM_IOC_DESCRIBE_CHAIN, &d, sizeof(d));
	if (err)
		return err;
	if (chain_length)
		*chain_length = d.chain_length;
	return (int)d.elems_written;
}

int kumem_alloc_shared(kumem_t *dev, size_t len, unsigned flags, kumem_region_t **out)
{
	struct kumem_alloc_args a = { .len = len, .flags = flags };
	struct kumem_region *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = kumem_sys_ioctl(dev->h, KUMEM_IOC_ALLOC_SHARED, &a, sizeof(a));
	if (err)
		goto err_free;
	err = kumem_sys_map(dev->h, &a, &r->addr);
	if (err)
		goto err_release;
	r->dev = dev;
	r->kind = REGION_SHARED;
	r->id = a.id;
	r->len = len;
	r->map = r->addr;
	r->map_len = a.map_len;
	region_link(r);
	*out = r;
	return 0;

err_release:
	release_id(dev, a.id);
err_free:
	free(r);
	return err;
}

void *kumem_region_addr(const kumem_region_t *r)
{
	return r->addr;
}

size_t kumem_region_len(const kumem_region_t *r)
{
	return r->len;
}

uint32_t kumem_region_id(const kumem_region_t *r)
{
	return r->id;
}

int kumem_region_release(kumem_region_t *r)
{
	int err;

	if (!r)
		return 0;
	region_unlink(r);
	if (r->map_len)
		kumem_sys_unmap(r->map, r->map_len);
	err = release_id(r->dev, r->id);
	free(r);
	return err;
}

int kumem_region_describe(kumem_region_t *r, struct kumem_mdl *out, uint64_t *pfns, size_t max)
{
	struct kumem_describe_args d = {
		.id = r->id,
		.pfns = (uint64_t)(uintptr_t)pfns,
		.max_pfns = pfns ? max : 0,
	};
	int err;

	err = kumem_sys_ioctl(r->dev->h, KUMEM_IOC_DESCRIBE, &d, sizeof(d));
	if (err)
		return err;
	*out = d.mdl;
	return (int)d.pfns_written;
}

static int kernel_op(kumem_region_t *r, unsigned long code, uint64_t off, uint64_t len,
		     uint32_t value, uint64_t *sum)
{
	struct kumem_kernel_op op = {
		.id = r->id,
		.value = value,
		.offset = off,
		.len = len,
	};
	int err;

	err = kumem_sys_ioctl(r->dev->h, code, &op, sizeof(op));
	if (!err && sum)
		*sum = op.result;
	return err;
}

int kumem_kernel_fill(kumem_region_t *r, uint64_t off, uint64_t len, uint8_t byte)
{
	return kernel_op(r, KUMEM_IOC_KERNEL_FILL, off, len, byte, NULL);
}

int kumem_kernel_checksum(kumem_region_t *r, uint64_t off, uint64_t len, uint64_t *sum)
{
	return kernel_op(r, KUMEM_IOC_KERNEL_CHECKSUM, off, len, 0, sum);
}

int kumem_buffered_checksum(kumem_t *dev, const void *buf, size_t len, uint64_t *sum)
{
	return kumem_sys_xfer(dev->h, false, buf, len, sum);
}

int kumem_direct_checksum(kumem_t *dev, const void *buf, size_t len, uint64_t *sum)
{
	return kumem_sys_xfer(dev->h, true, buf, len, sum);
}

/* kumem_checksum() itself is core/checksum.c, linked in unchanged. */

const char *kumem_version(void)
{
	return KUMEM_VERSION_STRING;
}

const char *kumem_strerror(int err)
{
	switch (-err) {
	case 0:
		return "success";
	case ENOENT:
		return "the kumem driver is not loaded (no device node), or no such region";
	case EACCES:
		return "permission denied: the device's permissions, or an access the region's "
		       "flags "
		       "do not allow";
	case EPERM:
		return "operation needs privilege (physical frame numbers need CAP_SYS_ADMIN / "
		       "administrator rights)";
	case EFAULT:
		return "bad address: not memory of this process, or write access asked of a "
		       "read-only mapping";
	case EINVAL:
		return "invalid argument: unknown or missing flags, zero length, nonzero reserved "
		       "field, or a mapping of the wrong size or kind";
	case E2BIG:
		return "larger than the driver's limit for one region or transfer "
		       "(module parameter max_region_mb)";
	case EOVERFLOW:
		return "address range wraps around the end of the address space";
	case ERANGE:
		return "offset and length reach outside the region";
	case EDQUOT:
		return "locked-memory limit exceeded: pinned and shared pages count against "
		       "RLIMIT_MEMLOCK (raise it with `ulimit -l` or limits.conf, or run with "
		       "CAP_IPC_LOCK), or the handle's byte quota (max_fd_mb)";
	case ENOSPC:
		return "too many regions on this handle (module parameter max_fd_regions)";
	case ENOMEM:
		return "out of memory";
	case ENOTTY:
		return "not a kumem device, or a request the driver does not know (driver older "
		       "than the library?)";
	case EPROTO:
		return "the driver speaks another kumem ABI version than this library";
	case EINTR:
		return "interrupted by a signal";
	case EOPNOTSUPP:
		return "not supported by this driver, or memory that cannot be locked for long "
		       "(file page cache other than shmem/hugetlbfs: use anonymous memory, memfd "
		       "or tmpfs)";
	case EAGAIN:
		return "too many SQPOLL threads (module parameters max_sqpoll_per_user, "
		       "max_sqpoll_threads): use a ring without SQPOLL, or close one";
#ifdef EBADFD
	case EBADFD:
		return "the driver stopped serving this ring: its shared indices were corrupted";
#endif
	case ETIMEDOUT:
		return "timed out";
	default:
		return "unexpected error";
	}
}
