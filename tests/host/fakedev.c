// SPDX-License-Identifier: GPL-2.0-only
/*
 * An LD_PRELOAD stand-in for the pshare module's ioctls, for the host test
 * of the tools (tests/host/tools.sh): PSHARE_DEV points at a plain file,
 * and ioctl() on it answers as the module would.
 *
 * PSHARE_IOC_LIST gives three made-up processes, two of them with pages
 * held in huge pages (thp_held, 2048 in all, as tools.sh's made-up
 * thp_dup_subpages), or fails with the errno named by FAKE_PSHARE_LIST_ERR
 * (EPERM or ENOTTY). FAKE_PSHARE_COMM replaces the third one's command
 * name (15 bytes at most), and with FAKE_PSHARE_DUP set the first one comes
 * twice. PSHARE_IOC_VERSION answers ABI 1 with both features. The target
 * ioctls succeed, and append what they were given to the file
 * FAKE_PSHARE_LOG, one line each, or fail with FAKE_PSHARE_TARGET_ERR
 * (ESRCH or EPERM). A write() to the file of PSHARE_SYSFS that
 * FAKE_PSHARE_BUSY names fails with EBUSY, as the module refuses a change
 * of merge_across_nodes while pages are merged, and one to the file that
 * FAKE_PSHARE_EINVAL names fails with EINVAL, as the module refuses a value
 * out of range.
 */
#define _GNU_SOURCE
#define NR_FAKE	(sizeof(fake_procs) / sizeof(fake_procs[0]))
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/pshare.h>

static const struct pshare_proc_info fake_procs[] = {
	{ .pid = 101, .flags = PSHARE_PROC_WHOLE,
	  .domain = PSHARE_DOMAIN_PROCESS | 17, .registered = 8192,
	  .shared = 1000, .sharing = 3000, .zero = 500, .saved = 3500,
	  .scanned = 90000, .est_saved = 2000, .est_zero = 600,
	  .nr_ranges = 5, .comm = "vm-a", .thp_held = 1536 },
	{ .pid = 202, .flags = PSHARE_PROC_WHOLE | PSHARE_PROC_DISABLED,
	  .domain = 5, .salt = 5, .registered = 4096, .est_saved = 1000,
	  .est_zero = 100, .nr_ranges = 2, .comm = "vm-b" },
	{ .pid = 303, .flags = PSHARE_PROC_MADVISE | PSHARE_PROC_MIXED,
	  .domain = 5, .registered = 2048, .shared = 200, .sharing = 100,
	  .zero = 50, .saved = 150, .est_saved = 300, .nr_ranges = 1,
	  .comm = "qemu \"x\"\\", .thp_held = 512 },
};

static int env_errno(const char *name)
{
	const char *v = getenv(name);

	if (!v)
		return 0;
	if (!strcmp(v, "EPERM"))
		return EPERM;
	if (!strcmp(v, "ENOTTY"))
		return ENOTTY;
	if (!strcmp(v, "ESRCH"))
		return ESRCH;
	return EINVAL;
}

static int log_target(const char *what, const struct pshare_target *t)
{
	const char *path = getenv("FAKE_PSHARE_LOG");
	int err = env_errno("FAKE_PSHARE_TARGET_ERR");
	FILE *f;

	if (err) {
		errno = err;
		return -1;
	}
	if (!path)
		return 0;
	f = fopen(path, "a");
	if (!f)
		return -1;
	fprintf(f, "%s pid=%d flags=%u start=0x%" PRIx64 " length=0x%" PRIx64
		" salt=%" PRIu64 " weight=%u enable=%u reserved=%" PRIu64 "\n",
		what, t->pid, t->flags, (uint64_t)t->start, (uint64_t)t->length,
		(uint64_t)t->salt, t->weight, t->enable,
		(uint64_t)(t->reserved[0] | t->reserved[1]));
	fclose(f);
	return 0;
}

/* Is @fd the file PSHARE_DEV names? */
static int is_fake_dev(int fd)
{
	const char *dev = getenv("PSHARE_DEV");
	struct stat a, b;

	return dev && !fstat(fd, &a) && !stat(dev, &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	struct pshare_proc_info procs[NR_FAKE + 1];
	struct pshare_version *v;
	struct pshare_list *l;
	size_t n = NR_FAKE, len;
	const char *comm;
	va_list ap;
	void *arg;
	int err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!is_fake_dev(fd)) {
		if (!real)
			real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
		return real(fd, req, arg);
	}
	switch (req) {
	case PSHARE_IOC_VERSION:
		v = arg;
		memset(v, 0, sizeof(*v));
		v->abi = PSHARE_ABI_VERSION;
		v->features = PSHARE_FEATURE_RATE | PSHARE_FEATURE_DOMAINS;
		strcpy(v->module_version, "0.1.0");
		return 0;
	case PSHARE_IOC_LIST:
		err = env_errno("FAKE_PSHARE_LIST_ERR");
		if (err) {
			errno = err;
			return -1;
		}
		l = arg;
		if (l->reserved) {
			errno = EINVAL;
			return -1;
		}
		memcpy(procs, fake_procs, sizeof(fake_procs));
		comm = getenv("FAKE_PSHARE_COMM");
		if (comm) {
			len = strlen(comm);
			if (len >= sizeof(procs[2].comm))
				len = sizeof(procs[2].comm) - 1;
			memset(procs[2].comm, 0, sizeof(procs[2].comm));
			memcpy(procs[2].comm, comm, len);
		}
		if (getenv("FAKE_PSHARE_DUP"))
			procs[n++] = fake_procs[0];
		memcpy((void *)(uintptr_t)l->procs, procs,
		       (l->count < n ? l->count : n) * sizeof(procs[0]));
		l->count = n;
		return 0;
	case PSHARE_IOC_REGISTER_TARGET:
		return log_target("REGISTER_TARGET", arg);
	case PSHARE_IOC_UNREGISTER_TARGET:
		return log_target("UNREGISTER_TARGET", arg);
	case PSHARE_IOC_SET_TARGET:
		return log_target("SET_TARGET", arg);
	}
	errno = ENOTTY;
	return -1;
}

/* Is @fd the file the variable @var names in PSHARE_SYSFS? */
static int is_named_file(int fd, const char *var)
{
	const char *name = getenv(var);
	const char *dir = getenv("PSHARE_SYSFS");
	char path[4096];
	struct stat a, b;

	return name && dir &&
	       snprintf(path, sizeof(path), "%s/%s", dir, name) <
	       (int)sizeof(path) &&
	       !fstat(fd, &a) && !stat(path, &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (is_named_file(fd, "FAKE_PSHARE_BUSY")) {
		errno = EBUSY;
		return -1;
	}
	if (is_named_file(fd, "FAKE_PSHARE_EINVAL")) {
		errno = EINVAL;
		return -1;
	}
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	return real(fd, buf, count);
}
