// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: the operator's targets: registering other processes, per-process
 * salts and enables, the salting policy, whole-process registration, and
 * the process list.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include "domain.h"
#include "rate.h"
#include "reap.h"
#include "register.h"
#include "symbols.h"
#include "target.h"

/*
 * Give @pmm's registrations their domain again, after its salt or the
 * policy changed; a registration that moves to another domain is reset.
 * @pmm is not dead. Context: pshare_engine_lock held.
 */
static void pshare_domains_refresh(struct pshare_mm *pmm)
{
	bool live = mmget_not_zero(pmm->mm);
	struct pshare_range *r;

	lockdep_assert_held(&pshare_engine_lock);

	list_for_each_entry(r, &pmm->ranges, link) {
		u64 domain = pshare_domain_of(pmm, r->salt);

		if (domain == r->domain)
			continue;
		pshare_range_reset(r, live);
		r->domain = domain;
	}
	if (live)
		mmput(pmm->mm);
}

/**
 * pshare_set_salting() - change the salting policy
 * @salting: an &enum pshare_salting
 *
 * Context: pshare_lock held.
 * Return: 0, or -EINVAL.
 */
int pshare_set_salting(unsigned int salting)
{
	struct pshare_mm *pmm;

	lockdep_assert_held(&pshare_lock);

	if (salting > PSHARE_SALT_PROCESS)
		return -EINVAL;
	mutex_lock(&pshare_engine_lock);
	WRITE_ONCE(pshare_tun.salting, salting);
	list_for_each_entry(pmm, &pshare_mms, link) {
		if (READ_ONCE(pmm->dead))
			continue;
		pshare_process_unmapped(pmm);
		pshare_domains_refresh(pmm);
	}
	pshare_prune_all();
	mutex_unlock(&pshare_engine_lock);
	pshare_scan_wake();
	return 0;
}

/**
 * pshare_whole_refresh() - register new VMAs of whole-process registrations
 * @now: ktime now
 *
 * Each such process is looked at once every PSHARE_WHOLE_REFRESH_NS.
 * Context: pshare_engine_lock held.
 */
void pshare_whole_refresh(u64 now)
{
	struct pshare_mm *pmm;

	lockdep_assert_held(&pshare_engine_lock);

	list_for_each_entry(pmm, &pshare_mms, link) {
		if (!pmm->whole || READ_ONCE(pmm->dead) ||
		    now - pmm->whole_at < PSHARE_WHOLE_REFRESH_NS)
			continue;
		pmm->whole_at = now;
		if (!mmget_not_zero(pmm->mm))
			continue;
		pshare_process_unmapped(pmm);
		if (pshare_cover(pmm, 0, pmm->mm->task_size, pmm->whole_salt,
				 pmm->whole_weight))
			pr_warn_ratelimited("process %d (%s): new memory not all registered\n",
					    pmm->tgid, pmm->comm);
		mmput(pmm->mm);
	}
}

/*
 * The target of an operator's request: the caller for @pid 0, else the
 * process of thread @pid if the caller may ptrace-attach to it
 * (PTRACE_MODE_ATTACH_REALCREDS, as PTRACE_ATTACH itself). On success the
 * task and its mm are referenced.
 */
static int pshare_target_get(pid_t pid, struct task_struct **taskp,
			     struct mm_struct **mmp)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *p;

	if (pid < 0)
		return -EINVAL;
	if (!pid) {
		task = current;
		get_task_struct(task);
	} else {
		p = find_get_pid(pid);
		if (!p)
			return -ESRCH;
		task = get_pid_task(p, PIDTYPE_PID);
		put_pid(p);
		if (!task)
			return -ESRCH;
		if (!pshare_ptrace_may_attach(task)) {
			put_task_struct(task);
			return -EPERM;
		}
	}
	mm = get_task_mm(task);
	if (!mm) {
		/* A kernel thread, or a process past exit_mm(). */
		put_task_struct(task);
		return pid ? -ESRCH : -EINVAL;
	}
	*taskp = task;
	*mmp = mm;
	return 0;
}

static void pshare_target_put(struct task_struct *task, struct mm_struct *mm)
{
	mmput(mm);
	put_task_struct(task);
}

/* The fields every target request checks alike. */
static int pshare_target_check(const struct pshare_target *t, bool *whole)
{
	if (t->reserved[0] || t->reserved[1])
		return -EINVAL;
	*whole = !t->start && !t->length;
	if (*whole)
		return 0;
	if (t->start > ULONG_MAX || t->length > ULONG_MAX)
		return -EINVAL;
	return pshare_check_range(t->start, t->length);
}

