// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare_xxbench: what hashing one page with xxh64 and byte-comparing two
 * pages cost in the kernel it is loaded in, the lower bound of pshare's
 * scan and merge work per page.
 *
 * At load it allocates 4096 order-0 pages (16 MiB, more than the caches
 * hold, so every page is as cold as the ones a scanner visits), fills every
 * even page with random bytes and copies it into the odd page after it,
 * then times XXB_ROUNDS rounds of
 * - hashing every page, as pshare_ops_hash() does: xxh64 of the kmapped
 *   page, seed 0 (4096 hashes per round);
 * - comparing every pair of twin pages with the kernel's memcmp() (what
 *   pshare_ops_pages_identical() used before it compared four words per
 *   branch): the pages, being equal, are read to the end (2048 compares
 *   per round, each reading two pages).
 * The figure kept for each is the median round divided by the operations in
 * a round: an interrupt or, in a guest, the host taking the vCPU away
 * lengthens a round or two, and the median ignores them where the mean
 * would not. 16 rounds make 65536 hashes and 32768 compares.
 *
 * The pages are freed before init returns; the results stay in read-only
 * parameters under /sys/module/pshare_xxbench/parameters/, in picoseconds
 * per operation (memcmp_ps_per_page: one compare of two pages, as a merge
 * does once), and in one line of the kernel log. Twins must hash and
 * compare alike, or loading fails with -EIO.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/xxhash.h>

#define XXB_PAGES	4096
#define XXB_ROUNDS	16

static unsigned long xxh64_ps_per_page;
module_param(xxh64_ps_per_page, ulong, 0444);
MODULE_PARM_DESC(xxh64_ps_per_page,
		 "xxh64 of one cold page, picoseconds (median round)");

static unsigned long memcmp_ps_per_page;
module_param(memcmp_ps_per_page, ulong, 0444);
MODULE_PARM_DESC(memcmp_ps_per_page,
		 "memcmp of two equal cold pages, picoseconds (median round)");

static unsigned long pages_hashed;
module_param(pages_hashed, ulong, 0444);
MODULE_PARM_DESC(pages_hashed, "pages hashed in all rounds");

static unsigned long pages_compared;
module_param(pages_compared, ulong, 0444);
MODULE_PARM_DESC(pages_compared, "page pairs compared in all rounds");

static u64 xxb_hash_page(struct page *page)
{
	void *addr = kmap_local_page(page);
	u64 hash = xxh64(addr, PAGE_SIZE, 0);

	kunmap_local(addr);
	return hash;
}

static bool xxb_pages_identical(struct page *a, struct page *b)
{
	void *pa = kmap_local_page(a);
	void *pb = kmap_local_page(b);
	bool same = !memcmp(pa, pb, PAGE_SIZE);

	kunmap_local(pb);
	kunmap_local(pa);
	return same;
}

static int xxb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n round times, in picoseconds per one of @ops operations. */
static unsigned long xxb_median_ps(u64 *ns, int n, unsigned int ops)
{
	sort(ns, n, sizeof(*ns), xxb_cmp_u64, NULL);
	return div_u64(ns[n / 2] * 1000, ops);
}

static void xxb_fill(struct page **pages)
{
	unsigned int i;

	for (i = 0; i < XXB_PAGES; i += 2) {
		void *a = kmap_local_page(pages[i]);
		void *b = kmap_local_page(pages[i + 1]);

		get_random_bytes(a, PAGE_SIZE);
		memcpy(b, a, PAGE_SIZE);
		kunmap_local(b);
		kunmap_local(a);
		cond_resched();
	}
}

static int __init xxb_init(void)
{
	u64 hash_ns[XXB_ROUNDS], cmp_ns[XXB_ROUNDS];
	unsigned int i, r, n, differ = 0;
	struct page **pages;
	u64 start, hash, prev = 0;
	int ret = 0;

	pages = kvmalloc_array(XXB_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (n = 0; n < XXB_PAGES; n++) {
		pages[n] = alloc_page(GFP_KERNEL);
		if (!pages[n]) {
			ret = -ENOMEM;
			goto free_pages;
		}
	}
	xxb_fill(pages);

	/*
	 * Twins hash alike: checking it uses every hash, and costs a compare
	 * of two registers per page.
	 */
	for (r = 0; r < XXB_ROUNDS; r++) {
		start = ktime_get_ns();
		for (i = 0; i < XXB_PAGES; i++) {
			hash = xxb_hash_page(pages[i]);
			if (i & 1)
				differ += hash != prev;
			prev = hash;
		}
		hash_ns[r] = ktime_get_ns() - start;
		cond_resched();
	}
	for (r = 0; r < XXB_ROUNDS; r++) {
		start = ktime_get_ns();
		for (i = 0; i < XXB_PAGES; i += 2)
			differ += !xxb_pages_identical(pages[i], pages[i + 1]);
		cmp_ns[r] = ktime_get_ns() - start;
		cond_resched();
	}
	if (differ) {
		/* The twins are copies: the memory or the code is broken. */
		pr_err("%u hashes or compares of equal pages differ\n", differ);
		ret = -EIO;
		goto free_pages;
	}

	xxh64_ps_per_page = xxb_median_ps(hash_ns, XXB_ROUNDS, XXB_PAGES);
	memcmp_ps_per_page = xxb_median_ps(cmp_ns, XXB_ROUNDS, XXB_PAGES / 2);
	pages_hashed = (unsigned long)XXB_ROUNDS * XXB_PAGES;
	pages_compared = (unsigned long)XXB_ROUNDS * XXB_PAGES / 2;
	pr_info("xxh64 %lu.%03lu us/page, memcmp %lu.%03lu us/page over %lu pages\n",
		xxh64_ps_per_page / 1000000, xxh64_ps_per_page / 1000 % 1000,
		memcmp_ps_per_page / 1000000, memcmp_ps_per_page / 1000 % 1000,
		pages_hashed);

free_pages:
	while (n--)
		__free_page(pages[n]);
	kvfree(pages);
	return ret;
}

static void __exit xxb_exit(void)
{
}

module_init(xxb_init);
module_exit(xxb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pshare benchmark: cost of xxh64 and memcmp of one page");
