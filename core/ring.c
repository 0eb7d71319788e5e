// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * SPSC queue over shared memory. Free-running 32-bit indices: the number of entries in
 * flight is always prod - cons (mod 2^32), which is why the entry count must be a power of
 * two no larger than 2^31 and why a difference above the capacity can only mean corruption.
 */
#include "ring.h"

bool kumem_pow2_ok(uint32_t n, uint32_t max)
{
	return n && n <= max && !(n & (n - 1));
}

int kumem_queue_attach(struct kumem_queue *q, uint32_t *prod, uint32_t *cons, void *slots,
		       uint32_t entries, uint32_t entry_size, bool producer)
{
	if (!kumem_pow2_ok(entries, 1u << 30) || !entry_size)
		return -KUMEM_EINVAL;
	q->prod = prod;
	q->cons = cons;
	q->slots = slots;
	q->entries = entries;
	q->mask = entries - 1;
	q->entry_size = entry_size;
	q->mine = kumem_os_read_once_u32(producer ? prod : cons);
	return 0;
}

/*
 * Consumer side of the handshake.
 *
 *   consumer                          producer
 *   C1 flags |= NEED_WAKEUP           P1 prod = new index (publish)
 *   C2 smp_mb                         P2 smp_mb
 *   C3 read prod: empty? sleep        P3 read flags: NEED_WAKEUP? wake
 *
 * With both barriers, C1 precedes C3 and P1 precedes P3 in the single global order of the
 * two full barriers: either C3 sees P1 (the consumer does not sleep) or P3 sees C1 (the
 * producer wakes it). Without them, store buffering lets C3 miss P1 *and* P3 miss C1.
 * tests/unit/test_ring_wakeup.c checks this exhaustively, and that it fails without C2/P2.
 */
bool kumem_queue_prepare_sleep(struct kumem_queue *q, uint32_t *flags, uint32_t base_flags)
{
	kumem_os_write_once_u32(flags, base_flags | KUMEM_SQ_NEED_WAKEUP); /* C1 */
	kumem_os_smp_mb();						   /* C2 */
	if (kumem_queue_ready(q) != 0) {				   /* C3 */
		kumem_queue_woke(flags, base_flags);
		return false;
	}
	return true;
}

void kumem_queue_woke(uint32_t *flags, uint32_t base_flags)
{
	kumem_os_write_once_u32(flags, base_flags);
}
