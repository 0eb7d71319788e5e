// SPDX-License-Identifier: GPL-2.0
/*
 * Event streams: variable-length records from the kernel to a process, BPF ring-buffer style.
 *
 * KUMEM_IOC_EVENTS_CREATE on /dev/kumem returns an events fd. Its memory is a method 2 region
 * of [consumer page][producer page][data], and the data pages are mapped twice in a row, in
 * the kernel (vmap of the page list with the data pages repeated) and in the process (the
 * same page list given to vm_insert_pages), so no record ever wraps. The process maps
 *
 *   offset 0           1 page, read-write: consumer_pos
 *   offset PAGE_SIZE   producer page + 2 x data, read-only
 *
 * Producers: any driver through kumem_events_reserve()/kumem_events_commit() (exported), and
 * a generator thread (KUMEM_IOC_EVENTS_GEN) for the demo and the benchmark. A full stream
 * drops the record and counts it. The consumer is woken only when it had caught up with the
 * record just committed; poll()/epoll on the fd waits for the next record. read() on the fd
 * is the classic alternative kept for comparison: one generated record per system call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "kumem_internal.h"
#include "../core/evring.h"

#define KUMEM_EV_MAX_READ (64 * 1024)

struct kumem_events {
	struct file *file;
	struct kumem_region *mem; /* [consumer page][producer page][data] */
	struct page **map_pages;  /* consumer, producer, data, data again */
	unsigned long data_pages;
	void *vaddr; /* vmap of map_pages */
	struct kumem_ev_consumer_page *cons;
	struct kumem_ev_producer_page *prod;
	struct kumem_evring ev; /* the producer's view */
	/*
	 * Serialises reserves. Raw: producers may be in hard interrupt context, where a
	 * spinlock_t (a sleeping lock on PREEMPT_RT) may not be taken.
	 */
	raw_spinlock_t lock;
	wait_queue_head_t wait;
	/* commit's wake-up, deferred: wake_up() takes the queue's spinlock_t */
	struct irq_work wake_work;
	struct mutex gen_lock; /* generator and read() state */
	struct task_struct *gen;
	struct kumem_events_gen gen_args;
	void *scratch; /* read(): the record being copied out */
	u64 read_seq;
};

static const struct file_operations kumem_events_fops;

static int events_reserve(struct kumem_events *e, u32 len, void **payload, u64 *pos,
			  bool count_drop)
{
	unsigned long irqflags;
	int err;

	raw_spin_lock_irqsave(&e->lock, irqflags);
	err = kumem_ev_reserve(&e->ev, len, payload, pos);
	if (err == -ENOSPC && count_drop)
		WRITE_ONCE(e->prod->dropped, e->prod->dropped + 1);
	raw_spin_unlock_irqrestore(&e->lock, irqflags);
	return err;
}

int kumem_events_reserve(struct kumem_events *e, u32 len, void **payload, u64 *pos)
{
	return events_reserve(e, len, payload, pos, true);
}
EXPORT_SYMBOL_GPL(kumem_events_reserve);

static void events_wake(struct irq_work *w)
{
	struct kumem_events *e = container_of(w, struct kumem_events, wake_work);

	wake_up_interruptible(&e->wait);
}

/*
 * Any context, hard interrupts included, on every preemption model: the wake-up goes through
 * irq_work (a hard interrupt on !RT, a per-CPU thread on PREEMPT_RT), queued only when the
 * consumer had caught up with this record.
 */
void kumem_events_commit(struct kumem_events *e, u64 pos, bool discard)
{
	if (kumem_ev_commit(&e->ev, pos, discard))
		irq_work_queue(&e->wake_work);
}
EXPORT_SYMBOL_GPL(kumem_events_commit);

int kumem_events_emit(struct kumem_events *e, const void *data, u32 len)
{
	void *p;
	u64 pos;
	int err;

	err = kumem_events_reserve(e, len, &p, &pos);
	if (err)
		return err;
	memcpy(p, data, len);
	kumem_events_commit(e, pos, false);
	return 0;
}
EXPORT_SYMBOL_GPL(kumem_events_emit);

