// SPDX-License-Identifier: GPL-2.0
/*
 * Command rings: submission and completion queues in shared memory, io_uring style.
 *
 * KUMEM_IOC_RING_CREATE on /dev/kumem returns a ring fd. Its memory is a method 2 region
 * (zeroed, accounted, mapped with mmap on the ring fd). Submissions name regions of the
 * /dev/kumem file that created the ring. Two service modes:
 *
 *   enter    the caller consumes up to to_submit entries with KUMEM_IOC_RING_ENTER: one
 *            system call per batch, a batch being at most 64 MiB of work (core/ring_ops.h);
 *            the rest stays queued, unless the caller waits for their completions
 *   SQPOLL   a kernel thread consumes entries as they appear, busy-polls for idle_us (at
 *            most KUMEM_RING_MAX_IDLE_US), then sets KUMEM_SQ_NEED_WAKEUP and sleeps until
 *            ENTER(KUMEM_ENTER_WAKEUP); it starts asleep; with KUMEM_RING_SQ_AFF it runs on
 *            CPU sq_cpu only. Polling threads are kernel threads, outside the caller's
 *            cgroup: their number is limited per user and in all (module parameters
 *            max_sqpoll_per_user and max_sqpoll_threads; -EAGAIN beyond), see docs/rings.md
 *
 * Completions are waited for by polling the CQ, by poll()/epoll on the ring fd, or with
 * ENTER(KUMEM_ENTER_GETEVENTS) and a timeout. Every user-written index is read once and
 * checked (core/ring.c); a ring with impossible indices is marked DEAD and serves no more.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "kumem_internal.h"
#include "../core/ring_ops.h"
#include "../core/validate.h"

struct kumem_ring {
	struct file *parent;	       /* the /dev/kumem file whose regions it works on, or NULL */
	struct kumem_ring_driver drv;  /* ops >= KUMEM_OP_DRIVER_FIRST (execute NULL: none) */
	struct kumem_ring_create info; /* the layout, for KUMEM_IOC_RING_INFO */
	struct kumem_region *mem;      /* control page + SQ + CQ */
	struct kumem_ring_ctrl *ctrl;
	struct kumem_queue sq; /* kernel is the consumer */
	struct kumem_queue cq; /* kernel is the producer */
	/*
	 * Enter mode's one consumer of the SQ at a time (ENTER, SUBMIT); an SQPOLL ring's thread
	 * is its only consumer (ENTER consumes nothing there) and takes no lock. A mutex for its
	 * fairness: a bit lock with its own wait queue was 50-70 ns cheaper per ENTER under
	 * emulation, but a submitter entering again at once took it back ahead of the one it had
	 * just woken, every time, so a second submitter waited for as long as the first kept
	 * finding work (t_ring_limits' turns, on 7.2). The mutex hands itself to a waiter that
	 * keeps losing.
	 */
	struct mutex lock;
	wait_queue_head_t cq_wait;
	wait_queue_head_t sq_wait; /* the SQPOLL thread sleeps here */
	struct task_struct *thread;
	u32 flags;	/* KUMEM_RING_SQPOLL */
	u32 base_flags; /* private copy of what the kernel writes into sq_flags */
	u64 idle_ns;
	bool sqpoll_counted;	  /* holds one of the max_sqpoll_threads */
	bool sqpoll_user_counted; /* and one of its user's max_sqpoll_per_user */
	uid_t sqpoll_uid;
};

/* ---- how many polling threads there may be ----------------------------------------------- */

static unsigned int kumem_max_sqpoll_threads = 32;
module_param_named(max_sqpoll_threads, kumem_max_sqpoll_threads, uint, 0644);
MODULE_PARM_DESC(max_sqpoll_threads, "SQPOLL threads of all users together (default 32)");

static unsigned int kumem_max_sqpoll_per_user = 2;
module_param_named(max_sqpoll_per_user, kumem_max_sqpoll_per_user, uint, 0644);
MODULE_PARM_DESC(max_sqpoll_per_user,
		 "SQPOLL threads one user without CAP_SYS_ADMIN may have (default 2; 0: none)");

static DEFINE_MUTEX(sqpoll_count_lock);
static unsigned int sqpoll_threads;	 /* under sqpoll_count_lock */
static DEFINE_XARRAY(sqpoll_user_threads); /* uid -> xa_mk_value(count), under the same */

