// SPDX-License-Identifier: GPL-2.0
/*
 * kumem_example: a driver that uses kumem's kernel-side API (kumem_kernel.h) for its own
 * shared memory, without any code of its own for pinning, page allocation or mapping.
 *
 *   mmap(/dev/kumem_example, len)   a method 2 region of len bytes, shared with the caller
 *   ioctl(KUMEM_EXAMPLE_SUM)        checksum of that region, read through the kernel mapping
 *   ioctl(KUMEM_EXAMPLE_SUM_USER)   lock the caller's buffer (method 1), checksum it, unlock
 *   ioctl(KUMEM_EXAMPLE_EMIT)       produce records into an event stream the caller passes by fd
 *   ioctl(KUMEM_EXAMPLE_RING)       a command ring with the example's own ops (returns its fd)
 *   ioctl(KUMEM_EXAMPLE_EMIT_HARDIRQ) the same records from a hard-interrupt hrtimer
 *   ioctl(KUMEM_EXAMPLE_SG)         lock the caller's segments as one chain, build its sg_table
 *
 * The guest test tests/guest/t_kernel_api.c loads it after kumem.ko and drives it.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/completion.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/scatterlist.h>

#include "../kumem_kernel.h"
#include "../kumem_compat.h"
#include "../../core/checksum.h"
#include "kumem_example_abi.h"

struct example_file {
	atomic64_t count; /* KUMEM_EXAMPLE_OP_COUNT */
	struct mutex lock;
	struct kumem_region *region; /* the last mapped region, for KUMEM_EXAMPLE_SUM */
};

static int example_open(struct inode *inode, struct file *file)
{
	struct example_file *ef = kzalloc(sizeof(*ef), GFP_KERNEL);

	if (!ef)
		return -ENOMEM;
	mutex_init(&ef->lock);
	file->private_data = ef;
	return 0;
}

static int example_release(struct inode *inode, struct file *file)
{
	struct example_file *ef = file->private_data;

	if (ef->region)
		kumem_region_put(ef->region);
	kfree(ef);
	return 0;
}

static int example_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct example_file *ef = file->private_data;
	struct kumem_region *r;
	int err;

	/* offset 1 page: a mapping this driver refuses after mapping (shows the undo) */
	if (vma->vm_pgoff > 1)
		return -EINVAL;
	r = kumem_region_alloc(vma->vm_end - vma->vm_start, KUMEM_USER_READ | KUMEM_USER_WRITE);
	if (IS_ERR(r))
		return PTR_ERR(r);
	err = kumem_region_map_user(r, vma); /* the mapping takes its own reference */
	if (err) {
		kumem_region_put(r);
		return err;
	}
	if (vma->vm_pgoff == 1) {
		/* failing after a successful map: the mapping's reference must be given back */
		kumem_region_unmap_user(r, vma);
		kumem_region_put(r);
		return -EPERM;
	}
	mutex_lock(&ef->lock);
	if (ef->region)
		kumem_region_put(ef->region);
	ef->region = r;
	mutex_unlock(&ef->lock);
	return 0;
}

static long example_sum_user(void __user *uarg)
{
	struct kumem_example_sum s;
	struct kumem_region *r;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	r = kumem_region_lock_user(s.addr, s.len, KUMEM_KERNEL_READ);
	if (IS_ERR(r))
		return PTR_ERR(r);
	s.sum = kumem_checksum(kumem_region_kaddr(r), kumem_region_size(r));
	kumem_region_put(r);
	return copy_to_user(uarg, &s, sizeof(s)) ? -EFAULT : 0;
}

/*
 * Scatter-gather: the caller's segments as one chain and its sg_table. A driver with a device
 * would now call dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0); this one has none, so it reads
 * the bytes the table names with the CPU, which shows the table covers exactly the chain.
 */
static long example_sg(void __user *uarg)
{
	struct kumem_region_segment seg;
	struct kumem_example_sg a;
	struct kumem_segment *segs;
	struct sg_mapping_iter miter;
	struct kumem_region *r;
	struct kumem_csum c;
	struct sg_table sgt;
	long err;
	u32 i;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (!a.count || a.count > KUMEM_MAX_SEGMENTS)
		return -EINVAL;
	segs = memdup_user(u64_to_user_ptr(a.segs), a.count * sizeof(*segs));
	if (IS_ERR(segs))
		return PTR_ERR(segs);
	r = kumem_region_lock_segments(segs, a.count, KUMEM_KERNEL_READ, NULL);
	kfree(segs);
	if (IS_ERR(r))
		return PTR_ERR(r);
	err = kumem_region_sg_table(r, &sgt, GFP_KERNEL);
	if (err)
		goto out_put;

	kumem_csum_init(&c);
	a.bytes = 0;
	sg_miter_start(&miter, sgt.sgl, sgt.orig_nents, SG_MITER_FROM_SG);
	while (sg_miter_next(&miter)) {
		kumem_csum_update(&c, miter.addr, miter.length);
		a.bytes += miter.length;
	}
	sg_miter_stop(&miter);
	a.sg_sum = kumem_csum_final(&c);
	a.nents = sgt.orig_nents;
	sg_free_table(&sgt);

	kumem_csum_init(&c);
	for (i = 0; i < kumem_region_segment_count(r); i++) {
		err = kumem_region_segment(r, i, &seg);
		if (err)
			goto out_put;
		kumem_csum_update(&c, seg.kaddr, seg.len);
	}
	a.walk_sum = kumem_csum_final(&c);
	err = copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
out_put:
	kumem_region_put(r);
	return err;
}