/* A driver that was handed an events fd by its user: take a reference, or ERR_PTR. */
struct kumem_events *kumem_events_fdget(int fd)
{
	struct file *f = fget(fd);

	if (!f)
		return ERR_PTR(-EBADF);
	if (f->f_op != &kumem_events_fops) {
		fput(f);
		return ERR_PTR(-EINVAL);
	}
	return f->private_data;
}
EXPORT_SYMBOL_GPL(kumem_events_fdget);

void kumem_events_put(struct kumem_events *e)
{
	fput(e->file);
}
EXPORT_SYMBOL_GPL(kumem_events_put);

/*
 * Payload of generated record @seq (@len a multiple of 8, @p 8-byte aligned): the sequence
 * number, then bytes equal to (u8)seq, written as 64-bit stores, four per loop step. Not
 * memset(): rep stosb on CPUs with ERMS, which emulators run one byte per step (4 KiB: 6.3 us
 * against 0.9 us in the TCG guest); not memset64() either: rep stosq is one 8-byte store per
 * step there, where a loop runs as straight translated code (1 KiB records: the stream's
 * generator 3.3 -> 3.9 M records/s, docs/performance.md). The barrier only keeps the compiler
 * from turning the loop back into a memset() call. read() fills its records with the same
 * function, so the comparison stays even.
 */
static void gen_fill(void *p, u32 len, u64 seq)
{
	u64 *w = p, v = (u8)seq * 0x0101010101010101ull;
	u32 i, n = len / 8;

	w[0] = seq;
	for (i = 1; i + 4 <= n; i += 4) {
		w[i] = v;
		w[i + 1] = v;
		w[i + 2] = v;
		w[i + 3] = v;
		barrier();
	}
	for (; i < n; i++)
		w[i] = v;
}

#define KUMEM_GEN_BATCH 32
/* An unpaced generator facing a full stream waits from 20 us, doubling up to 10 ms. */
#define KUMEM_GEN_MIN_WAIT_US 20ul
#define KUMEM_GEN_MAX_WAIT_US 10000ul

/*
 * Reserve up to @max records under one hold of the lock (as fast as possible: the generator
 * is the only one in a hurry). Returns how many, or -EINVAL for a dead stream.
 */
static int gen_reserve_batch(struct kumem_events *e, u32 len, unsigned int max, void **p, u64 *pos,
			     u64 *end)
{
	unsigned long irqflags;
	int n;

	raw_spin_lock_irqsave(&e->lock, irqflags);
	n = kumem_ev_reserve_batch(&e->ev, len, max, p, pos);
	*end = e->ev.pos;
	raw_spin_unlock_irqrestore(&e->lock, irqflags);
	/* a record too large was refused when the generator started: count it as none */
	return n < 0 && n != -EINVAL ? 0 : n;
}