/**
 * pshare_target_register() - %PSHARE_IOC_REGISTER_TARGET
 * @t: the request
 *
 * Return: 0; -EINVAL, -EPERM, -ESRCH, or pshare_register()'s errors.
 */
int pshare_target_register(const struct pshare_target *t)
{
	struct task_struct *task;
	struct pshare_mm *pmm;
	struct mm_struct *mm;
	bool whole;
	int ret;

	ret = pshare_target_check(t, &whole);
	if (!ret && (t->flags || t->enable || t->weight > PSHARE_WEIGHT_MAX))
		ret = -EINVAL;
	if (!ret)
		ret = pshare_check_salt(t->salt);
	if (!ret)
		ret = pshare_target_get(t->pid, &task, &mm);
	if (ret)
		return ret;
	if (!whole) {
		ret = pshare_register_task(mm, task, t->start, t->length,
					   t->salt, 0, t->weight);
		goto put_target;
	}

	mutex_lock(&pshare_engine_lock);
	pmm = pshare_mm_find_or_create(mm, task);
	if (IS_ERR(pmm)) {
		ret = PTR_ERR(pmm);
		goto unlock;
	}
	pmm->whole = true;
	pmm->whole_salt = t->salt;
	pmm->whole_weight = t->weight;
	pmm->whole_at = ktime_get_ns();
	pshare_process_unmapped(pmm);
	ret = pshare_cover(pmm, 0, mm->task_size, t->salt, t->weight);
unlock:
	mutex_unlock(&pshare_engine_lock);
put_target:
	pshare_target_put(task, mm);
	return ret;
}

/**
 * pshare_target_unregister() - %PSHARE_IOC_UNREGISTER_TARGET
 * @t: the request
 *
 * For the whole process: whole-process mode ends, and so does every
 * registration, unmerged. For a range: as pshare_unregister().
 *
 * Return: 0; -EINVAL, -EPERM, -ESRCH, -ENOENT (nothing registered).
 */
int pshare_target_unregister(const struct pshare_target *t)
{
	struct task_struct *task;
	struct pshare_mm *pmm;
	struct mm_struct *mm;
	bool whole;
	int ret;

	ret = pshare_target_check(t, &whole);
	if (!ret && (t->flags || t->salt || t->weight || t->enable))
		ret = -EINVAL;
	if (!ret)
		ret = pshare_target_get(t->pid, &task, &mm);
	if (ret)
		return ret;
	if (!whole) {
		ret = pshare_unregister(mm, t->start, t->length);
		goto put_target;
	}

	mutex_lock(&pshare_engine_lock);
	pmm = pshare_mm_find(mm);
	if (!pmm || (list_empty(&pmm->ranges) && !pmm->whole)) {
		ret = -ENOENT;
		goto unlock;
	}
	pmm->whole = false;
	pshare_uncover(pmm, 0, mm->task_size);
	pshare_mm_free_if_unused(pmm);
unlock:
	mutex_unlock(&pshare_engine_lock);
put_target:
	pshare_target_put(task, mm);
	return ret;
}

/* Enable or disable @pmm's registrations inside [@start, @end). */
static int pshare_set_enable_range(struct pshare_mm *pmm, unsigned long start,
				   unsigned long end, bool enable)
{
	struct pshare_range *r;
	int found = 0;

	pshare_process_unmapped(pmm);
	list_for_each_entry(r, &pmm->ranges, link) {
		bool inside = r->start >= start && r->end <= end;

		if (!inside && r->start < end && start < r->end)
			return -EINVAL;
		found += inside;
	}
	if (!found)
		return -ENOENT;
	list_for_each_entry(r, &pmm->ranges, link) {
		if (r->start < start || r->end > end || r->disabled == !enable)
			continue;
		r->disabled = !enable;
		if (!enable)
			pshare_range_reset(r, true);
	}
	pshare_rate_changed();
	return 0;
}

/* Enable or disable the whole of @pmm. */
static void pshare_set_enable_mm(struct pshare_mm *pmm, bool enable)
{
	struct pshare_range *r;

	if (pmm->disabled == !enable)
		return;
	pmm->disabled = !enable;
	if (!enable) {
		list_for_each_entry(r, &pmm->ranges, link)
			pshare_range_reset(r, true);
	}
	pshare_rate_changed();
}

/**
 * pshare_target_set() - %PSHARE_IOC_SET_TARGET
 * @t: the request
 *
 * %PSHARE_TARGET_SALT sets the operator's salt of the whole process (a
 * range is -EINVAL); %PSHARE_TARGET_ENABLE enables or disables the whole
 * process, or its registrations inside the range. Setting either on a
 * process with no registration yet keeps the setting for the ones to come.
 * Both are the operator's: CAP_SYS_ADMIN, and the right to ptrace-attach.
 *
 * Return: 0; -EINVAL, -EPERM, -ESRCH, -ENOENT (no registration in the
 * range), -ENOMEM, -EINTR.
 */
