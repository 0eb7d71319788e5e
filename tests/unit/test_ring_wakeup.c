// SPDX-License-Identifier: MIT
/*
 * A model check of the sleep/wake handshake in core/ring.c, with store buffers made explicit.
 *
 * Two CPUs, each with a FIFO store buffer (x86-TSO; weaker models only add behaviours, so a
 * lost wakeup here is a lost wakeup there too):
 *
 *   consumer: C1 store flag=1; [C2 mfence]; C3 load prod -> if 0: sleep
 *   producer: P1 store prod=1; [P2 mfence]; P3 load flag -> if 1: wake
 *
 * A fence can only complete when its CPU's store buffer is empty; a buffered store drains to
 * memory at any step; a load sees the CPU's own buffered store first, else memory. The test
 * explores every interleaving and counts the outcome "consumer sleeps and producer does not
 * wake" (the lost wakeup). It must be impossible with both fences and possible without them:
 * the second half shows the model can find the bug the barriers exist for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

struct cpu {
	int pc;		 /* 0: store, 1: fence, 2: load, 3: done */
	int buf_pending; /* the one store this CPU makes, still in its buffer */
	int loaded;	 /* value its load saw */
};

struct world {
	int flag, prod; /* memory */
	struct cpu c, p;
	int fences;
};

static long lost, finished;

static void explore(struct world w);

/*
 * Every next step of one CPU: its program step (store into its buffer, fence once the buffer
 * is empty, load the other CPU's variable) or the drain of its buffered store to memory.
 * Returns whether the CPU could move.
 */
static int steps_of(const struct world *w, int consumer)
{
	const struct cpu *c = consumer ? &w->c : &w->p;
	int moved = 0;

	if (c->pc == 0 || (c->pc == 1 && !c->buf_pending) || c->pc == 2) {
		struct world n = *w;
		struct cpu *m = consumer ? &n.c : &n.p;

		if (c->pc == 0) {
			m->buf_pending = 1;
			m->pc = w->fences ? 1 : 2;
		} else if (c->pc == 1) {
			m->pc = 2;
		} else {
			m->loaded =
				consumer ? w->prod : w->flag; /* each loads the other's variable */
			m->pc = 3;
		}
		explore(n);
		moved = 1;
	}
	if (c->buf_pending) {
		struct world n = *w;

		if (consumer) {
			n.c.buf_pending = 0;
			n.flag = 1;
		} else {
			n.p.buf_pending = 0;
			n.prod = 1;
		}
		explore(n);
		moved = 1;
	}
	return moved;
}

static void explore(struct world w)
{
	int moved = steps_of(&w, 1);

	moved |= steps_of(&w, 0);
	if (!moved) {
		finished++;
		/* consumer saw no work (sleeps) and producer saw no sleeper (no wake) */
		if (w.c.loaded == 0 && w.p.loaded == 0)
			lost++;
	}
}

static void with_barriers(void **state)
{
	struct world w = { .fences = 1 };

	(void)state;
	lost = finished = 0;
	explore(w);
	assert_true(finished > 10);
	assert_int_equal(lost, 0);
}

static void without_barriers(void **state)
{
	struct world w = { .fences = 0 };

	(void)state;
	lost = finished = 0;
	explore(w);
	assert_true(finished > 10);
	assert_true(lost > 0); /* the model finds the lost wakeup */
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(with_barriers),
		cmocka_unit_test(without_barriers),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