static int kumem_events_gen_thread(void *data)
{
	struct kumem_events *e = data;
	const struct kumem_events_gen g = e->gen_args;
	u64 start = ktime_get_ns(), seq = 0;
	void *p[KUMEM_GEN_BATCH];
	u64 pos[KUMEM_GEN_BATCH];
	unsigned long backoff_us = KUMEM_GEN_MIN_WAIT_US;

	while (seq < g.count && !kthread_should_stop()) {
		unsigned int want, i;
		u64 end = 0;
		int n;

		if (g.rate) {
			u64 due = start + div64_u64(seq * NSEC_PER_SEC, g.rate);
			s64 early = (s64)(due - ktime_get_ns());

			if (early > 20000)
				usleep_range(early / 1000, early / 1000 + 50);
			/* paced: one record at a time, dropped (and counted) when full */
			n = events_reserve(e, g.record_len, &p[0], &pos[0], true);
			if (n == 0) {
				n = 1;
				end = pos[0] + 1;
			} else if (n == -ENOSPC) {
				n = 0;
			}
		} else {
			/* as fast as the consumer takes them: batches, waiting for space */
			want = min_t(u64, KUMEM_GEN_BATCH, g.count - seq);
			n = gen_reserve_batch(e, g.record_len, want, p, pos, &end);
			if (n == 0) {
				/*
				 * Full. The consumer frees space without a system call, so
				 * nothing wakes us: sleep, longer each time it stays full, so
				 * that one that stopped reading costs at most ~100 wake-ups a
				 * second rather than 10000-50000.
				 */
				usleep_range(backoff_us, 2 * backoff_us);
				backoff_us = min(2 * backoff_us, KUMEM_GEN_MAX_WAIT_US);
				continue;
			}
			backoff_us = KUMEM_GEN_MIN_WAIT_US;
		}
		if (n < 0) {
			WRITE_ONCE(e->prod->flags, KUMEM_RING_DEAD);
			wake_up_interruptible(&e->wait);
			break;
		}
		if (n == 0) { /* a paced record dropped */
			seq++;
			continue;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			gen_fill(p[i], g.record_len, seq + i);
			kumem_ev_publish(&e->ev, pos[i], false);
		}
		if (kumem_ev_caught_up(&e->ev, pos[0], end))
			wake_up_interruptible(&e->wait);
		seq += n;
		WRITE_ONCE(e->prod->produced, e->prod->produced + n);
		cond_resched();
	}
	/* sleep until stopped, so kthread_stop() always finds us */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static void gen_stop(struct kumem_events *e)
{
	if (e->gen) {
		kthread_stop(e->gen);
		e->gen = NULL;
	}
}

static long events_gen(struct kumem_events *e, void __user *uarg)
{
	struct kumem_events_gen g;
	long err = 0;

	if (copy_from_user(&g, uarg, sizeof(g)))
		return -EFAULT;
	if (g.events_id || g.reserved0 || g.reserved1)
		return -EINVAL;
	if (g.count && (g.record_len < 8 || g.record_len % 8 ||
			g.record_len > kumem_ev_max_payload(e->ev.size)))
		return -EINVAL;
	mutex_lock(&e->gen_lock);
	gen_stop(e);
	if (g.count) {
		e->gen_args = g;
		e->gen = kthread_run(kumem_events_gen_thread, e, "kumem-events");
		if (IS_ERR(e->gen)) {
			err = PTR_ERR(e->gen);
			e->gen = NULL;
		}
	}
	mutex_unlock(&e->gen_lock);
	return err;
}

static long kumem_events_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (cmd != KUMEM_IOC_EVENTS_GEN)
		return -ENOTTY;
	return events_gen(file->private_data, (void __user *)arg);
}

/* The baseline: one record per read(), copied out of a kernel buffer. */
static ssize_t kumem_events_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	struct kumem_events *e = file->private_data;
	ssize_t ret = len;

	if (len < 8 || len % 8 || len > KUMEM_EV_MAX_READ)
		return -EINVAL;
	mutex_lock(&e->gen_lock);
	if (!e->scratch)
		e->scratch = kvmalloc(KUMEM_EV_MAX_READ, GFP_KERNEL_ACCOUNT);
	if (!e->scratch) {
		ret = -ENOMEM;
	} else {
		gen_fill(e->scratch, len, e->read_seq++);
		if (copy_to_user(buf, e->scratch, len))
			ret = -EFAULT;
	}
	mutex_unlock(&e->gen_lock);
	return ret;
}

static __poll_t kumem_events_poll(struct file *file, poll_table *pt)
{
	struct kumem_events *e = file->private_data;
	u64 cons, prod;
	u32 word;

	poll_wait(file, &e->wait, pt);
	/* pairs with the barrier in kumem_ev_commit(): see core/evring.c */
	smp_mb();
	if (READ_ONCE(e->prod->flags) & KUMEM_RING_DEAD)
		return EPOLLERR;
	cons = READ_ONCE(e->cons->consumer_pos);
	prod = READ_ONCE(e->ev.pos);
	if (prod - cons > e->ev.size)
		return EPOLLERR; /* the consumer wrote an impossible position */
	if (cons == prod)
		return 0;
	word = READ_ONCE(((struct kumem_ev_hdr *)(e->ev.data + (cons & e->ev.mask)))->len);
	return (word & KUMEM_EV_BUSY) ? 0 : EPOLLIN | EPOLLRDNORM;
}

