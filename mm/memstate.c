// SPDX-License-Identifier: GPL-2.0-only
/* pshare: host memory states (high, soft, hard, low) and the shrinker. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>
#include <linux/static_call.h>
#include <pshare/compat.h>
#include "memstate.h"

/**
 * DOC: Memory states
 *
 * After ESX, the host is in one of four states, by its available memory
 * (MemAvailable: free memory plus what the kernel can reclaim without
 * swapping) against four thresholds, in percent of total memory, by
 * default ESX's 6, 4, 2 and 1:
 *
 * - low, below the low threshold;
 * - hard, below the hard threshold;
 * - soft, below the soft threshold;
 * - high otherwise, except that a host in a lower state returns to high
 *   only once available memory reaches the high threshold; between soft
 *   and high it is soft (hysteresis, so the state does not flap).
 *
 * Memory is "short" in the soft, hard and low states, and for a second
 * after the kernel's reclaim called pshare's shrinker. While it is short,
 * the scan rates are boosted (rate.c), and with thp_split=pressure pshare
 * splits the huge pages that hold the most duplicates and merges their
 * subpages (thp.c), freeing memory before the kernel swaps.
 *
 * The shrinker does no work itself: reclaim may run in any context, with
 * any lock held, even the mmap_lock pshare would need. It reports how many
 * pages splitting the candidates would free, and on a call to scan it
 * records the pressure and wakes pshared.
 */

static DEFINE_SPINLOCK(pshare_state_lock);	/* the two below */
static enum pshare_mem_state pshare_state = PSHARE_MEM_HIGH;
static unsigned long pshare_state_entries[PSHARE_MEM_NR_STATES];
/* jiffies of the last shrinker scan call; written locklessly. */
static unsigned long pshare_shrunk_at;
static bool pshare_shrunk;

static const char *const pshare_state_names[PSHARE_MEM_NR_STATES] = {
	[PSHARE_MEM_HIGH] = "high",
	[PSHARE_MEM_SOFT] = "soft",
	[PSHARE_MEM_HARD] = "hard",
	[PSHARE_MEM_LOW] = "low",
};

/** pshare_mem_state_name() - the name of @state, as sysfs shows it */
const char *pshare_mem_state_name(enum pshare_mem_state state)
{
	return state < PSHARE_MEM_NR_STATES ? pshare_state_names[state] : "?";
}

/* Is @avail below @pct percent of @total? */
static bool pshare_below(unsigned long avail, unsigned long total,
			 unsigned int pct)
{
	return (u64)avail * 100 < (u64)total * pct;
}

/**
 * pshare_mem_state_update() - evaluate the memory state now
 *
 * Context: any process context.
 * Return: the new state.
 */
enum pshare_mem_state pshare_mem_state_update(void)
{
	u32 t = READ_ONCE(pshare_tun.mem_thresholds);
	unsigned long total = totalram_pages();
	long avail = max(si_mem_available(), 0L);
	enum pshare_mem_state s;

	spin_lock(&pshare_state_lock);
	if (pshare_below(avail, total, pshare_mem_threshold(t, PSHARE_MEM_LOW)))
		s = PSHARE_MEM_LOW;
	else if (pshare_below(avail, total,
			      pshare_mem_threshold(t, PSHARE_MEM_HARD)))
		s = PSHARE_MEM_HARD;
	else if (pshare_below(avail, total,
			      pshare_mem_threshold(t, PSHARE_MEM_SOFT)))
		s = PSHARE_MEM_SOFT;
	else if (pshare_state == PSHARE_MEM_HIGH ||
		 !pshare_below(avail, total,
			       pshare_mem_threshold(t, PSHARE_MEM_HIGH)))
		s = PSHARE_MEM_HIGH;
	else
		s = PSHARE_MEM_SOFT;
	if (s != pshare_state) {
		WRITE_ONCE(pshare_state, s);
		pshare_state_entries[s]++;
	}
	spin_unlock(&pshare_state_lock);
	return s;
}

/** pshare_mem_state() - the state as last evaluated */
enum pshare_mem_state pshare_mem_state(void)
{
	return READ_ONCE(pshare_state);
}

/**
 * pshare_mem_state_entries() - how often each state was entered
 * @entries: PSHARE_MEM_NR_STATES counters, filled in
 */
void pshare_mem_state_entries(unsigned long *entries)
{
	spin_lock(&pshare_state_lock);
	memcpy(entries, pshare_state_entries, sizeof(pshare_state_entries));
	spin_unlock(&pshare_state_lock);
}

/**
 * pshare_mem_short() - is memory short: a state below high, or a recent
 * call of the shrinker?
 *
 * Return: true if memory is short.
 */
bool pshare_mem_short(void)
{
	if (pshare_mem_state() != PSHARE_MEM_HIGH)
		return true;
	return READ_ONCE(pshare_shrunk) &&
	       time_before(jiffies, READ_ONCE(pshare_shrunk_at) + HZ);
}

static unsigned long pshare_nothing_freeable(void)
{
	return 0;
}

/* Set at load, before the shrinker is registered; a static call. */
DEFINE_STATIC_CALL(pshare_freeable, pshare_nothing_freeable);

static unsigned long pshare_shrink_count(struct shrinker *s,
					 struct shrink_control *sc)
{
	if (READ_ONCE(pshare_tun.run) != PSHARE_RUN_MERGE ||
	    READ_ONCE(pshare_tun.thp_split) != PSHARE_THP_PRESSURE)
		return 0;
	return static_call(pshare_freeable)();
}

static unsigned long pshare_shrink_scan(struct shrinker *s,
					struct shrink_control *sc)
{
	atomic_long_inc(&pshare_stats.shrinker_calls);
	WRITE_ONCE(pshare_shrunk_at, jiffies);
	WRITE_ONCE(pshare_shrunk, true);
	pshare_scan_wake();
	/* pshared frees the pages; nothing was freed in this context. */
	return SHRINK_STOP;
}

static struct shrinker *pshare_shrinker;

/**
 * pshare_memstate_init() - register the shrinker
 * @freeable: what the shrinker reports reclaim could free (pages that
 *	      splitting the huge pages worth it would free), from the layer
 *	      that knows (thp.c)
 *
 * Return: 0, or the shrinker's error.
 */
int pshare_memstate_init(unsigned long (*freeable)(void))
{
	struct shrinker *s;

	static_call_update(pshare_freeable, freeable);
	s = pshare_shrinker_create(pshare_shrink_count, pshare_shrink_scan,
				   "pshare");
	if (IS_ERR(s)) {
		pr_err("cannot register the shrinker: %ld\n", PTR_ERR(s));
		return PTR_ERR(s);
	}
	pshare_shrinker = s;
	return 0;
}

/** pshare_memstate_exit() - unregister the shrinker */
void pshare_memstate_exit(void)
{
	pshare_shrinker_destroy(pshare_shrinker);
	pshare_shrinker = NULL;
}