int pshare_target_set(const struct pshare_target *t)
{
	const u32 known = PSHARE_TARGET_SALT | PSHARE_TARGET_ENABLE;
	struct task_struct *task;
	struct pshare_mm *pmm;
	struct mm_struct *mm;
	bool whole;
	int ret;

	ret = pshare_target_check(t, &whole);
	if (!ret && (!t->flags || (t->flags & ~known) || t->weight ||
		     t->enable > 1 ||
		     (!(t->flags & PSHARE_TARGET_ENABLE) && t->enable) ||
		     (!(t->flags & PSHARE_TARGET_SALT) && t->salt) ||
		     (!whole && (t->flags & PSHARE_TARGET_SALT))))
		ret = -EINVAL;
	if (!ret)
		ret = pshare_check_salt(t->salt);
	/* The operator's word: a process may not lift it from itself. */
	if (!ret && !capable(CAP_SYS_ADMIN))
		ret = -EPERM;
	if (!ret)
		ret = pshare_target_get(t->pid, &task, &mm);
	if (ret)
		return ret;

	mutex_lock(&pshare_engine_lock);
	if (!whole) {
		pmm = pshare_mm_find(mm);
		ret = pmm ? pshare_set_enable_range(pmm, t->start,
						     t->start + t->length,
						     t->enable) : -ENOENT;
		pshare_prune_all();
		goto unlock;
	}
	pmm = pshare_mm_find_or_create(mm, task);
	if (IS_ERR(pmm)) {
		ret = PTR_ERR(pmm);
		goto unlock;
	}
	pshare_process_unmapped(pmm);
	if (t->flags & PSHARE_TARGET_ENABLE)
		pshare_set_enable_mm(pmm, t->enable);
	if (t->flags & PSHARE_TARGET_SALT && pmm->salt != t->salt) {
		pmm->salt = t->salt;
		pshare_domains_refresh(pmm);
	}
	pshare_prune_all();
	pshare_mm_free_if_unused(pmm);
unlock:
	mutex_unlock(&pshare_engine_lock);
	pshare_target_put(task, mm);
	pshare_scan_wake();
	return ret;
}

/* Fill @info from @pmm. */
static void pshare_proc_info_fill(struct pshare_mm *pmm,
				  struct pshare_proc_info *info)
{
	struct pshare_proc_stats st;
	struct pshare_range *r;

	memset(info, 0, sizeof(*info));
	info->pid = pmm->tgid;
	info->salt = pmm->salt;
	info->domain = pshare_domain_of(pmm, pmm->whole ? pmm->whole_salt : 0);
	list_for_each_entry(r, &pmm->ranges, link) {
		if (!info->nr_ranges)
			info->domain = r->domain;
		else if (r->domain != info->domain)
			info->flags |= PSHARE_PROC_MIXED;
		info->nr_ranges++;
	}
	if (pmm->whole)
		info->flags |= PSHARE_PROC_WHOLE;
	if (pmm->disabled)
		info->flags |= PSHARE_PROC_DISABLED;
	if (pmm->madvised)
		info->flags |= PSHARE_PROC_MADVISE;
	pshare_mm_stats(pmm, &st);
	info->registered = st.registered;
	info->shared = st.shared;
	info->sharing = st.sharing;
	info->zero = st.zero;
	info->saved = st.saved;
	info->scanned = st.scanned;
	info->est_saved = pmm->est_dup;
	info->est_zero = pmm->est_zero;
	info->thp_held = pmm->thp_dups;
	strscpy(info->comm, pmm->comm, sizeof(info->comm));
}

/**
 * pshare_list() - the processes with registrations, for %PSHARE_IOC_LIST
 * @info: room for @max entries
 * @max: entries @info holds
 * @total: set to the number of processes, which may exceed @max
 *
 * Return: the number of entries written.
 */
int pshare_list(struct pshare_proc_info *info, u32 max, u32 *total)
{
	struct pshare_mm *pmm;
	u32 n = 0;

	mutex_lock(&pshare_engine_lock);
	list_for_each_entry(pmm, &pshare_mms, link) {
		if (READ_ONCE(pmm->dead))
			continue;
		pshare_process_unmapped(pmm);
		if (n < max)
			pshare_proc_info_fill(pmm, &info[n]);
		n++;
	}
	mutex_unlock(&pshare_engine_lock);
	*total = n;
	return min(n, max);
}
