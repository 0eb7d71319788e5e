// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kumem: the device, its files and the region table of each file.
 *
 * Every open file has its own table of regions named by small ids (never kernel addresses).
 * Closing the file, or the process dying, releases every region still in the table; user
 * mappings keep their pages until they are unmapped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/errno.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>

#include <kumem/kumem_version.h>

#include "kumem_internal.h"
#include "kumem_compat.h"

/* core/ speaks Linux errno numbers by name: make sure they are the kernel's. */
static_assert(KUMEM_EINVAL == EINVAL && KUMEM_EFAULT == EFAULT && KUMEM_E2BIG == E2BIG);
static_assert(KUMEM_EOVERFLOW == EOVERFLOW && KUMEM_ERANGE == ERANGE && KUMEM_ENOENT == ENOENT);
static_assert(KUMEM_EDQUOT == EDQUOT && KUMEM_EACCES == EACCES && KUMEM_EPERM == EPERM);
static_assert(KUMEM_ENOSPC == ENOSPC && KUMEM_ENOMEM == ENOMEM && KUMEM_ENOTTY == ENOTTY);
static_assert(KUMEM_EINTR == EINTR && KUMEM_EBADFD == EBADFD && KUMEM_ETIMEDOUT == ETIMEDOUT);

unsigned int kumem_max_region_mb = 1024;
module_param_named(max_region_mb, kumem_max_region_mb, uint, 0644);
MODULE_PARM_DESC(max_region_mb, "Largest single region, MiB (default 1024)");

unsigned int kumem_max_fd_regions = 1024;
module_param_named(max_fd_regions, kumem_max_fd_regions, uint, 0644);
MODULE_PARM_DESC(max_fd_regions, "Regions one open file may hold (default 1024)");

unsigned int kumem_max_fd_mb = 4096;
module_param_named(max_fd_mb, kumem_max_fd_mb, uint, 0644);
MODULE_PARM_DESC(max_fd_mb, "Bytes of regions one open file may hold, MiB (default 4096)");

struct kumem_counters kumem_counters;
static struct dentry *kumem_debugfs;

void kumem_limits_get(struct kumem_limits *lim)
{
	u64 max = (u64)READ_ONCE(kumem_max_region_mb) << 20;

	lim->page_shift = PAGE_SHIFT;
	lim->max_region_bytes = max;
	lim->max_xfer_bytes = max;
	lim->max_contig_bytes = PAGE_SIZE << KUMEM_MAX_PAGE_ORDER;
	lim->user_va_end = TASK_SIZE;
}

/* Look up @id and take a reference: the caller puts it. */
struct kumem_region *kumem_file_lookup(struct kumem_file *kf, u32 id)
{
	struct kumem_region *r;

	xa_lock(&kf->regions);
	r = xa_load(&kf->regions, id);
	if (r)
		kumem_region_get(r);
	xa_unlock(&kf->regions);
	return r;
}

/*
 * Give @priv an anonymous file and a new fd, and tell the caller: the fd goes into
 * *@fd_slot (a field of @blk), @blk is copied to @uarg, and only then is the fd installed, so
 * a caller whose copy fails never gets a stray fd. *@filep is set before the fd can be used.
 * On -EFAULT the file existed and its release has already freed @priv (*@released is set);
 * on any other error the caller still owns @priv.
 */
