// SPDX-License-Identifier: GPL-2.0-only
/* pshare: the scanning kernel thread, pshared, and the run state machine. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/freezer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include "pshare.h"

struct pshare_tunables pshare_tun = {
	.run = PSHARE_RUN_DEFAULT,
	.pages_to_scan = PSHARE_PAGES_TO_SCAN_DEFAULT,
	.sleep_millisecs = PSHARE_SLEEP_MS_DEFAULT,
};
struct pshare_stats pshare_stats;

static struct task_struct *pshare_thread;
static DECLARE_WAIT_QUEUE_HEAD(pshare_thread_wait);

/*
 * Skeleton: the engine (registration, index, merge) replaces these three.
 * Until then nothing can be registered, so pshared stays asleep.
 */
static bool pshare_scan_has_work(void)
{
	return false;
}

static void pshare_scan_batch(unsigned int pages)
{
	atomic_long_inc(&pshare_stats.full_scans);
}

static int pshare_unmerge_all(void)
{
	return 0;
}

/* Work exists only while run is 1 and some memory is registered. */
static bool pshare_scan_should_run(void)
{
	return READ_ONCE(pshare_tun.run) == PSHARE_RUN_MERGE &&
	       pshare_scan_has_work();
}

static int pshare_scand(void *unused)
{
	set_freezable();
	set_user_nice(current, 5);

	while (!kthread_should_stop()) {
		if (pshare_scan_should_run()) {
			pshare_scan_batch(READ_ONCE(pshare_tun.pages_to_scan));
			try_to_freeze();
			schedule_timeout_interruptible(
				msecs_to_jiffies(READ_ONCE(pshare_tun.sleep_millisecs)));
		} else {
			wait_event_freezable(pshare_thread_wait,
					     pshare_scan_should_run() ||
					     kthread_should_stop());
		}
	}
	return 0;
}

/** pshare_scan_wake() - tell pshared that its work may have changed */
void pshare_scan_wake(void)
{
	wake_up_interruptible(&pshare_thread_wait);
}

/**
 * pshare_set_run() - change the run state
 * @run: an &enum pshare_run_state
 *
 * Context: takes pshare_lock. Unmerging (run 2) sleeps and may take long.
 * Return: 0, -EINVAL for an unknown state, or the unmerge error.
 */
int pshare_set_run(unsigned int run)
{
	int ret = 0;

	if (run > PSHARE_RUN_UNMERGE)
		return -EINVAL;

	mutex_lock(&pshare_lock);
	WRITE_ONCE(pshare_tun.run, run);
	if (run == PSHARE_RUN_UNMERGE)
		ret = pshare_unmerge_all();
	mutex_unlock(&pshare_lock);

	pshare_scan_wake();
	return ret;
}

/** pshare_scan_start() - start pshared */
int pshare_scan_start(void)
{
	pshare_thread = kthread_run(pshare_scand, NULL, "pshared");
	if (IS_ERR(pshare_thread)) {
		int ret = PTR_ERR(pshare_thread);

		pr_err("cannot start pshared: %d\n", ret);
		pshare_thread = NULL;
		return ret;
	}
	return 0;
}

/** pshare_scan_stop() - stop pshared and wait for it to exit */
void pshare_scan_stop(void)
{
	if (pshare_thread)
		kthread_stop(pshare_thread);
	pshare_thread = NULL;
}