/*
 * Count the polling thread @r is about to start against both limits. A thread is a kernel
 * thread: it runs outside the caller's cgroup and CPU accounting, so the limits are what
 * keeps one user from turning rings into busy CPUs (CAP_SYS_ADMIN is held to the global one
 * only).
 */
static int sqpoll_count(struct kumem_ring *r)
{
	uid_t uid = from_kuid(&init_user_ns, current_uid());
	bool per_user = !capable(CAP_SYS_ADMIN);
	unsigned long n = 0;
	int err = 0;

	mutex_lock(&sqpoll_count_lock);
	if (sqpoll_threads >= READ_ONCE(kumem_max_sqpoll_threads)) {
		pr_info_ratelimited("SQPOLL refused to uid %u: max_sqpoll_threads=%u reached\n", uid,
				    kumem_max_sqpoll_threads);
		err = -EAGAIN;
		goto out;
	}
	if (per_user) {
		n = xa_to_value(xa_load(&sqpoll_user_threads, uid) ?: xa_mk_value(0));
		if (n >= READ_ONCE(kumem_max_sqpoll_per_user)) {
			pr_info_ratelimited("SQPOLL refused to uid %u: max_sqpoll_per_user=%u reached\n",
					    uid, kumem_max_sqpoll_per_user);
			err = -EAGAIN;
			goto out;
		}
		err = xa_err(xa_store(&sqpoll_user_threads, uid, xa_mk_value(n + 1), GFP_KERNEL));
		if (err)
			goto out;
	}
	sqpoll_threads++;
	r->sqpoll_counted = true;
	r->sqpoll_user_counted = per_user;
	r->sqpoll_uid = uid;
out:
	mutex_unlock(&sqpoll_count_lock);
	return err;
}

static void sqpoll_uncount(struct kumem_ring *r)
{
	unsigned long n;

	if (!r->sqpoll_counted)
		return;
	mutex_lock(&sqpoll_count_lock);
	sqpoll_threads--;
	if (r->sqpoll_user_counted) {
		n = xa_to_value(xa_load(&sqpoll_user_threads, r->sqpoll_uid));
		/* replacing an entry allocates nothing, so this store cannot fail */
		if (n > 1)
			xa_store(&sqpoll_user_threads, r->sqpoll_uid, xa_mk_value(n - 1), GFP_KERNEL);
		else
			xa_erase(&sqpoll_user_threads, r->sqpoll_uid);
	}
	mutex_unlock(&sqpoll_count_lock);
	r->sqpoll_counted = false;
}

/* ---- service ------------------------------------------------------------------------------ */

/*
 * Submissions the SQPOLL thread consumes between two publications of its indices (see
 * kumem_ring_service_runs()); 0 publishes once per batch, the loop before runs. Read at every
 * batch, so `kumem bench` can set the old loop beside the new one in one run.
 */
static unsigned int kumem_sqpoll_publish_run = KUMEM_RING_PUBLISH_RUN;
module_param_named(sqpoll_publish_run, kumem_sqpoll_publish_run, uint, 0644);
MODULE_PARM_DESC(sqpoll_publish_run,
		 "SQPOLL: submissions between two index publications (default 32; 0: one per batch)");

/*
 * Region @id of @kf as core/ring_ops.c sees it, held until kumem_ring_mem_put(): the one
 * lookup behind kumem's rings and its io_uring commands (kumem_uring.c).
 */
int kumem_ring_mem_get(struct kumem_file *kf, u32 id, struct kumem_ring_mem *m)
{
	struct kumem_region *r = kumem_file_lookup(kf, id);

	if (!r)
		return -ENOENT;
	m->kaddr = kumem_region_kaddr(r);
	if (!m->kaddr) { /* a chain with joints inside pages: the ops walk its elements */
		m->segs = r->segs;
		m->nsegs = r->nsegs;
		m->page_shift = PAGE_SHIFT;
		m->map = r->vaddr;
	}
	m->size = r->geom.byte_count;
	m->writable = r->kind == KUMEM_REGION_KERNEL_PAGES || (r->flags & KUMEM_KERNEL_WRITE);
	m->handle = r;
	return 0;
}

void kumem_ring_mem_put(struct kumem_ring_mem *m)
{
	kumem_region_put(m->handle);
}

/* How core/ring_ops.c reaches the regions of the ring's /dev/kumem file. */
static int ring_get(void *ctx, u32 id, struct kumem_ring_mem *m)
{
	struct kumem_ring *ring = ctx;

	/* a driver's ring made without a /dev/kumem file has no regions */
	if (!ring->parent)
		return -ENOENT;
	return kumem_ring_mem_get(ring->parent->private_data, id, m);
}