int kumem_publish_fd(const char *name, const struct file_operations *fops, void *priv,
		     void __user *uarg, void *blk, size_t size, s32 *fd_slot, struct file **filep,
		     bool *released)
{
	struct file *file;
	int fd;

	*released = false;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_getfile(name, fops, priv, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	*filep = file;
	*fd_slot = fd;
	if (copy_to_user(uarg, blk, size)) {
		put_unused_fd(fd);
		fput(file); /* its release undoes everything */
		*released = true;
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

static int kumem_open(struct inode *inode, struct file *file)
{
	struct kumem_file *kf;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL_ACCOUNT);
	if (!kf)
		return -ENOMEM;
	xa_init_flags(&kf->regions, XA_FLAGS_ALLOC1);
	kumem_rw_init(kf);
	file->private_data = kf;
	atomic64_inc(&kumem_counters.open_files);
	return 0;
}

static void kumem_file_drop(struct kumem_file *kf, struct kumem_region *r)
{
	atomic_dec(&kf->nregions);
	atomic64_sub(kumem_region_size(r), &kf->bytes);
	kumem_region_put(r);
}

static int kumem_release(struct inode *inode, struct file *file)
{
	struct kumem_file *kf = file->private_data;
	struct kumem_region *r;
	unsigned long id;

	xa_for_each(&kf->regions, id, r)
	{
		xa_erase(&kf->regions, id);
		kumem_file_drop(kf, r);
	}
	xa_destroy(&kf->regions);
	kfree(kf);
	atomic64_dec(&kumem_counters.open_files);
	return 0;
}

/* Give @r an id in @kf, within the per-file limits. Consumes the reference on failure. */
int kumem_file_insert(struct kumem_file *kf, struct kumem_region *r, u32 *id)
{
	u64 size = kumem_region_size(r);
	int err;

	if (atomic_inc_return(&kf->nregions) > READ_ONCE(kumem_max_fd_regions)) {
		err = -ENOSPC;
		goto err_count;
	}
	if (atomic64_add_return(size, &kf->bytes) > (u64)READ_ONCE(kumem_max_fd_mb) << 20) {
		err = -EDQUOT;
		goto err_bytes;
	}
	err = xa_alloc_cyclic(&kf->regions, id, r, XA_LIMIT(1, KUMEM_MAX_REGION_ID), &kf->next_id,
			      GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		err = err == -EBUSY ? -ENOSPC : err;
		goto err_bytes;
	}
	return 0;

err_bytes:
	atomic64_sub(size, &kf->bytes);
err_count:
	atomic_dec(&kf->nregions);
	kumem_region_put(r);
	return err;
}

static long kumem_ioctl_version(void __user *uarg)
{
	struct kumem_info info = {
		.abi_version = KUMEM_ABI_VERSION,
		.page_size = PAGE_SIZE,
		.max_regions = READ_ONCE(kumem_max_fd_regions),
		.features = KUMEM_FEAT_LOCK_USER | KUMEM_FEAT_ALLOC_SHARED | KUMEM_FEAT_CONTIG |
			    KUMEM_FEAT_BUFFERED | KUMEM_FEAT_DIRECT | KUMEM_FEAT_RW |
			    KUMEM_FEAT_CHAINS | KUMEM_FEAT_URING_CMD,
		.max_region_bytes = (u64)READ_ONCE(kumem_max_region_mb) << 20,
	};

	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long kumem_ioctl_lock(struct kumem_file *kf, void __user *uarg)
{
	struct kumem_lock_args args;
	struct kumem_region *r;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	r = kumem_region_lock_args(&args);
	if (IS_ERR(r))
		return PTR_ERR(r);
	err = kumem_file_insert(kf, r, &args.id);
	if (err)
		return err;
	if (put_user(args.id, &((struct kumem_lock_args __user *)uarg)->id))
		return -EFAULT; /* the region stays; closing the file releases it */
	return 0;
}

static long kumem_ioctl_alloc(struct kumem_file *kf, void __user *uarg)
{
	struct kumem_alloc_args args;
	struct kumem_region *r;
	int err;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	r = kumem_region_alloc_args(&args);
	if (IS_ERR(r))
		return PTR_ERR(r);
	args.map_len = r->geom.page_count << PAGE_SHIFT;
	err = kumem_file_insert(kf, r, &args.id);
	if (err)
		return err;
	args.mmap_offset = (u64)args.id << PAGE_SHIFT;
	args.user_addr = 0;
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

static long kumem_ioctl_release(struct kumem_file *kf, void __user *uarg)
{
	struct kumem_region_ref ref;
	struct kumem_region *r;
	int err;

	if (copy_from_user(&ref, uarg, sizeof(ref)))
		return -EFAULT;
	err = kumem_check_region_ref(&ref);
	if (err)
		return err;
	r = xa_erase(&kf->regions, ref.id);
	if (!r)
		return -ENOENT;
	kumem_file_drop(kf, r);
	return 0;
}

static long kumem_ioctl_stats(void __user *uarg)
{
	struct kumem_stats st = {
		.open_handles = atomic64_read(&kumem_counters.open_files),
		.regions = atomic64_read(&kumem_counters.regions),
		.pinned_pages = atomic64_read(&kumem_counters.pinned_pages),
		.allocated_pages = atomic64_read(&kumem_counters.allocated_pages),
		.user_mappings = atomic64_read(&kumem_counters.user_mappings),
		.io_pinned_pages = atomic64_read(&kumem_counters.io_pinned_pages),
	};

	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long kumem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kumem_file *kf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KUMEM_IOC_VERSION:
		return kumem_ioctl_version(uarg);
	case KUMEM_IOC_LOCK_USER:
		return kumem_ioctl_lock(kf, uarg);
	case KUMEM_IOC_ALLOC_SHARED:
		return kumem_ioctl_alloc(kf, uarg);
	case KUMEM_IOC_RELEASE:
		return kumem_ioctl_release(kf, uarg);
	case KUMEM_IOC_DESCRIBE:
		return kumem_ioctl_describe(kf, uarg);
	case KUMEM_IOC_KERNEL_FILL:
		return kumem_ioctl_kernel_op(kf, uarg, true);
	case KUMEM_IOC_KERNEL_CHECKSUM:
		return kumem_ioctl_kernel_op(kf, uarg, false);
	case KUMEM_IOC_BUFFERED_CHECKSUM:
		return kumem_ioctl_xfer(uarg, false);
	case KUMEM_IOC_DIRECT_CHECKSUM:
		return kumem_ioctl_xfer(uarg, true);
	case KUMEM_IOC_STATS:
		return kumem_ioctl_stats(uarg);
	case KUMEM_IOC_RING_CREATE:
		return kumem_ioctl_ring_create(file, uarg);
	case KUMEM_IOC_EVENTS_CREATE:
		return kumem_ioctl_events_create(uarg);
	case KUMEM_IOC_RW_MODE:
		return kumem_ioctl_rw_mode(kf, uarg);
	case KUMEM_IOC_RW_LAST:
		return kumem_ioctl_rw_last(kf, uarg);
	case KUMEM_IOC_LOCK_USERV:
		return kumem_ioctl_lockv(kf, uarg);
	case KUMEM_IOC_VIEW:
		return kumem_ioctl_view(kf, uarg);
	case KUMEM_IOC_DESCRIBE_CHAIN:
		return kumem_ioctl_describe_chain(kf, uarg);
	default:
		return -ENOTTY;
	}
}

/* mmap(fd, offset = id << PAGE_SHIFT, length = the region's whole pages, MAP_SHARED). */
static int kumem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kumem_file *kf = file->private_data;
	struct kumem_region *r;
	int err;

	if (vma->vm_pgoff == 0 || vma->vm_pgoff > KUMEM_MAX_REGION_ID)
		return -EINVAL;
	r = kumem_file_lookup(kf, vma->vm_pgoff);
	if (!r)
		return -EINVAL;
	err = kumem_region_map_user(r, vma);
	kumem_region_put(r);
	return err;
}

static const struct file_operations kumem_fops = {
	.owner = THIS_MODULE,
	.open = kumem_open,
	.release = kumem_release,
	.unlocked_ioctl = kumem_ioctl,
	/* The ABI is fixed-width: 32-bit callers use the very same structures. */
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kumem_mmap,
	.read_iter = kumem_read_iter, /* kumem_rw.c: after KUMEM_IOC_RW_MODE */
	.write_iter = kumem_write_iter,
	.uring_cmd = kumem_uring_cmd, /* kumem_uring.c */
	.llseek = noop_llseek,
};

bool kumem_is_dev_file(const struct file *f)
{
	return f->f_op == &kumem_fops;
}

static struct miscdevice kumem_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kumem",
	.fops = &kumem_fops,
	.mode = 0600,
};

static int kumem_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "open_files %lld\n", atomic64_read(&kumem_counters.open_files));
	seq_printf(m, "regions %lld\n", atomic64_read(&kumem_counters.regions));
	seq_printf(m, "pinned_pages %lld\n", atomic64_read(&kumem_counters.pinned_pages));
	seq_printf(m, "allocated_pages %lld\n", atomic64_read(&kumem_counters.allocated_pages));
	seq_printf(m, "user_mappings %lld\n", atomic64_read(&kumem_counters.user_mappings));
	seq_printf(m, "io_pinned_pages %lld\n", atomic64_read(&kumem_counters.io_pinned_pages));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kumem_stats);

