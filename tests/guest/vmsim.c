// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmsim: a stand-in for a VM's memory, for the demo and benchmarks.
 *
 *   vmsim -n VMS -m MIB [-z ZERO%] [-i IMAGE%] [-t SECONDS] [-r DOMAIN]
 *
 * Forks VMS processes. Each maps MIB MiB of private anonymous memory and
 * fills it as a booted guest would look: ZERO% zero pages, IMAGE% pages of
 * an "OS image" identical in every VM, and the rest private to the VM. It
 * prints the oracle (pages, distinct contents, ideal saving), holds the
 * memory for SECONDS, and then verifies every page's content. With -r,
 * each VM registers its memory with pshare in sharing domain DOMAIN.
 */
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tlib.h"

#define PAGE 4096UL

enum kind { ZERO, IMAGE, PRIVATE };

static enum kind page_kind(unsigned long i, int zero_pct, int image_pct)
{
	unsigned long r = (i * 2654435761UL) % 100;

	if (r < (unsigned long)zero_pct)
		return ZERO;
	if (r < (unsigned long)(zero_pct + image_pct))
		return IMAGE;
	return PRIVATE;
}

/* Fill or verify one page; returns 0 if it holds what it must. */
static int page_content(uint64_t *p, unsigned long i, int vm, enum kind k,
			int verify)
{
	uint64_t seed = k == IMAGE ? 0x1111111100000000ULL + i :
			0x2222222200000000ULL + ((uint64_t)vm << 32) + i;
	unsigned long w;

	for (w = 0; w < PAGE / 8; w++) {
		uint64_t v = k == ZERO ? 0 : seed * 0x9e3779b97f4a7c15ULL + w;

		if (!verify)
			p[w] = v;
		else if (p[w] != v)
			return -1;
	}
	return 0;
}

static long domain = -1;

static int run_vm(int vm, unsigned long pages, int zero_pct, int image_pct,
		  int seconds)
{
	char *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long i, bad = 0;

	if (mem == MAP_FAILED) {
		perror("vmsim: mmap");
		return 1;
	}
	madvise(mem, pages * PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		page_content((uint64_t *)(mem + i * PAGE), i, vm,
			     page_kind(i, zero_pct, image_pct), 0);
	if (domain >= 0 && t_register(mem, pages * PAGE, domain)) {
		perror("vmsim: register");
		return 1;
	}
	sleep(seconds);
	for (i = 0; i < pages; i++)
		bad += page_content((uint64_t *)(mem + i * PAGE), i, vm,
				    page_kind(i, zero_pct, image_pct), 1) != 0;
	if (bad)
		printf("vmsim: vm %d: %lu pages hold wrong content\n", vm, bad);
	return bad != 0;
}

int main(int argc, char **argv)
{
	int vms = 4, mib = 32, zero_pct = 20, image_pct = 50, seconds = 5;
	unsigned long pages, i, n[3] = { 0 };
	int opt, vm, failed = 0;

	while ((opt = getopt(argc, argv, "n:m:z:i:t:r:")) != -1) {
		switch (opt) {
		case 'n': vms = atoi(optarg); break;
		case 'm': mib = atoi(optarg); break;
		case 'z': zero_pct = atoi(optarg); break;
		case 'i': image_pct = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		case 'r': domain = atol(optarg); break;
		default:
			fprintf(stderr, "usage: vmsim -n VMS -m MIB [-z ZERO%%] [-i IMAGE%%] [-t SECONDS] [-r DOMAIN]\n");
			return 2;
		}
	}
	if (vms < 1 || mib < 1 || zero_pct < 0 || image_pct < 0 ||
	    zero_pct + image_pct > 100 || seconds < 0) {
		fprintf(stderr, "vmsim: bad arguments\n");
		return 2;
	}
	pages = (unsigned long)mib * 256;
	for (i = 0; i < pages; i++)
		n[page_kind(i, zero_pct, image_pct)]++;
	/* Oracle: one zero page, one copy of each image page, all private. */
	printf("vmsim: %d VMs x %d MiB: %lu pages, %lu distinct contents, ideal saving %lu pages (%lu MiB)\n",
	       vms, mib, pages * vms, (n[ZERO] ? 1 : 0) + n[IMAGE] + n[PRIVATE] * vms,
	       pages * vms - ((n[ZERO] ? 1 : 0) + n[IMAGE] + n[PRIVATE] * vms),
	       (pages * vms - ((n[ZERO] ? 1 : 0) + n[IMAGE] + n[PRIVATE] * vms)) / 256);
	fflush(stdout);
	for (vm = 0; vm < vms; vm++) {
		if (fork() == 0)
			_exit(run_vm(vm, pages, zero_pct, image_pct, seconds));
	}
	for (vm = 0; vm < vms; vm++) {
		int status;

		wait(&status);
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	printf("vmsim: %d VMs verified every page: %s\n", vms,
	       failed ? "MISMATCH" : "all correct");
	return failed != 0;
}
