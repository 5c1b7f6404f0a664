// SPDX-License-Identifier: GPL-2.0-only
/* pshare: rate control, ESX's scan knobs turned into page rates and a CPU cap. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpufreq.h>
#include <linux/cpumask.h>
#include <linux/math64.h>
#include <linux/sizes.h>
#include <linux/sort.h>
#include "rate.h"

/**
 * DOC: Rate control
 *
 * Every registration gets a target rate, in pages per second:
 *
 *   demand = min(max(npages / scan_time_secs, PSHARE_RATE_FLOOR_PAGES),
 *                rate_max_pages)
 *
 * after ESX's Mem.ShareScanTime and Mem.ShareRateMax; scan_time_secs 0
 * sets no time target, and every registration asks for rate_max_pages.
 * With first_scan (the default), a registration whose memory is new to
 * pshare asks for the whole host-wide cap instead: in its first pass, and
 * in each pass after one that hashed many of its pages for the first time
 * (scan.c). So new memory is scanned as fast as the cap and the CPU cap
 * allow, and memory already seen at ESX's pace. The sum of all rates
 * is capped host-wide at scan_mb_per_ghz MiB/s for every GHz of the online
 * CPUs' nominal frequency (Mem.ShareScanGHz). When that cap binds, it is
 * shared by weight, water-filling: no registration gets more than its
 * demand, and what one does not use goes to the others in proportion to
 * their weights. In the soft memory state every limit is multiplied by
 * pshare_boost(); in the hard and low states, by more.
 *
 * The scanner earns each registration credit at its rate, and spends one
 * page of credit per page it visits (scan.c). Independently, the scanner's
 * own CPU time, measured by the scheduler, is held under max_cpu_percent of
 * one CPU: when it has used more than its share since it last checked, it
 * sleeps until the share catches up.
 *
 * All state here is under pshare_engine_lock, except pshare_rates_dirty.
 */

/* Rates are kept in 1/1000 pages per second. */
#define PSHARE_MILLI		1000ULL

/* Set when a tunable or the set of registrations changes. */
static bool pshare_rates_dirty = true;
static u64 pshare_rates_at;
static enum pshare_mem_state pshare_rates_state;
/* The host-wide cap and the sum of the rates given, 1/1000 pages/s. */
static u64 pshare_cap_mpps;
static u64 pshare_total_mpps;
/* CPU time the scanner used beyond its share, in ns (negative: unused). */
static s64 pshare_cpu_debt;

/** pshare_rate_changed() - have the rates computed again before next use */
void pshare_rate_changed(void)
{
	WRITE_ONCE(pshare_rates_dirty, true);
}

/**
 * pshare_boost() - the factor every rate limit is multiplied by
 * @state: the host memory state
 *
 * Return: 1 in the high state, 2 in soft, 4 in hard and low.
 */
unsigned int pshare_boost(enum pshare_mem_state state)
{
	switch (state) {
	case PSHARE_MEM_HIGH:
		return 1;
	case PSHARE_MEM_SOFT:
		return 2;
	default:
		return 4;
	}
}
EXPORT_SYMBOL_IF_KUNIT(pshare_boost);

/**
 * pshare_cpu_mhz() - nominal CPU capacity of the host, in MHz
 *
 * The sum over online CPUs of cpufreq's maximum frequency, or of the TSC
 * frequency where cpufreq has none (virtual machines).
 *
 * Return: the capacity in MHz, never 0.
 */
unsigned long pshare_cpu_mhz(void)
{
	unsigned long khz = 0;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		unsigned int f = cpufreq_quick_get_max(cpu);

		khz += f ? f : pshare_nominal_khz();
	}
	return max(khz / 1000, 1UL);
}

/*
 * A registration's demand, before the host-wide @cap: all of it while its
 * memory is new to pshare (first_scan, see pshare_scan_pass_done()).
 */
