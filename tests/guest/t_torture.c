// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare torture worker. Each worker process owns a region whose every
 * page it can predict (a per-page seed: zero, one of a few shared
 * contents, or unique), registers it with pshare, and until its deadline
 * verifies its memory while it randomly writes pages, forks children that
 * verify the memory they inherit, unmaps and maps, moves and grows with
 * mremap, mprotects, drops pages (MADV_DONTNEED, MADV_FREE), pages them
 * out (MADV_PAGEOUT), collapses and splits huge pages, and registers and
 * unregisters. It opens /dev/pshare only for each call, so that the
 * module can be unloaded and loaded again under it (t_torture.sh).
 *
 *   t_torture -t SECONDS -m MIB -s SEED [-v OPS]
 *
 * A whole sweep verifies every page after each OPS operations (default 200),
 * forwards and backwards in turn: fewer make a run that verifies more pages
 * per second.
 * Prints one line: verifications, mismatches, writes, CoW breaks (writes
 * to a page that was a KSM page just before) and operations. Exit status:
 * 0 if every verified page held what it must, 1 otherwise.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#define CHUNK		512		/* pages: one THP */
#define SHARED		16		/* shared contents */

static char *mem;			/* the region */
static long npages;
static uint64_t *seed;			/* what each page must hold */
static uint64_t rs;
static long verifs, bad, writes, cows, ops;
static int pagemap_fd = -1, kflags_fd = -1;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

/* A new seed: zero, shared with other pages and workers, or unique. */
static uint64_t new_seed(void)
{
	switch (rnd() % 4) {
	case 0: return 0;
	case 1: return 1 + rnd() % SHARED;
	default: return 1000 + (rnd() >> 8);
	}
}

static void verify(long i)
{
	verifs++;
	if (!t_check(mem + i * PAGE_SZ, seed[i])) {
		if (bad++ < 5)
			printf("  torture: page %ld of %ld: wrong content (seed %llu)\n",
			       i, npages, (unsigned long long)seed[i]);
	}
}

static void verify_range(long first, long n)
{
	long i;

	for (i = first; i < first + n && i < npages; i++)
		verify(i);
}

/* Every page, from the first or, if @back, from the last. */
static void verify_sweep(int back)
{
	long i;

	for (i = 0; i < npages; i++)
		verify(back ? npages - 1 - i : i);
}

/* Was the page at @i a KSM page? From pagemap and kpageflags. */
static int is_ksm(long i)
{
	uint64_t ent = 0, flags = 0;

	if (pread(pagemap_fd, &ent, 8,
		  (uintptr_t)(mem + i * PAGE_SZ) / PAGE_SZ * 8) != 8 ||
	    !(ent >> 63))
		return 0;
	if (pread(kflags_fd, &flags, 8, (ent & ((1ULL << 55) - 1)) * 8) != 8)
		return 0;
	return (flags >> 21) & 1;	/* KPF_KSM */
}

static void write_page(long i)
{
	if (is_ksm(i))
		cows++;
	seed[i] = new_seed();
	t_fill(mem + i * PAGE_SZ, seed[i]);
	writes++;
}

/* Register (or unregister) a range with a short-lived descriptor. */
static void pshare_call(int reg, long first, long n)
{
	int fd = open("/dev/pshare", O_RDWR);

	if (fd < 0)
		return;		/* the module is being reloaded */
	if (reg) {
		struct pshare_register r = {
			.start = (uintptr_t)(mem + first * PAGE_SZ),
			.length = n * PAGE_SZ, .salt = rnd() % 2,
			.weight = rnd() % 200,
		};

		ioctl(fd, PSHARE_IOC_REGISTER, &r);
	} else {
		struct pshare_unregister u = {
			.start = (uintptr_t)(mem + first * PAGE_SZ),
			.length = n * PAGE_SZ,
		};

		ioctl(fd, PSHARE_IOC_UNREGISTER, &u);
	}
	close(fd);
}

/* The chunk of CHUNK pages holding page @i, as a first page. */
static long chunk_of(long i)
{
	return i / CHUNK * CHUNK;
}

static void fill_chunk(long c)
{
	long i;

	for (i = c; i < c + CHUNK; i++) {
		seed[i] = new_seed();
		t_fill(mem + i * PAGE_SZ, seed[i]);
	}
}