/* A driver producing into a stream its user created: kumem_events_fdget() + emit(). */
static long example_emit(void __user *uarg)
{
	struct kumem_example_emit a;
	struct kumem_events *ev;
	u64 rec[2];
	u32 i;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	ev = kumem_events_fdget(a.events_fd);
	if (IS_ERR(ev))
		return PTR_ERR(ev);
	a.emitted = 0;
	for (i = 0; i < a.count; i++) {
		rec[0] = i;
		rec[1] = KUMEM_EXAMPLE_MAGIC;
		if (kumem_events_emit(ev, rec, sizeof(rec)))
			break; /* full: the stream counted the drop */
		a.emitted++;
	}
	kumem_events_put(ev);
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

/*
 * kumem_events_emit() from hard interrupt context: an hrtimer in HRTIMER_MODE_REL_HARD runs
 * its callback in the timer interrupt even on PREEMPT_RT (a default one runs in a thread
 * there), which is where a sleeping lock or a direct wake_up() would be caught.
 */
struct example_irq_emit {
	struct hrtimer timer;
	struct kumem_events *ev;
	u32 count, fired, emitted, hardirq;
	struct completion done;
};

#define EXAMPLE_IRQ_PERIOD_NS (50 * NSEC_PER_USEC)

static enum hrtimer_restart example_irq_tick(struct hrtimer *t)
{
	struct example_irq_emit *x = container_of(t, struct example_irq_emit, timer);
	u64 rec[2] = { x->fired, KUMEM_EXAMPLE_MAGIC };

	if (!kumem_events_emit(x->ev, rec, sizeof(rec))) {
		x->emitted++;
		x->hardirq += !!in_hardirq();
	}
	if (++x->fired < x->count) {
		hrtimer_forward_now(t, ns_to_ktime(EXAMPLE_IRQ_PERIOD_NS));
		return HRTIMER_RESTART;
	}
	complete(&x->done);
	return HRTIMER_NORESTART;
}

static long example_emit_hardirq(void __user *uarg)
{
	struct kumem_example_emit a;
	struct example_irq_emit *x;
	long err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (!a.count || a.count > 10000)
		return -EINVAL;
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	x->ev = kumem_events_fdget(a.events_fd);
	if (IS_ERR(x->ev)) {
		err = PTR_ERR(x->ev);
		goto out_free;
	}
	x->count = a.count;
	init_completion(&x->done);
	kumem_hrtimer_setup(&x->timer, example_irq_tick, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	hrtimer_start(&x->timer, ns_to_ktime(EXAMPLE_IRQ_PERIOD_NS), HRTIMER_MODE_REL_HARD);
	err = wait_for_completion_killable(&x->done);
	hrtimer_cancel(&x->timer); /* killed midway: the timer must not outlive x */
	kumem_events_put(x->ev);
	a.emitted = x->emitted;
	a.hardirq = x->hardirq;
	if (!err && copy_to_user(uarg, &a, sizeof(a)))
		err = -EFAULT;
out_free:
	kfree(x);
	return err;
}

/* The example's ring ops; kumem validated flags and reserved fields, the rest is ours. */
static int example_execute(void *priv, const struct kumem_sqe *e, struct kumem_cqe *c)
{
	struct example_file *ef = ((struct file *)priv)->private_data;

	switch (e->op) {
	case KUMEM_EXAMPLE_OP_ADD:
		c->value = e->offset + e->len;
		return 0;
	case KUMEM_EXAMPLE_OP_COUNT:
		c->value = atomic64_add_return(e->value, &ef->count);
		return 0;
	default:
		return -EINVAL;
	}
}

static void example_ring_release(void *priv)
{
	fput(priv);
}

static long example_ring(struct file *file)
{
	struct kumem_ring_create a = { .sq_entries = 32 };
	struct kumem_ring_driver drv = {
		.owner = THIS_MODULE,
		.execute = example_execute,
		.release = example_ring_release,
		/* the ring keeps our file (and so its counter) alive; released with the ring */
		.priv = get_file(file),
	};

	return kumem_ring_create_driver(&a, &drv, NULL);
}

static long example_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct example_file *ef = file->private_data;
	struct kumem_example_sum s = {};
	long err = 0;

	switch (cmd) {
	case KUMEM_EXAMPLE_SUM:
		mutex_lock(&ef->lock);
		if (ef->region) {
			s.len = kumem_region_size(ef->region);
			s.sum = kumem_checksum(kumem_region_kaddr(ef->region), s.len);
		} else {
			err = -ENODATA;
		}
		mutex_unlock(&ef->lock);
		if (!err && copy_to_user((void __user *)arg, &s, sizeof(s)))
			err = -EFAULT;
		return err;
	case KUMEM_EXAMPLE_SUM_USER:
		return example_sum_user((void __user *)arg);
	case KUMEM_EXAMPLE_EMIT:
		return example_emit((void __user *)arg);
	case KUMEM_EXAMPLE_RING:
		return example_ring(file);
	case KUMEM_EXAMPLE_EMIT_HARDIRQ:
		return example_emit_hardirq((void __user *)arg);
	case KUMEM_EXAMPLE_SG:
		return example_sg((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations example_fops = {
	.owner = THIS_MODULE,
	.open = example_open,
	.release = example_release,
	.mmap = example_mmap,
	.unlocked_ioctl = example_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice example_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kumem_example",
	.fops = &example_fops,
	.mode = 0600,
};

module_misc_device(example_misc);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Example user of kumem's kernel-side API");
