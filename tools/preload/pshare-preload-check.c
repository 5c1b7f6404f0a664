// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Test helper for libpshare-preload.so (tests/guest/t_preload.sh): a
 * dynamically linked program that uses madvise() as any program would,
 * then checks where its memory went.
 *
 *	pshare-preload-check pshare	run under LD_PRELOAD: expect pshare
 *	pshare-preload-check ksm	run without it: expect the kernel's KSM
 *
 * It maps 4 MiB of private anonymous memory, writes it, and calls
 * madvise(MADV_MERGEABLE): with the library the range must be registered
 * with pshare (PSHARE_IOC_QUERY) and its VMA not VM_MERGEABLE ("mg" in
 * /proc/self/smaps); without it, the reverse. A shared anonymous mapping
 * must fall back to the real madvise() (pshare refuses it). Then
 * madvise(MADV_UNMERGEABLE) must end the registration, and a second one
 * (nothing registered) must fall back and succeed. Exit 0 if all held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pshare.h>

#define PAGES 1024

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		failures++;						\
		printf("  not ok: line %d: %s: ", __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

/* Pages this process has registered with pshare, or -1. */
static long registered(void)
{
	struct pshare_proc_stats st;
	static int fd = -1;

	if (fd < 0)
		fd = open("/dev/pshare", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, PSHARE_IOC_QUERY, &st) < 0)
		return -1;
	return (long)st.registered;
}

/* Is the VMA that holds @addr VM_MERGEABLE? 1, 0, or -1 if not found. */
static int vm_mergeable(void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long a = (uintptr_t)addr, lo, hi;
	char line[512];
	int in = 0, ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') &&
		    line[strspn(line, "0123456789abcdef")] == '-') {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			ret = strstr(line, " mg") != NULL;
			break;
		}
	}
	fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	size_t len = PAGES * 4096UL;
	int pshare, rc, mg;
	long reg0, reg;
	char *p, *s;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || (strcmp(argv[1], "pshare") && strcmp(argv[1], "ksm"))) {
		fprintf(stderr, "usage: %s pshare|ksm\n", argv[0]);
		return 2;
	}
	pshare = strcmp(argv[1], "pshare") == 0;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED || s == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (i = 0; i < len; i += 4096) {
		memset(p + i, (int)(i >> 12) | 1, 4096);
		s[i] = 1;
	}
	reg0 = registered();
	CHECK(reg0 == 0, "registered %ld before madvise (open /dev/pshare: %s)",
	      reg0, reg0 < 0 ? strerror(errno) : "ok");

	rc = madvise(p, len, MADV_MERGEABLE);
	CHECK(rc == 0, "madvise(MERGEABLE) = %d (%s)", rc, strerror(errno));
	reg = registered();
	mg = vm_mergeable(p);
	printf("  private 4 MiB after MADV_MERGEABLE: pshare registered %ld pages, VM_MERGEABLE %d\n",
	       reg, mg);
	if (pshare) {
		CHECK(reg == PAGES, "registered %ld, want %d", reg, PAGES);
		CHECK(mg == 0, "VmFlags mg %d, want 0", mg);
	} else {
		CHECK(reg == 0, "registered %ld, want 0", reg);
		CHECK(mg == 1, "VmFlags mg %d, want 1", mg);
	}

	/* pshare takes only private anonymous memory: the real call runs. */
	rc = madvise(s, len, MADV_MERGEABLE);
	CHECK(rc == 0, "madvise(shared, MERGEABLE) = %d (%s)", rc, strerror(errno));
	CHECK(registered() == reg, "registered %ld after the shared mapping, want %ld",
	      registered(), reg);

	rc = madvise(p, len, MADV_UNMERGEABLE);
	CHECK(rc == 0, "madvise(UNMERGEABLE) = %d (%s)", rc, strerror(errno));
	reg = registered();
	mg = vm_mergeable(p);
	printf("  after MADV_UNMERGEABLE: pshare registered %ld pages, VM_MERGEABLE %d\n",
	       reg, mg);
	CHECK(reg == 0, "registered %ld, want 0", reg);
	CHECK(mg == 0, "VmFlags mg %d, want 0", mg);

	/* Nothing registered any more: the real call, which succeeds. */
	rc = madvise(p, len, MADV_UNMERGEABLE);
	CHECK(rc == 0, "second madvise(UNMERGEABLE) = %d (%s)", rc, strerror(errno));

	/* Other advice passes through untouched. */
	rc = madvise(p, len, MADV_DONTNEED);
	CHECK(rc == 0 && p[4096] == 0, "madvise(DONTNEED) = %d", rc);

	printf("  pshare-preload-check %s: %s (%d failed checks)\n", argv[1],
	       failures ? "FAILED" : "passed", failures);
	return failures ? 1 : 0;
}