static int __init kumem_init(void)
{
	int err;

	err = misc_register(&kumem_misc);
	if (err) {
		pr_err("cannot register /dev/kumem: %d\n", err);
		return err;
	}
	kumem_debugfs = debugfs_create_dir("kumem", NULL);
	debugfs_create_file("stats", 0400, kumem_debugfs, NULL, &kumem_stats_fops);
	pr_info("ready: /dev/kumem, release %s, ABI %u\n", KUMEM_VERSION_STRING, KUMEM_ABI_VERSION);
	return 0;
}

static void __exit kumem_exit(void)
{
	debugfs_remove_recursive(kumem_debugfs);
	misc_deregister(&kumem_misc);
	/* No file can be open here (fops.owner), so every region is gone: say so if not. */
	if (atomic64_read(&kumem_counters.regions) || atomic64_read(&kumem_counters.pinned_pages) ||
	    atomic64_read(&kumem_counters.allocated_pages))
		pr_err("leaked: %lld regions, %lld pinned pages, %lld allocated pages\n",
		       atomic64_read(&kumem_counters.regions),
		       atomic64_read(&kumem_counters.pinned_pages),
		       atomic64_read(&kumem_counters.allocated_pages));
}

module_init(kumem_init);
module_exit(kumem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kumem: zero-copy shared memory between user processes and the kernel");
MODULE_AUTHOR("kumem developers");
MODULE_VERSION(KUMEM_VERSION_STRING);