VISIBLE_IF_KUNIT u64 pshare_demand(const struct pshare_range *r,
				   unsigned int boost, u64 cap)
{
	unsigned int scan_time = READ_ONCE(pshare_tun.scan_time_secs);
	u64 max = READ_ONCE(pshare_tun.rate_max_pages) * PSHARE_MILLI;
	u64 d = max;

	if (!pshare_range_active(r))
		return 0;
	if (r->fast && READ_ONCE(pshare_tun.first_scan))
		return cap;
	if (scan_time) {
		d = div_u64(r->npages * PSHARE_MILLI, scan_time);
		d = max_t(u64, d, PSHARE_RATE_FLOOR_PAGES * PSHARE_MILLI);
	}
	return min(d, max) * boost;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_demand);

/* Sort by demand per weight, smallest first; demand is parked in ->rate. */
static int pshare_rate_cmp(const void *a, const void *b)
{
	const struct pshare_range *ra = *(struct pshare_range * const *)a;
	const struct pshare_range *rb = *(struct pshare_range * const *)b;
	u64 x = ra->rate * rb->weight, y = rb->rate * ra->weight;

	return x < y ? -1 : x > y;
}

/**
 * pshare_waterfill() - share @cap by weight, no one above its demand
 * @v: @n registrations whose ->rate holds their demand; sorted here, and
 *     ->rate set to what each gets
 * @n: how many
 * @cap: the total to share
 * @wsum: the sum of their weights
 *
 * Return: the sum given, at most @cap.
 */
VISIBLE_IF_KUNIT u64 pshare_waterfill(struct pshare_range **v, unsigned long n,
				      u64 cap, u64 wsum)
{
	u64 left = cap, total = 0;
	unsigned long i;

	sort(v, n, sizeof(*v), pshare_rate_cmp, NULL);
	for (i = 0; i < n; i++) {
		struct pshare_range *r = v[i];
		u64 fair = wsum ? div64_u64(left * r->weight, wsum) : 0;

		r->rate = min(r->rate, fair);
		left -= r->rate;
		wsum -= r->weight;
		total += r->rate;
	}
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_waterfill);

/**
 * pshare_rate_refresh() - compute every registration's rate, if due
 * @now: ktime_get_ns()
 * @state: the host memory state
 *
 * Due after a change of tunables or registrations or memory state, and
 * every second (CPUs come and go). Context: pshare_engine_lock held.
 */
void pshare_rate_refresh(u64 now, enum pshare_mem_state state)
{
	unsigned int boost = pshare_boost(state);
	struct pshare_range **v = NULL, *r;
	u64 cap, sum = 0, wsum = 0;
	struct pshare_mm *pmm;
	unsigned long n = 0, i = 0;

	lockdep_assert_held(&pshare_engine_lock);

	if (!READ_ONCE(pshare_rates_dirty) && state == pshare_rates_state &&
	    now - pshare_rates_at < NSEC_PER_SEC)
		return;
	WRITE_ONCE(pshare_rates_dirty, false);
	pshare_rates_at = now;
	pshare_rates_state = state;

	/* MiB/s/GHz x (MHz / 1000) x 256 pages/MiB, x 1000: the 1000s cancel. */
	cap = (u64)READ_ONCE(pshare_tun.scan_mb_per_ghz) * pshare_cpu_mhz() *
	      (SZ_1M / PAGE_SIZE) * boost;
	list_for_each_entry(pmm, &pshare_mms, link) {
		list_for_each_entry(r, &pmm->ranges, link) {
			r->rate = pshare_demand(r, boost, cap);
			sum += r->rate;
			wsum += r->weight;
			n++;
		}
	}
	WRITE_ONCE(pshare_cap_mpps, cap);
	if (sum <= cap) {
		WRITE_ONCE(pshare_total_mpps, sum);
		return;
	}

	v = kvmalloc_array(n, sizeof(*v), GFP_KERNEL | __GFP_NOWARN);
	list_for_each_entry(pmm, &pshare_mms, link) {
		list_for_each_entry(r, &pmm->ranges, link) {
			if (v) {
				v[i++] = r;
				continue;
			}
			/* No memory to sort: a plain weighted share. */
			r->rate = min(r->rate, div64_u64(cap * r->weight, wsum));
		}
	}
	if (v) {
		sum = pshare_waterfill(v, n, cap, wsum);
		kvfree(v);
	} else {
		pshare_rate_changed();	/* try again next period */
		sum = cap;
	}
	WRITE_ONCE(pshare_total_mpps, sum);
}