static void ring_put(void *ctx, struct kumem_ring_mem *m)
{
	kumem_ring_mem_put(m);
}

static int ring_driver_op(void *ctx, const struct kumem_sqe *e, struct kumem_cqe *c)
{
	struct kumem_ring *ring = ctx;

	if (!ring->drv.execute)
		return -EINVAL;
	return ring->drv.execute(ring->drv.priv, e, c);
}

/*
 * Between two chunks of a ring's work (core/ring_ops.h): give the CPU away if it is wanted,
 * and stop when the submitter is being killed or the SQPOLL thread is being stopped (the
 * ring's file is going away), so neither waits for a whole batch.
 */
static bool ring_yield(void *ctx)
{
	cond_resched();
	if (current->flags & PF_KTHREAD)
		return kthread_should_stop();
	return fatal_signal_pending(current);
}

static const struct kumem_region_ops kumem_ring_region_ops = {
	.get = ring_get,
	.put = ring_put,
	.driver_op = ring_driver_op,
	.yield = ring_yield,
};

static void ring_mark_dead(struct kumem_ring *r)
{
	r->base_flags |= KUMEM_RING_DEAD;
	WRITE_ONCE(r->ctrl->sq_flags, r->base_flags);
	wake_up_all(&r->cq_wait);
}

/*
 * Consume up to @max submissions, posting one completion each, publishing every @run (0: once).
 * Caller is the SQ's one consumer: the SQPOLL thread, or an ENTER holding r->lock.
 */
static __always_inline int ring_process(struct kumem_ring *r, u32 max, u32 run)
{
	int n;

	if (r->base_flags & KUMEM_RING_DEAD)
		return -EBADFD;
	n = kumem_ring_service_runs(&r->sq, &r->cq, max, run, &kumem_ring_region_ops, r);
	if (n < 0) {
		pr_warn_ratelimited("ring of pid %d has impossible indices: stopped\n",
				    task_pid_nr(current));
		ring_mark_dead(r);
		return -EBADFD;
	}
	/* wq_has_sleeper's barrier pairs with the waiter's check after queueing itself */
	if (n && wq_has_sleeper(&r->cq_wait))
		wake_up(&r->cq_wait);
	return n;
}

/* Completions posted and not yet consumed; a bogus cq_head counts as "ready" so waiters
 * return and see the error instead of sleeping forever.
 */
static u32 ring_cq_ready(struct kumem_ring *r)
{
	u32 pending = r->cq.mine - READ_ONCE(r->ctrl->cq_head);

	return pending > r->cq.entries ? U32_MAX : pending;
}

static int kumem_sqpoll(void *data)
{
	struct kumem_ring *r = data;
	/* born idle: nothing is submitted yet, so sleep at once rather than poll idle_ns */
	u64 idle_since = ktime_get_ns() - r->idle_ns;
	DEFINE_WAIT(wait);
	bool busy = false;
	int n;

	while (!kthread_should_stop()) {
		/* the only consumer (ENTER consumes nothing on an SQPOLL ring): no lock; two
		 * CPUs at work: publish in runs so that they overlap
		 */
		n = ring_process(r, r->sq.entries, READ_ONCE(kumem_sqpoll_publish_run));
		if (n > 0) {
			busy = true; /* the idle clock starts when the work stops, not per batch */
			cond_resched();
			continue;
		}
		if (busy) {
			idle_since = ktime_get_ns();
			busy = false;
		}
		if (n == 0 && ktime_get_ns() - idle_since < r->idle_ns) {
			/* a spin-wait: let the line of sq_tail stay with the submitter a moment */
			cpu_relax();
			cond_resched();
			continue;
		}
		/* Idle (or dead): sleep. See core/ring.c for why this cannot lose a wakeup. */
		prepare_to_wait(&r->sq_wait, &wait, TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			finish_wait(&r->sq_wait, &wait);
			break;
		}
		if (n < 0 || kumem_queue_prepare_sleep(&r->sq, &r->ctrl->sq_flags, r->base_flags))
			schedule();
		finish_wait(&r->sq_wait, &wait);
		kumem_queue_woke(&r->ctrl->sq_flags, r->base_flags);
		idle_since = ktime_get_ns();
	}
	return 0;
}

