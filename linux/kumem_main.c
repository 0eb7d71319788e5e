// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kumem: the device, the module's init and exit, and the ioctl dispatcher.
 *
 * The calls run one way: this file dispatches to the feature files (regions, chains, ops,
 * rings, events, read/write), and they use the per-file helpers of kumem_file.c (the region
 * table of each open file, limits, counters, publishing an fd), which call nothing back.
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

#include <kumem/kumem_version.h>

#include "kumem_internal.h"
#include "kumem_compat.h"

/* core/ speaks Linux errno numbers by name: make sure they are the kernel's. */
static_assert(KUMEM_EINVAL == EINVAL && KUMEM_EFAULT == EFAULT && KUMEM_E2BIG == E2BIG);
static_assert(KUMEM_EOVERFLOW == EOVERFLOW && KUMEM_ERANGE == ERANGE && KUMEM_ENOENT == ENOENT);
static_assert(KUMEM_EDQUOT == EDQUOT && KUMEM_EACCES == EACCES && KUMEM_EPERM == EPERM);
static_assert(KUMEM_ENOSPC == ENOSPC && KUMEM_ENOMEM == ENOMEM && KUMEM_ENOTTY == ENOTTY);
static_assert(KUMEM_EINTR == EINTR && KUMEM_EBADFD == EBADFD && KUMEM_ETIMEDOUT == ETIMEDOUT);

static struct dentry *kumem_debugfs;

static int kumem_open(struct inode *inode, struct file *file)
{
	struct kumem_file *kf = kumem_file_new(file);

	if (!kf)
		return -ENOMEM;
	kumem_rw_init(kf);
	return 0;
}

static long kumem_ioctl_version(void __user *uarg)
{
	struct kumem_info info = {
		.abi_version = KUMEM_ABI_VERSION,
		.page_size = PAGE_SIZE,
		.max_regions = READ_ONCE(kumem_max_fd_regions),
		.features = KUMEM_FEAT_LOCK_USER | KUMEM_FEAT_ALLOC_SHARED | KUMEM_FEAT_CONTIG |
			    KUMEM_FEAT_BUFFERED | KUMEM_FEAT_DIRECT | KUMEM_FEAT_RW |
			    KUMEM_FEAT_CHAINS | KUMEM_FEAT_URING_CMD | KUMEM_FEAT_RING_SUBMIT,
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
	int err;

	if (copy_from_user(&ref, uarg, sizeof(ref)))
		return -EFAULT;
	err = kumem_check_region_ref(&ref);
	if (err)
		return err;
	return kumem_file_remove(kf, ref.id);
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
	.release = kumem_file_release, /* kumem_file.c: the region table goes */
	.unlocked_ioctl = kumem_ioctl,
	/* The ABI is fixed-width: 32-bit callers use the very same structures. */
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kumem_mmap,
	.read_iter = kumem_read_iter, /* kumem_rw.c: after KUMEM_IOC_RW_MODE */
	.write_iter = kumem_write_iter,
	.uring_cmd = kumem_uring_cmd, /* kumem_uring.c */
	.llseek = noop_llseek,
};

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
