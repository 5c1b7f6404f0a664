// SPDX-License-Identifier: GPL-2.0-only
/*
 * dupmem: a small workload of duplicate pages that hands its memory to
 * madvise(MADV_MERGEABLE), as QEMU does with guest RAM; for t_package.sh.
 *
 *   dupmem [-m MIB] [-c CONTENTS] [-t SECONDS]
 *
 * Maps MIB MiB (default 8) of private anonymous memory in small pages,
 * fills page i with content i % CONTENTS (default 16: every content many
 * times over, none of them zero), calls madvise(MADV_MERGEABLE) on it and
 * prints "dupmem: ready ...". With pshare's madvise = 1 that registers the
 * memory with pshare; the pages merge within the process's own domain. It
 * holds the memory for SECONDS (default 600) or until SIGTERM or SIGINT,
 * then checks every page's content: exit 0 if all hold it, 1 otherwise.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tlib.h"

static volatile sig_atomic_t stop;
static int contents = 16;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t seed(int i)
{
	return 0x5eed0000ULL + i % contents;
}

int main(int argc, char **argv)
{
	int opt, mib = 8, seconds = 600, pages, i, bad;
	struct sigaction sa = { .sa_handler = on_signal };
	char *mem;

	while ((opt = getopt(argc, argv, "m:c:t:")) != -1) {
		switch (opt) {
		case 'm': mib = atoi(optarg); break;
		case 'c': contents = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: dupmem [-m MIB] [-c CONTENTS] [-t SECONDS]\n");
			return 2;
		}
	}
	if (mib < 1 || contents < 1 || seconds < 0) {
		fprintf(stderr, "dupmem: bad arguments\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pages = mib * 256;
	mem = mmap(NULL, (size_t)pages * PAGE_SZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("dupmem: mmap");
		return 1;
	}
	madvise(mem, (size_t)pages * PAGE_SZ, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		t_fill(mem + (size_t)i * PAGE_SZ, seed(i));
	if (madvise(mem, (size_t)pages * PAGE_SZ, MADV_MERGEABLE)) {
		perror("dupmem: madvise(MADV_MERGEABLE)");
		return 1;
	}
	printf("dupmem: ready: pid %d, %d pages, %d distinct contents, ideal saving %d pages\n",
	       (int)getpid(), pages, contents < pages ? contents : pages,
	       pages - (contents < pages ? contents : pages));
	while (seconds-- > 0 && !stop)
		sleep(1);
	bad = t_verify(mem, pages, seed);
	printf("dupmem: %d of %d pages hold wrong content\n", bad, pages);
	return bad != 0;
}
