// SPDX-License-Identifier: GPL-2.0
/*
 * What the feature files share about a /dev/kumem file: its table of regions (small ids,
 * never kernel addresses) with the per-file limits, the module's limits and counters, and
 * how a feature hands a new object to the caller as an fd.
 *
 * This file calls no feature file back: kumem_main.c dispatches to the features, and the
 * features use these helpers.
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>

#include "kumem_internal.h"
#include "kumem_compat.h"

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

void kumem_limits_get(struct kumem_limits *lim)
{
	u64 max = (u64)READ_ONCE(kumem_max_region_mb) << 20;

	lim->page_shift = PAGE_SHIFT;
	lim->max_region_bytes = max;
	lim->max_xfer_bytes = max;
	lim->max_contig_bytes = PAGE_SIZE << KUMEM_MAX_PAGE_ORDER;
	lim->user_va_end = TASK_SIZE;
}

/* A new /dev/kumem file's state: an empty region table (the dispatcher's .open). */
struct kumem_file *kumem_file_new(struct file *file)
{
	struct kumem_file *kf;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL_ACCOUNT);
	if (!kf)
		return NULL;
	xa_init_flags(&kf->regions, XA_FLAGS_ALLOC1);
	file->private_data = kf;
	atomic64_inc(&kumem_counters.open_files);
	return kf;
}

/*
 * A /dev/kumem file (for drivers handing one in): its .release is ours. The file_operations
 * table is the dispatcher's (kumem_main.c); comparing its release handler keeps this file
 * from depending on it.
 */
bool kumem_is_dev_file(const struct file *f)
{
	return f->f_op && f->f_op->release == kumem_file_release;
}

static void kumem_file_drop(struct kumem_file *kf, struct kumem_region *r)
{
	atomic_dec(&kf->nregions);
	atomic64_sub(kumem_region_size(r), &kf->bytes);
	kumem_region_put(r);
}

/* .release: every region still in the table goes; user mappings keep their own references. */
int kumem_file_release(struct inode *inode, struct file *file)
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

/* Take @id out of @kf and drop the table's reference: -ENOENT if it has no such id. */
int kumem_file_remove(struct kumem_file *kf, u32 id)
{
	struct kumem_region *r = xa_erase(&kf->regions, id);

	if (!r)
		return -ENOENT;
	kumem_file_drop(kf, r);
	return 0;
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