static int kumem_events_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kumem_events *e = file->private_data;
	int err;

	if (vma->vm_pgoff == 0)
		err = kumem_map_pages(vma, e->map_pages, 1, true);
	else if (vma->vm_pgoff == 1)
		err = kumem_map_pages(vma, e->map_pages + 1, 1 + 2 * e->data_pages, false);
	else
		err = -EINVAL;
	if (!err)
		vma->vm_ops = &kumem_fixed_vm_ops; /* the file keeps the pages alive */
	return err;
}

static int kumem_events_release(struct inode *inode, struct file *file)
{
	struct kumem_events *e = file->private_data;

	gen_stop(e);
	irq_work_sync(&e->wake_work); /* a last commit's wake-up may still be queued */
	vunmap(e->vaddr);
	kvfree(e->map_pages);
	kumem_region_put(e->mem);
	kvfree(e->scratch);
	kfree(e);
	return 0;
}

static const struct file_operations kumem_events_fops = {
	.owner = THIS_MODULE,
	.release = kumem_events_release,
	.unlocked_ioctl = kumem_events_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = kumem_events_read,
	.mmap = kumem_events_mmap,
	.poll = kumem_events_poll,
	.llseek = noop_llseek,
};

long kumem_ioctl_events_create(void __user *uarg)
{
	struct kumem_events_create a;
	struct kumem_events *e;
	unsigned long i, n;
	bool released;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.reserved0 || a.user_addr || a.user_ro_addr)
		return -EINVAL;
	if (a.data_bytes < 4 * PAGE_SIZE || (a.data_bytes & (a.data_bytes - 1)) ||
	    a.data_bytes > (256ull << 20))
		return -EINVAL;
	n = a.data_bytes >> PAGE_SHIFT;

	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	e->mem = kumem_region_alloc(2 * PAGE_SIZE + a.data_bytes,
				    KUMEM_USER_READ | KUMEM_USER_WRITE);
	if (IS_ERR(e->mem)) {
		err = PTR_ERR(e->mem);
		goto err_events;
	}
	/* up to 2 + 2 * 64 Ki entries: 1 MiB, so not one physically contiguous kmalloc */
	e->map_pages = kvmalloc_array(2 + 2 * n, sizeof(*e->map_pages), GFP_KERNEL_ACCOUNT);
	if (!e->map_pages) {
		err = -ENOMEM;
		goto err_mem;
	}
	/* The same page list the MDL view would show, with the data pages listed twice. */
	for (i = 0; i < 2 + n; i++)
		e->map_pages[i] = e->mem->pages[i];
	for (i = 0; i < n; i++)
		e->map_pages[2 + n + i] = e->mem->pages[2 + i];
	e->vaddr = vmap(e->map_pages, 2 + 2 * n, VM_MAP, PAGE_KERNEL);
	if (!e->vaddr) {
		err = -ENOMEM;
		goto err_pages;
	}
	e->data_pages = n;
	e->cons = e->vaddr;
	e->prod = e->vaddr + PAGE_SIZE;
	kumem_ev_attach(&e->ev, &e->cons->consumer_pos, &e->prod->producer_pos,
			e->vaddr + 2 * PAGE_SIZE, a.data_bytes, true);
	raw_spin_lock_init(&e->lock);
	init_waitqueue_head(&e->wait);
	init_irq_work(&e->wake_work, events_wake);
	mutex_init(&e->gen_lock);

	a.map_len = (2 + 2 * n) << PAGE_SHIFT;
	a.data_offset = 2 * PAGE_SIZE;
	err = kumem_publish_fd("[kumem-events]", &kumem_events_fops, e, uarg, &a, sizeof(a),
			       &a.events_fd, &e->file, &released);
	if (!err || released)
		return err;
	/* no file was made: undo by hand */
	vunmap(e->vaddr);
err_pages:
	kvfree(e->map_pages);
err_mem:
	kumem_region_put(e->mem);
err_events:
	kfree(e);
	return err;
}
