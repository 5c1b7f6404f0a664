// SPDX-License-Identifier: LGPL-2.1-only
/*
 * libpshare-preload.so: hand madvise(MADV_MERGEABLE) memory to pshare
 * instead of the kernel's KSM, for programs that cannot be changed (a
 * hypervisor such as QEMU) on hosts where pshare's own madvise hook is off
 * (/sys/module/pshare/parameters/madvise = 0):
 *
 *	LD_PRELOAD=/usr/local/lib/libpshare-preload.so qemu-system-x86_64 ...
 *
 * madvise(MADV_MERGEABLE) registers the range with PSHARE_IOC_REGISTER on
 * /dev/pshare (opened once, close-on-exec) and returns 0. If pshare cannot
 * take it (no /dev/pshare, no permission to open it, memory that is not
 * private anonymous, a hole, a VMA that is VM_MERGEABLE already...), the
 * call goes to the real madvise() and the kernel's KSM gets the range, as
 * without this library. A range that pshare holds already (EEXIST) is left
 * with pshare: madvise() succeeds, as the kernel's would on memory that is
 * mergeable already.
 *
 * madvise(MADV_UNMERGEABLE) ends pshare's registrations inside the range
 * (PSHARE_IOC_UNREGISTER, which unmerges their pages first). If pshare has
 * none there (ENOENT, or /dev/pshare is not open), the real madvise() runs.
 * Any other advice goes straight to the real madvise().
 *
 * The registrations are the caller's own, with no salt: under pshare's
 * default salting policy each process is a sharing domain of its own until
 * the operator puts it in a domain ("psharectl domain --pid PID SALT").
 *
 * PSHARE_PRELOAD_DEBUG=1 in the environment logs each decision to stderr.
 *
 * Only calls through the dynamic symbol madvise() are seen: not raw
 * syscall(SYS_madvise, ...) calls, not process_madvise(), and not the C
 * library's internal calls (which never ask for MADV_MERGEABLE).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/pshare.h>

#define EXPORT __attribute__((visibility("default")))

typedef int (*madvise_fn)(void *, size_t, int);

static madvise_fn real_madvise;
static int debug;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* /dev/pshare: -2 not tried yet, -1 could not be opened, else the fd. */
static int pshare_fd = -2;
static int open_errno;
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

static void init(void)
{
	const char *d = getenv("PSHARE_PRELOAD_DEBUG");

	debug = d && *d && strcmp(d, "0") != 0;
	real_madvise = (madvise_fn)dlsym(RTLD_NEXT, "madvise");
}

/* One line to stderr, with a single write(): no stdio locks. */
static void logf_(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n, saved = errno;

	if (!debug)
		return;
	n = snprintf(buf, sizeof(buf), "pshare-preload[%d]: ", (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0) {
		/* nowhere to report it */
	}
	errno = saved;
}

static int call_real(void *addr, size_t len, int advice)
{
	if (real_madvise)
		return real_madvise(addr, len, advice);
	return syscall(SYS_madvise, addr, len, advice);
}

/* The descriptor on /dev/pshare, opened on first use; -1 if unavailable. */
static int pshare_dev(void)
{
	int fd = __atomic_load_n(&pshare_fd, __ATOMIC_ACQUIRE);

	if (fd != -2)
		return fd;
	pthread_mutex_lock(&open_lock);
	fd = pshare_fd;
	if (fd == -2) {
		fd = open("/dev/pshare", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			open_errno = errno;
			fd = -1;
		}
		if (fd >= 0)
			logf_("opened /dev/pshare (fd %d)", fd);
		else
			logf_("cannot open /dev/pshare: %s; KSM keeps madvise()",
			      strerror(open_errno));
		__atomic_store_n(&pshare_fd, fd, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&open_lock);
	return fd;
}

/* The page-aligned range madvise() would act on, or 0 if it is invalid. */
static int page_range(void *addr, size_t len, uint64_t *start, uint64_t *bytes)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t a = (uintptr_t)addr;

	if (a & (page - 1) || len == 0 || len > UINT64_MAX - page)
		return 0;
	*start = a;
	*bytes = ((uint64_t)len + page - 1) & ~(page - 1);
	return 1;
}

static int mergeable(void *addr, size_t len)
{
	struct pshare_register r = { 0 };
	int fd, ret, tries = 0;
	uint64_t start, bytes;

	if (!page_range(addr, len, &start, &bytes)) {
		logf_("madvise(%p, %zu, MERGEABLE): not a valid range: real madvise",
		      addr, len);
		return call_real(addr, len, MADV_MERGEABLE);
	}
	fd = pshare_dev();
	if (fd < 0) {
		logf_("madvise(%p, %zu, MERGEABLE): no pshare: real madvise",
		      addr, len);
		return call_real(addr, len, MADV_MERGEABLE);
	}
	r.start = start;
	r.length = bytes;
	do	/* EINTR: a signal during a process's first registration */
		ret = ioctl(fd, PSHARE_IOC_REGISTER, &r);
	while (ret < 0 && errno == EINTR && ++tries < 100);
	if (ret == 0) {
		logf_("madvise(%p, %zu, MERGEABLE): registered %llu pages with pshare",
		      addr, len, (unsigned long long)(bytes / sysconf(_SC_PAGESIZE)));
		return 0;
	}
	if (errno == EEXIST) {
		logf_("madvise(%p, %zu, MERGEABLE): pshare holds it already",
		      addr, len);
		return 0;
	}
	logf_("madvise(%p, %zu, MERGEABLE): pshare refused (%s): real madvise",
	      addr, len, strerror(errno));
	return call_real(addr, len, MADV_MERGEABLE);
}

static int unmergeable(void *addr, size_t len)
{
	struct pshare_unregister u = { 0 };
	uint64_t start, bytes;
	int fd = __atomic_load_n(&pshare_fd, __ATOMIC_ACQUIRE);

	/* Nothing was ever registered unless the device was opened. */
	if (fd < 0 || !page_range(addr, len, &start, &bytes)) {
		logf_("madvise(%p, %zu, UNMERGEABLE): not pshare's: real madvise",
		      addr, len);
		return call_real(addr, len, MADV_UNMERGEABLE);
	}
	u.start = start;
	u.length = bytes;
	if (ioctl(fd, PSHARE_IOC_UNREGISTER, &u) == 0) {
		logf_("madvise(%p, %zu, UNMERGEABLE): unregistered from pshare",
		      addr, len);
		return 0;
	}
	if (errno == ENOENT) {
		logf_("madvise(%p, %zu, UNMERGEABLE): no pshare registration: real madvise",
		      addr, len);
		return call_real(addr, len, MADV_UNMERGEABLE);
	}
	/* EINVAL: the range cuts a registration; tell the caller. */
	logf_("madvise(%p, %zu, UNMERGEABLE): pshare: %s", addr, len,
	      strerror(errno));
	return -1;
}

EXPORT int madvise(void *addr, size_t len, int advice)
{
	pthread_once(&init_once, init);
	switch (advice) {
	case MADV_MERGEABLE:
		return mergeable(addr, len);
	case MADV_UNMERGEABLE:
		return unmergeable(addr, len);
	default:
		return call_real(addr, len, advice);
	}
}
