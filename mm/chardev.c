// SPDX-License-Identifier: GPL-2.0-only
/* pshare: the /dev/pshare character device and its ioctls. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/uaccess.h>
#include <linux/pshare.h>
#include "iface.h"
#include "register.h"
#include "target.h"

/*
 * group: the group, besides CAP_SYS_ADMIN, whose members may open
 * /dev/pshare (and so register their own memory); -1, the default, allows
 * no group. The device node is 0600 root; give the group access to it
 * with a udev rule, as for /dev/kvm.
 */
static int group = -1;
module_param(group, int, 0444);
MODULE_PARM_DESC(group, "Group ID allowed to use /dev/pshare besides CAP_SYS_ADMIN (-1: none)");

static int pshare_open(struct inode *inode, struct file *file)
{
	if (capable(CAP_SYS_ADMIN))
		return 0;
	if (group >= 0 && in_group_p(make_kgid(&init_user_ns, group)))
		return 0;
	return -EPERM;
}

static long pshare_ioctl_version(void __user *arg)
{
	struct pshare_version v = {
		.abi = PSHARE_ABI_VERSION,
		.features = PSHARE_FEATURE_RATE | PSHARE_FEATURE_DOMAINS,
	};

	strscpy(v.module_version, PSHARE_VERSION, sizeof(v.module_version));
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long pshare_ioctl_register(void __user *arg)
{
	struct pshare_register reg;

	if (copy_from_user(&reg, arg, sizeof(reg)))
		return -EFAULT;
	if (reg.start > ULONG_MAX || reg.length > ULONG_MAX)
		return -EINVAL;
	return pshare_register(current->mm, reg.start, reg.length, reg.salt,
			       reg.flags, reg.weight);
}

static long pshare_ioctl_unregister(void __user *arg)
{
	struct pshare_unregister unreg;

	if (copy_from_user(&unreg, arg, sizeof(unreg)))
		return -EFAULT;
	return pshare_unregister(current->mm, unreg.start, unreg.length);
}

static long pshare_ioctl_query(void __user *arg)
{
	struct pshare_proc_stats st;

	pshare_query(current->mm, &st);
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long pshare_ioctl_target(unsigned int cmd, void __user *arg)
{
	struct pshare_target t;

	if (copy_from_user(&t, arg, sizeof(t)))
		return -EFAULT;
	switch (cmd) {
	case PSHARE_IOC_REGISTER_TARGET:
		return pshare_target_register(&t);
	case PSHARE_IOC_UNREGISTER_TARGET:
		return pshare_target_unregister(&t);
	default:
		return pshare_target_set(&t);
	}
}

/* Most entries one PSHARE_IOC_LIST answers: as many as registrations. */
#define PSHARE_LIST_MAX		65536

static long pshare_ioctl_list(void __user *arg)
{
	struct pshare_proc_info *info = NULL;
	struct pshare_list l;
	u32 n = 0, total;
	long ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&l, arg, sizeof(l)))
		return -EFAULT;
	if (l.reserved || (l.count && !l.procs))
		return -EINVAL;
	l.count = min_t(u32, l.count, PSHARE_LIST_MAX);
	if (l.count) {
		info = kvcalloc(l.count, sizeof(*info),
				GFP_KERNEL | __GFP_NOWARN);
		if (!info)
			return -ENOMEM;
	}
	n = pshare_list(info, l.count, &total);
	if (n && copy_to_user(u64_to_user_ptr(l.procs), info,
			      n * sizeof(*info)))
		ret = -EFAULT;
	l.count = total;
	if (!ret && copy_to_user(arg, &l, sizeof(l)))
		ret = -EFAULT;
	kvfree(info);
	return ret;
}

static long pshare_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	/* A kernel thread, or a process past exit_mm(), has no memory. */
	if (!current->mm && cmd != PSHARE_IOC_VERSION && cmd != PSHARE_IOC_LIST)
		return -EINVAL;

	switch (cmd) {
	case PSHARE_IOC_VERSION:
		return pshare_ioctl_version(uarg);
	case PSHARE_IOC_REGISTER:
		return pshare_ioctl_register(uarg);
	case PSHARE_IOC_UNREGISTER:
		return pshare_ioctl_unregister(uarg);
	case PSHARE_IOC_QUERY:
		return pshare_ioctl_query(uarg);
	case PSHARE_IOC_REGISTER_TARGET:
	case PSHARE_IOC_UNREGISTER_TARGET:
	case PSHARE_IOC_SET_TARGET:
		return pshare_ioctl_target(cmd, uarg);
	case PSHARE_IOC_LIST:
		return pshare_ioctl_list(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations pshare_fops = {
	.owner = THIS_MODULE,
	.open = pshare_open,
	.unlocked_ioctl = pshare_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice pshare_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pshare",
	.fops = &pshare_fops,
	.mode = 0600,
};

/** pshare_chardev_init() - register /dev/pshare */
int pshare_chardev_init(void)
{
	int ret = misc_register(&pshare_misc);

	if (ret)
		pr_err("cannot register /dev/pshare: %d\n", ret);
	return ret;
}

/** pshare_chardev_exit() - remove /dev/pshare */
void pshare_chardev_exit(void)
{
	misc_deregister(&pshare_misc);
}