static void op(void)
{
	long i = rnd() % npages, c = chunk_of(i), k;
	char *p = mem + c * PAGE_SZ, *tmp;
	size_t len = CHUNK * PAGE_SZ;
	pid_t pid;
	int st;

	ops++;
	switch (rnd() % 16) {
	case 0: case 1: case 2: case 3:
		for (k = 0; k < 16; k++)
			write_page((i + k) % npages);
		break;
	case 4:		/* a child checks what it inherited, then exits */
		pid = fork();
		if (pid == 0) {
			verify_range(c, CHUNK);
			if (rnd() % 2)
				write_page(i);
			_exit(bad ? 1 : 0);
		}
		if (pid > 0 && waitpid(pid, &st, 0) == pid &&
		    (!WIFEXITED(st) || WEXITSTATUS(st)))
			bad++;
		break;
	case 5:		/* unmap and map again: a new registration */
		munmap(p, len);
		if (mmap(p, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p)
			bad++;
		fill_chunk(c);
		pshare_call(1, c, CHUNK);
		break;
	case 6:		/* move away and back with mremap */
		tmp = mmap(NULL, 2 * len, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (tmp == MAP_FAILED)
			break;
		if (mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   tmp) != tmp) {
			munmap(tmp, 2 * len);
			break;
		}
		/* Grow it where it is now, then bring it back. */
		munmap(tmp + len, len);
		if (mremap(tmp, len, 2 * len, 0) == tmp)
			memset(tmp + len, 0x5a, PAGE_SZ);
		if (mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, p) != p)
			bad++;
		munmap(tmp, 2 * len);
		verify_range(c, CHUNK);
		pshare_call(1, c, CHUNK);
		break;
	case 7:		/* read-only for a while */
		mprotect(p, len, PROT_READ);
		verify_range(c, CHUNK);
		mprotect(p, len, PROT_READ | PROT_WRITE);
		break;
	case 8:
		madvise(mem + i * PAGE_SZ, PAGE_SZ, MADV_DONTNEED);
		seed[i] = 0;
		break;
	case 9:		/* MADV_FREE then a write: the write wins */
		madvise(mem + i * PAGE_SZ, PAGE_SZ, MADV_FREE);
		write_page(i);
		break;
	case 10:
		madvise(p, len, MADV_PAGEOUT);
		break;
	case 11:
		madvise(p, len, MADV_COLLAPSE);
		break;
	case 12:	/* split a huge page by protecting half of it */
		mprotect(p, len / 2, PROT_READ);
		mprotect(p, len / 2, PROT_READ | PROT_WRITE);
		break;
	case 13:
		pshare_call(0, c, CHUNK);
		pshare_call(1, c, CHUNK);
		break;
	default:
		for (k = 0; k < 64; k++)
			verify(rnd() % npages);
		break;
	}
}

int main(int argc, char **argv)
{
	long secs = 60, mib = 16, c, sweep = 0, every = 200;
	double end;
	char *raw;
	int opt;

	rs = getpid() * 0x9e3779b97f4a7c15ULL + 1;
	while ((opt = getopt(argc, argv, "t:m:s:v:")) != -1) {
		switch (opt) {
		case 'v': every = atol(optarg); break;
		case 't': secs = atol(optarg); break;
		case 'm': mib = atol(optarg); break;
		case 's': rs = strtoull(optarg, NULL, 0) | 1; break;
		default: return 2;
		}
	}
	npages = mib * 256 / CHUNK * CHUNK;
	if (npages < CHUNK || every < 1)
		return 2;
	raw = mmap(NULL, npages * PAGE_SZ + (2 << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	seed = calloc(npages, sizeof(*seed));
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	kflags_fd = open("/proc/kpageflags", O_RDONLY);
	if (raw == MAP_FAILED || !seed || pagemap_fd < 0 || kflags_fd < 0)
		return 2;
	mem = (char *)(((uintptr_t)raw + (2 << 20) - 1) & ~((2UL << 20) - 1));
	/* Half huge-page backed, half not. */
	madvise(mem, npages * PAGE_SZ / 2, MADV_HUGEPAGE);
	madvise(mem + npages * PAGE_SZ / 2, npages * PAGE_SZ / 2,
		MADV_NOHUGEPAGE);
	for (c = 0; c < npages; c += CHUNK) {
		fill_chunk(c);
		pshare_call(1, c, CHUNK);
	}
	end = t_now() + secs;
	while (t_now() < end) {
		op();
		/*
		 * A whole sweep now and then, every other one backwards: over
		 * a memory limit below the region, sweeps in one direction
		 * would find each page swapped out (LRU's worst case), while
		 * a sweep back meets the pages the last one left resident
		 * first, and swaps in only what did not fit.
		 */
		if (++sweep % every == 0)
			verify_sweep((sweep / every) % 2);
	}
	verify_range(0, npages);
	printf("torture[%d]: %ld verifications, %ld mismatches, %ld writes, %ld cow breaks, %ld ops\n",
	       getpid(), verifs, bad, writes, cows, ops);
	return bad ? 1 : 0;
}