/**
 * pshare_rate_accrue() - give every registration its credit for @dt_ns
 * @dt_ns: nanoseconds since the last call, at most max(250 ms, 2 periods)
 * @burst_ns: credit kept at most, as time at the registration's rate
 *
 * Context: pshare_engine_lock held.
 */
void pshare_rate_accrue(u64 dt_ns, u64 burst_ns)
{
	struct pshare_range *r;
	struct pshare_mm *pmm;

	lockdep_assert_held(&pshare_engine_lock);

	list_for_each_entry(pmm, &pshare_mms, link) {
		list_for_each_entry(r, &pmm->ranges, link) {
			/*
			 * rate / 1000 pages/s x dt ns, in 1/10^9 pages. The
			 * product needs 65 bits at the largest rate (16 GiB/s,
			 * boosted 4x) and sleep_millisecs 1000; the result
			 * fits easily.
			 */
			s64 cap = max_t(s64, mul_u64_u64_div_u64(r->rate,
								 burst_ns,
								 1000),
					PSHARE_CREDIT_PAGE);

			r->credit += mul_u64_u64_div_u64(r->rate, dt_ns, 1000);
			if (r->credit > cap)
				r->credit = cap;
		}
	}
}

/**
 * pshare_rate_period_end() - account the scanner's CPU, and say how long
 * to sleep
 * @cpu_ns: CPU time pshared used since the last call
 * @wall_ns: time since the last call
 * @rest_ms: what is left of the scanner's period
 *
 * Context: pshare_engine_lock held.
 * Return: milliseconds to sleep: @rest_ms, or longer to keep the scanner
 * under max_cpu_percent.
 */
unsigned int pshare_rate_period_end(u64 cpu_ns, u64 wall_ns,
				    unsigned int rest_ms)
{
	unsigned int pct = READ_ONCE(pshare_tun.max_cpu_percent);
	unsigned int period = READ_ONCE(pshare_tun.sleep_millisecs);
	s64 floor = -(s64)div_u64((u64)period * NSEC_PER_MSEC * pct, 100);
	u64 pay_ms;

	lockdep_assert_held(&pshare_engine_lock);

	pshare_cpu_debt += (s64)cpu_ns - (s64)div_u64(wall_ns * pct, 100);
	/* Bank at most one period's share of unused time. */
	if (pshare_cpu_debt < floor)
		pshare_cpu_debt = floor;
	if (pshare_cpu_debt <= 0)
		return rest_ms;
	/* Idle time that earns the debt back at pct%. */
	pay_ms = div_u64((u64)pshare_cpu_debt * 100, pct * NSEC_PER_MSEC) + 1;
	if (pay_ms <= rest_ms)
		return rest_ms;
	atomic_long_inc(&pshare_stats.cpu_throttled);
	return min_t(u64, pay_ms, MSEC_PER_SEC);
}

/** pshare_scan_cap() - the host-wide cap now, in pages per second */
u64 pshare_scan_cap(void)
{
	return div_u64(READ_ONCE(pshare_cap_mpps), PSHARE_MILLI);
}

/** pshare_rate_sum() - the rates given now, summed, in pages per second */
u64 pshare_rate_sum(void)
{
	return div_u64(READ_ONCE(pshare_total_mpps), PSHARE_MILLI);
}