/*
 * Enter mode: one batch of up to @max submissions under r->lock (another submitter's batch
 * may hold it: stay killable meanwhile), one publication for it, since one CPU does it all.
 * How many were consumed, or a negative errno.
 */
static int ring_take(struct kumem_ring *r, u32 max)
{
	int n;

	if (mutex_lock_killable(&r->lock))
		return -EINTR;
	n = ring_process(r, max, 0);
	mutex_unlock(&r->lock);
	return n;
}

/*
 * ENTER's argument, read with one user-access window: one load per field, no call and no
 * per-copy checks (copy_from_user() of the 32 bytes was a chain of calls, with hardened
 * usercopy's object check, for a few loads), each field straight into a register (a copy of
 * the struct on the stack cost a zeroing, a store and a reload per word). Every field is
 * read: the reserved ones are checked. @submitted is not the caller's business on the way in.
 */
struct ring_enter_args {
	u32 to_submit, min_complete, flags, ring_id, reserved;
	s64 timeout_ns;
};

static __always_inline int ring_enter_get(struct ring_enter_args *a,
					  struct kumem_ring_enter __user *uarg)
{
	if (!user_read_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_get_user(a->to_submit, &uarg->to_submit, efault);
	unsafe_get_user(a->min_complete, &uarg->min_complete, efault);
	unsafe_get_user(a->flags, &uarg->flags, efault);
	unsafe_get_user(a->timeout_ns, &uarg->timeout_ns, efault);
	unsafe_get_user(a->ring_id, &uarg->ring_id, efault);
	unsafe_get_user(a->reserved, &uarg->reserved, efault);
	user_read_access_end();
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

static int ring_enter_put_submitted(u32 submitted, struct kumem_ring_enter __user *uarg)
{
	if (!user_write_access_begin(&uarg->submitted, sizeof(uarg->submitted)))
		return -EFAULT;
	unsafe_put_user(submitted, &uarg->submitted, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

/*
 * ENTER(GETEVENTS)'s wait for @min_complete completions: 0, or why it ended without them.
 * Out of line, so that the frame of the submitting path stays small.
 */
static noinline int ring_enter_wait(struct kumem_ring *r, u32 min_complete, s64 timeout_ns)
{
	long ret;
	bool done;

#define RING_WAIT_DONE (ring_cq_ready(r) >= min_complete || (r->base_flags & KUMEM_RING_DEAD))
	if (timeout_ns < 0)
		ret = wait_event_interruptible(r->cq_wait, RING_WAIT_DONE);
	else
		ret = wait_event_interruptible_hrtimeout(r->cq_wait, RING_WAIT_DONE,
							 ns_to_ktime(timeout_ns));
	done = RING_WAIT_DONE;
#undef RING_WAIT_DONE
	if (r->base_flags & KUMEM_RING_DEAD)
		return -EBADFD;
	if (ret && !done)
		return ret == -ETIME ? -ETIMEDOUT : ret;
	return 0;
}

static long ring_enter(struct kumem_ring *r, struct kumem_ring_enter __user *uarg)
{
	struct ring_enter_args a;
	u32 submitted = 0;
	int n;

	if (ring_enter_get(&a, uarg))
		return -EFAULT;
	if (a.reserved || a.ring_id || (a.flags & ~(KUMEM_ENTER_GETEVENTS | KUMEM_ENTER_WAKEUP)))
		return -EINVAL;
	if (a.min_complete > r->cq.entries)
		return -EINVAL;
	while (submitted < a.to_submit && !(r->flags & KUMEM_RING_SQPOLL)) {
		n = ring_take(r, a.to_submit - submitted);
		if (n < 0)
			return n;
		submitted += n;
		/*
		 * One batch is bounded (64 MiB of work). Without GETEVENTS the caller gets the
		 * short count; a caller about to wait for completions that only the rest of its
		 * submissions can produce gets more batches, the lock dropped and signals
		 * honoured between them, instead of waiting for ever.
		 */
		if (!n || !(a.flags & KUMEM_ENTER_GETEVENTS) ||
		    ring_cq_ready(r) >= a.min_complete || signal_pending(current))
			break;
		cond_resched();
	}
	if ((a.flags & KUMEM_ENTER_WAKEUP) && r->thread)
		wake_up(&r->sq_wait);
	if (a.flags & KUMEM_ENTER_GETEVENTS) {
		n = ring_enter_wait(r, a.min_complete, a.timeout_ns);
		if (n)
			return n;
	}
	if (ring_enter_put_submitted(submitted, uarg))
		return -EFAULT;
	return submitted;
}

/*
 * KUMEM_IOC_RING_SUBMIT: ENTER(to_submit = @to_submit) with no flags, the count in the ioctl's
 * argument and the result in its return value. Under emulation the two user-access windows
 * of ENTER's argument block (read, then write-back) were ~0.1 us of an ENTER of 32 NOPs.
 */
static long ring_submit(struct kumem_ring *r, unsigned long to_submit)
{
	if (to_submit > U32_MAX)
		return -EINVAL;
	if (!to_submit || (r->flags & KUMEM_RING_SQPOLL))
		return 0;
	return ring_take(r, to_submit);
}

static long kumem_ring_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kumem_ring *r = file->private_data;

	switch (cmd) {
	case KUMEM_IOC_RING_SUBMIT:
		return ring_submit(r, arg);
	case KUMEM_IOC_RING_ENTER:
		return ring_enter(r, (struct kumem_ring_enter __user *)arg);
	case KUMEM_IOC_RING_INFO:
		return copy_to_user((void __user *)arg, &r->info, sizeof(r->info)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

static __poll_t kumem_ring_poll(struct file *file, poll_table *pt)
{
	struct kumem_ring *r = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &r->cq_wait, pt);
	/* pairs with the producer's barrier in wq_has_sleeper() */
	smp_mb();
	if (ring_cq_ready(r))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (r->base_flags & KUMEM_RING_DEAD)
		mask |= EPOLLERR;
	return mask;
}

static int kumem_ring_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kumem_ring *r = file->private_data;

	if (vma->vm_pgoff)
		return -EINVAL;
	return kumem_region_map_user(r->mem, vma);
}

/* Undo ring_new(); @release_priv: also hand the driver's @priv back to it. */
static void ring_free(struct kumem_ring *r, bool release_priv)
{
	if (r->thread)
		kthread_stop(r->thread);
	sqpoll_uncount(r);
	kumem_region_put(r->mem);
	if (r->parent)
		fput(r->parent);
	if (release_priv && r->drv.release)
		r->drv.release(r->drv.priv);
	if (r->drv.owner)
		module_put(r->drv.owner);
	kfree(r);
}

static int kumem_ring_release(struct inode *inode, struct file *file)
{
	ring_free(file->private_data, true);
	return 0;
}

static const struct file_operations kumem_ring_fops = {
	.owner = THIS_MODULE,
	.release = kumem_ring_release,
	.unlocked_ioctl = kumem_ring_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kumem_ring_mmap,
	.poll = kumem_ring_poll,
	.llseek = noop_llseek,
};

/*
 * The SQPOLL thread; with KUMEM_RING_SQ_AFF bound to CPU a->sq_cpu before it first runs.
 *
 * kthread_bind() and not set_cpus_allowed_ptr(): since the kthread affinity rework (6.14) an
 * unbound kthread is re-affined to its preferred node's CPUs when it starts and again on CPU
 * hotplug, which silently undid an affinity set before the first wake-up (7.2 ran the thread
 * on every CPU). A bound kthread (PF_NO_SETAFFINITY) is left alone on every version. The
 * hotplug lock is held from the online check to the wake-up, so the CPU cannot go between
 * them; if it goes later the scheduler moves the thread elsewhere, as for io_uring's SQPOLL.
 */
static int ring_start_thread(struct kumem_ring *r, const struct kumem_ring_create *a)
{
	struct task_struct *t;
	int err = 0;

	t = kthread_create(kumem_sqpoll, r, "kumem-sqpoll/%d", task_pid_nr(current));
	if (IS_ERR(t))
		return PTR_ERR(t);
	cpus_read_lock();
	if (a->flags & KUMEM_RING_SQ_AFF) {
		/*
		 * As with io_uring's SQ_AFF, the caller's cpuset is not consulted (modules
		 * cannot read it): the thread is a kernel thread, outside that cpuset pinned or
		 * not (docs/rings.md).
		 */
		if (cpu_online(a->sq_cpu))
			kthread_bind(t, a->sq_cpu);
		else
			err = -EINVAL;
	}
	if (!err) {
		r->thread = t;
		wake_up_process(t);
	}
	cpus_read_unlock();
	if (err)
		kthread_stop(t); /* never woken: it exits without running kumem_sqpoll */
	return err;
}

/* Validate @a, build the ring and fill in its layout; NULL @parent/@drv allowed. */
static struct kumem_ring *ring_new(struct kumem_ring_create *a, struct file *parent,
				   const struct kumem_ring_driver *drv)
{
	struct kumem_ring *r;
	u64 sq_off, cq_off, bytes;
	int err;

	err = kumem_check_ring_create(a, nr_cpu_ids);
	if (err)
		return ERR_PTR(err);
	if (a->event_handle) /* Windows' */
		return ERR_PTR(-EINVAL);
	sq_off = PAGE_SIZE; /* the control page first */
	cq_off = sq_off + (u64)a->sq_entries * sizeof(struct kumem_sqe);
	bytes = cq_off + (u64)a->cq_entries * sizeof(struct kumem_cqe);

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	if (drv) {
		if (!try_module_get(drv->owner)) {
			kfree(r);
			return ERR_PTR(-ENODEV);
		}
		r->drv = *drv;
	}
	r->mem = kumem_region_alloc(bytes, KUMEM_USER_READ | KUMEM_USER_WRITE);
	if (IS_ERR(r->mem)) {
		err = PTR_ERR(r->mem);
		goto err_module;
	}
	r->ctrl = kumem_region_kaddr(r->mem);
	kumem_queue_attach(&r->sq, &r->ctrl->sq_tail, &r->ctrl->sq_head, (u8 *)r->ctrl + sq_off,
			   a->sq_entries, sizeof(struct kumem_sqe), false);
	kumem_queue_attach(&r->cq, &r->ctrl->cq_tail, &r->ctrl->cq_head, (u8 *)r->ctrl + cq_off,
			   a->cq_entries, sizeof(struct kumem_cqe), true);
	mutex_init(&r->lock);
	init_waitqueue_head(&r->cq_wait);
	init_waitqueue_head(&r->sq_wait);
	r->flags = a->flags;
	r->idle_ns = (u64)(a->idle_us ? a->idle_us : 1000) * NSEC_PER_USEC;
	r->parent = parent ? get_file(parent) : NULL;
	if (a->flags & KUMEM_RING_SQPOLL) {
		err = sqpoll_count(r);
		if (!err)
			err = ring_start_thread(r, a);
		if (err) {
			ring_free(r, false); /* undoes all of the above */
			return ERR_PTR(err);
		}
	}
	a->map_len = r->mem->geom.page_count << PAGE_SHIFT;
	a->sq_offset = sq_off;
	a->cq_offset = cq_off;
	a->user_addr = 0;
	r->info = *a;
	return r;

err_module:
	if (r->drv.owner)
		module_put(r->drv.owner);
	kfree(r);
	return ERR_PTR(err);
}

long kumem_ioctl_ring_create(struct file *parent, void __user *uarg)
{
	struct kumem_ring_create a;
	struct kumem_ring *r;
	struct file *file;
	bool released;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	r = ring_new(&a, parent, NULL);
	if (IS_ERR(r))
		return PTR_ERR(r);
	/* r->info is what goes out: its ring_fd is set before the fd exists for anyone else */
	err = kumem_publish_fd("[kumem-ring]", &kumem_ring_fops, r, uarg, &r->info, sizeof(r->info),
			       &r->info.ring_fd, &file, &released);
	if (err && !released)
		ring_free(r, false); /* no file was made */
	return err;
}

int kumem_ring_create_driver(struct kumem_ring_create *a, const struct kumem_ring_driver *drv,
			     struct file *regions)
{
	struct kumem_ring *r;
	struct file *file;
	int fd;

	int err;

	if (!drv || !drv->execute || (regions && !kumem_is_dev_file(regions))) {
		err = -EINVAL;
		goto err_release;
	}
	r = ring_new(a, regions, drv);
	if (IS_ERR(r)) {
		err = PTR_ERR(r);
		goto err_release;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ring_free(r, true);
		return fd;
	}
	file = anon_inode_getfile("[kumem-ring]", &kumem_ring_fops, r, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		ring_free(r, true);
		return PTR_ERR(file);
	}
	a->ring_fd = fd;
	r->info.ring_fd = fd;
	fd_install(fd, file);
	return fd;

err_release:
	/* the driver handed @priv over: give it back even when nothing was made */
	if (drv && drv->release)
		drv->release(drv->priv);
	return err;
}
EXPORT_SYMBOL_GPL(kumem_ring_create_driver);
