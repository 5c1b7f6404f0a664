// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: the operations layer. Every read or write of a page table, and
 * every page content access, happens here; the scan loop and the merge
 * logic call these functions and never touch page tables themselves.
 *
 * write_protect, replace and break_cow follow the kernel's own mm/ksm.c of
 * the target kernel, step for step (6.1's and 6.12's differ only where
 * include/pshare/compat.h and mm/symbols.h say), with the inlines that call
 * unexported functions (set_pte_at_notify, the mmu_notifier range wrappers,
 * dec_mm_counter, folio_walk_end) rewritten to call the functions that
 * symbols.c resolved.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/hash.h>
#include <linux/huge_mm.h>
#include <linux/ksm.h>
#include <linux/mm_inline.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/random.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/xxhash.h>
#include <pshare/compat.h>
#include "kabi.h"
#include "ops.h"
#include "pshare.h"
#include "symbols.h"

u64 pshare_zero_hash __ro_after_init;
u64 pshare_zero_sample __ro_after_init;
/* Where pshare_ops_sample() and _thp_sample() read: a secret of this load. */
static u64 pshare_sample_seed __ro_after_init;

/* put_anon_vma() */
void pshare_ops_put_anon_vma(struct anon_vma *anon_vma)
{
	if (atomic_dec_and_test(&anon_vma->refcount))
		pshare_call(__put_anon_vma)(anon_vma);
}

/**
 * pshare_ops_vma_ok() - may pshare work on this VMA?
 * @vma: the VMA
 *
 * Private anonymous memory only, and never a VMA the kernel's KSM owns.
 *
 * Return: true if pshare may register and merge in @vma.
 */
bool pshare_ops_vma_ok(struct vm_area_struct *vma)
{
	if (!vma_is_anonymous(vma) || vma_is_dax(vma))
		return false;
	return !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO |
				  VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP |
				  VM_MERGEABLE));
}

/**
 * pshare_ops_find_vma() - the VMA to merge in at @addr
 * @mm: the address space, mmap_lock held for read, mm_users > 0
 * @addr: user address
 *
 * Return: the VMA, or NULL if there is none suitable or no anon_vma yet.
 */
struct vm_area_struct *pshare_ops_find_vma(struct mm_struct *mm,
					   unsigned long addr)
{
	struct vm_area_struct *vma;

	if (!atomic_read(&mm->mm_users))
		return NULL;
	vma = vma_lookup(mm, addr);
	if (!vma || !vma->anon_vma || !pshare_ops_vma_ok(vma))
		return NULL;
	return vma;
}

/**
 * pshare_ops_leave_ksm_vma() - give up an address the kernel's KSM now has
 * @mm: the address space, mmap_lock held for read, mm_users > 0
 * @addr: user address
 * @node: pshare's merged page mapped at @addr, if any
 *
 * After madvise(MADV_MERGEABLE) on registered memory, the kernel's ksmd
 * may scan it, and must never find a pshare KSM page there: it would take
 * pshare's node for its own. So pshare's page at @addr becomes a private
 * copy again, and pshare lets the address go.
 *
 * Return: true if @addr lies in a VM_MERGEABLE VMA.
 */
bool pshare_ops_leave_ksm_vma(struct mm_struct *mm, unsigned long addr,
			      const struct pshare_stable_node *node)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	struct page *page;

	if (!vma || !(vma->vm_flags & VM_MERGEABLE))
		return false;
	page = node ? pshare_ops_get_page(vma, addr) : NULL;
	if (page) {
		if (page_folio(page)->mapping == pshare_node_mapping(node))
			pshare_ops_break_cow(vma, addr);
		put_page(page);
	}
	return true;
}

/**
 * pshare_ops_get_page() - the page mapped at @addr, with a reference
 * @vma: the VMA, mmap_lock held for read
 * @addr: user address
 *
 * A page under migration is waited for, as break_ksm() does: seen as
 * nothing mapped, a merged page in flight would lose its rmap item while
 * its new copy is mapped again, out of reach of unmerging.
 *
 * Return: the page (maybe the zero page) or NULL if nothing is mapped.
 */
struct page *pshare_ops_get_page(struct vm_area_struct *vma,
				 unsigned long addr)
{
	return pshare_follow_page(vma, addr);
}

/*
 * The PMD entry over @addr, or NULL: with *@none set if no page table at
 * all reaches @addr (nothing is mapped there), else if the walk must go
 * page by page. Context: mmap_lock held for read, which keeps the upper
 * levels in place; the PMD entry itself may still change.
 */
static pmd_t *pshare_ops_find_pmd(struct mm_struct *mm, unsigned long addr,
				  bool *none)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	pmd_t pmde;

	lockdep_assert_held(&mm->mmap_lock);
	*none = true;
	if (!pgd_present(READ_ONCE(*pgd)))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (!p4d_present(READ_ONCE(*p4d)))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (!pud_present(READ_ONCE(*pud)))
		return NULL;
	pmd = pmd_offset(pud, addr);
	pmde = pshare_pmdp_get_lockless(pmd);
	if (pmd_none(pmde))
		return NULL;
	*none = false;
	/* A huge page, or one under migration: pshare_follow_page() waits. */
	if (!pmd_present(pmde) || pmd_trans_huge(pmde))
		return NULL;
	return pmd;
}

/**
 * pshare_ops_get_pages() - the pages mapped in a run of addresses, each
 * with a reference
 * @vma: the VMA of the whole run, mmap_lock held for read
 * @addr: the run's first address, page aligned
 * @nr: its pages, all in @vma and in @addr's 2 MiB block; at most
 *	BITS_PER_LONG
 * @want: which to look up: bit i for @addr + i pages
 * @pages: out, for each wanted address the page (maybe the zero page) or
 *	NULL if nothing is mapped; NULL for the others
 *
 * pshare_ops_get_page() for a run, with one walk to the page table and one
 * hold of its lock instead of one each. It stops before an entry it cannot
 * read alone (a migration entry, which pshare_ops_get_page() waits for; a
 * huge PMD; a page it cannot reference) and after the first page of a
 * large folio (the caller's rule: one reference per folio).
 *
 * Return: how many addresses from @addr it settled, 0 to @nr.
 */
unsigned int pshare_ops_get_pages(struct vm_area_struct *vma,
				  unsigned long addr, unsigned int nr,
				  unsigned long want, struct page **pages)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;	/* the page table lock of the run */
	pte_t *start, *ptep;
	unsigned int i;
	pmd_t *pmd;
	bool none;

	lockdep_assert_held(&mm->mmap_lock);
	nr = min3(nr, (unsigned int)BITS_PER_LONG,
		  (unsigned int)((pmd_addr_end(addr, vma->vm_end) - addr) >>
				 PAGE_SHIFT));
	pmd = pshare_ops_find_pmd(mm, addr, &none);
	if (!pmd) {
		if (!none)
			return 0;
		memset(pages, 0, nr * sizeof(*pages));
		return nr;
	}
	start = pshare_pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!start)
		return 0;	/* the page table went away meanwhile */
	for (i = 0, ptep = start; i < nr; i++, ptep++) {
		struct page *page = NULL;
		pte_t pte;

		pages[i] = NULL;
		if (!(want & BIT(i)))
			continue;
		pte = ptep_get(ptep);
		if (pte_present(pte)) {
			unsigned long pfn = pte_pfn(pte);

			/* As vm_normal_page() in an anonymous private VMA. */
			if (!is_zero_pfn(pfn) &&
			    (pte_special(pte) || !pfn_valid(pfn)))
				break;
			page = pfn_to_page(pfn);
			if (!folio_try_get(page_folio(page)))
				break;
		} else if (!pte_none(pte) &&
			   is_migration_entry(pte_to_swp_entry(pte))) {
			break;
		}
		pages[i] = page;
		if (page && folio_test_large(page_folio(page))) {
			i++;
			break;
		}
	}
	pte_unmap_unlock(start, ptl);
	return i;
}

/**
 * pshare_ops_page_at() - the page mapped at @addr of @mm, with a reference
 * @mm: the address space, referenced (mmgrab at least); mmap_lock not held
 * @addr: user address
 *
 * pshare_ops_get_page() for a caller that needs no more under the lock:
 * takes mmap_lock for read around the VMA lookup and the page lookup.
 *
 * Return: the page (maybe the zero page) or NULL if nothing pshare may
 * work on is mapped there.
 */
struct page *pshare_ops_page_at(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma;
	struct page *page = NULL;

	mmap_read_lock(mm);
	vma = pshare_ops_find_vma(mm, addr);
	if (vma)
		page = pshare_ops_get_page(vma, addr);
	mmap_read_unlock(mm);
	return page;
}

/* Is the zero page mapped at @addr? mmap_lock held for read. */
static bool pshare_ops_maps_zero_page(struct vm_area_struct *vma,
				      unsigned long addr)
{
	struct page *page = pshare_follow_page(vma, addr);
	bool zero = page && is_zero_pfn(page_to_pfn(page));

	if (page)
		put_page(page);
	return zero;
}

/*
 * Cache lines read of each subpage by pshare_ops_thp_sample(): 2 of the 64,
 * 1/32 of the huge page.
 */
#define PSHARE_SAMPLE_LINE	64
#define PSHARE_SAMPLE_LINES	(PAGE_SIZE / PSHARE_SAMPLE_LINE)

/*
 * For tests only: keep only the low @hash_bits bits of each page's hash and
 * sample, so that different pages collide and the byte compare must tell
 * them apart. 0 (the default) keeps all 64.
 */
static unsigned int hash_bits;

module_param(hash_bits, uint, 0400);
MODULE_PARM_DESC(hash_bits, "Testing only: weaken the content hash to this many bits (0: full)");

static u64 pshare_ops_weaken(u64 hash)
{
	if (hash_bits && hash_bits < 64)
		hash &= (1ULL << hash_bits) - 1;
	return hash;
}

/**
 * pshare_ops_hash() - xxh64 of a page's content
 * @page: the page, referenced
 *
 * Return: the hash.
 */
u64 pshare_ops_hash(struct page *page)
{
	void *addr = kmap_local_page(page);
	u64 hash = xxh64(addr, PAGE_SIZE, 0);

	kunmap_local(addr);
	return pshare_ops_weaken(hash);
}

/*
 * What pshare_ops_sample() reads: PSHARE_KEY_LINES adjacent cache lines of
 * the page's 64, from a line drawn at load. Adjacent, because the cost of
 * a sample is the lines it misses in the cache, and the lines after a
 * miss come in with it (measured under QEMU TCG: 4 adjacent lines 0.6-0.7
 * us a cold page, 4 lines apart 1.3-1.8 us, the whole page 2.1-2.4 us).
 */
#define PSHARE_KEY_LINES	4
static u16 pshare_key_off __ro_after_init;

/**
 * pshare_ops_sample() - hash a sample of a page's content
 * @page: the page, referenced
 *
 * The xxh64, seeded with a secret of this load, of 4 adjacent cache lines
 * of the page's 64 (256 bytes, 1/16 of it), at a place that secret
 * chooses, the same for every page: equal pages have equal samples, and
 * no program can tell which of its bytes the sample never reads, nor make
 * two samples collide on purpose. Pages that differ only where the sample
 * does not read share it; the byte compare before any merge tells them
 * apart.
 *
 * Return: the sample's hash.
 */
u64 pshare_ops_sample(struct page *page)
{
	const u8 *addr = kmap_local_page(page);
	u64 hash = xxh64(addr + pshare_key_off,
			 PSHARE_KEY_LINES * PSHARE_SAMPLE_LINE,
			 pshare_sample_seed);

	kunmap_local(addr);
	return pshare_ops_weaken(hash);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_ops_sample);

/**
 * pshare_ops_thp_sample() - hash a sample of every subpage of a huge page
 * @head: the first page of a PMD-sized folio, referenced
 *
 * Two cache lines of each subpage, at places that a secret drawn at load
 * and the subpage's number choose, so that no program can tell which of
 * its bytes the sample never reads. Two samples of an unchanged huge page
 * are equal; a change is seen if it touches a line the sample reads.
 *
 * Return: the xxh64 of the lines read.
 */
u64 pshare_ops_thp_sample(struct page *head)
{
	struct folio *folio = page_folio(head);
	u32 seed = (u32)pshare_sample_seed;
	struct xxh64_state state;
	long i, nr = folio_nr_pages(folio);

	xxh64_reset(&state, pshare_sample_seed);
	for (i = 0; i < nr; i++) {
		const u8 *addr = kmap_local_page(folio_page(folio, i));
		u32 a = hash_32(seed + i, ilog2(PSHARE_SAMPLE_LINES));
		/* The other half of the page, so never the same line. */
		u32 b = a ^ (PSHARE_SAMPLE_LINES / 2);

		xxh64_update(&state, addr + a * PSHARE_SAMPLE_LINE,
			     PSHARE_SAMPLE_LINE);
		xxh64_update(&state, addr + b * PSHARE_SAMPLE_LINE,
			     PSHARE_SAMPLE_LINE);
		kunmap_local(addr);
	}
	return xxh64_digest(&state);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_ops_thp_sample);

/**
 * pshare_ops_page_busy() - does someone beyond its mappings hold the page?
 * @page: a small anonymous page, referenced once by the caller
 *
 * A GUP pin (O_DIRECT, io_uring, RDMA) or a per-CPU LRU batch holds an
 * extra reference, and write protection would refuse the page. Racy, so
 * only a precheck: write protection checks again with the PTE cleared.
 *
 * Return: true if more references are held than its mappings explain.
 */
bool pshare_ops_page_busy(struct page *page)
{
	return page_count(page) != pshare_page_mapcount(page) + 1 +
				   !!folio_test_swapcache(page_folio(page));
}

/** pshare_ops_is_zero() - is the page all zero bytes? */
bool pshare_ops_is_zero(struct page *page)
{
	void *addr = kmap_local_page(page);
	bool zero = !memchr_inv(addr, 0, PAGE_SIZE);

	kunmap_local(addr);
	return zero;
}

/**
 * pshare_ops_pages_identical() - compare every byte of two pages
 * @a: a page
 * @b: another
 *
 * Four words at a time, one branch for the four: identical pages, the
 * common case on a merge, are read to the end, faster than memcmp()
 * takes them a word and a branch at a time.
 *
 * Return: true if the pages hold the same bytes.
 */
bool pshare_ops_pages_identical(struct page *a, struct page *b)
{
	const u64 *pa = kmap_local_page(a);
	const u64 *pb = kmap_local_page(b);
	bool same = true;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(u64); i += 4) {
		if ((pa[i] ^ pb[i]) | (pa[i + 1] ^ pb[i + 1]) |
		    (pa[i + 2] ^ pb[i + 2]) | (pa[i + 3] ^ pb[i + 3])) {
			same = false;
			break;
		}
	}
	kunmap_local(pb);
	kunmap_local(pa);
	return same;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_ops_pages_identical);

/*
 * Make the PTE mapping @page at @addr read-only and clean, after checking
 * that nobody holds an extra reference (GUP, O_DIRECT): mapcount + swapcache
 * + ours must be the whole refcount. Called with @page locked.
 */
static int pshare_write_protect(struct vm_area_struct *vma, unsigned long addr,
				struct page *page, pte_t *orig_pte)
{
	struct mm_struct *mm = vma->vm_mm;
	/*
	 * DEFINE_PAGE_VMA_WALK() less page_to_pgoff(), whose hugetlb branch
	 * is not exported: @page is a small page, so its index is its pgoff.
	 */
	struct page_vma_mapped_walk pvmw = {
		.pfn = page_to_pfn(page),
		.nr_pages = 1,
		.pgoff = page->index,
		.vma = vma,
		.address = addr,
	};
	struct mmu_notifier_range range;
	bool anon_exclusive;
	int err = -EFAULT;
	int swapped;
	pte_t entry;

	if (WARN_ON_ONCE(PageTransCompound(page)))
		return -EFAULT;

	pshare_mmu_notifier_range_init(&range, vma, mm, addr, addr + PAGE_SIZE);
	pshare_mn_start(&range);

	if (!pshare_page_vma_mapped_walk(&pvmw))
		goto out_mn;
	if (WARN_ON_ONCE(!pvmw.pte))
		goto out_unlock;

	anon_exclusive = PageAnonExclusive(page);
	entry = ptep_get(pvmw.pte);
	if (pshare_pte_writable(entry) || pte_dirty(entry) ||
	    anon_exclusive || mm_tlb_flush_pending(mm)) {
		swapped = folio_test_swapcache(page_folio(page));
		flush_cache_page(vma, addr, page_to_pfn(page));
		/*
		 * Clear the PTE and flush the TLB before checking the
		 * refcount, so that no GUP-fast can start after the check.
		 */
		entry = pshare_call(ptep_clear_flush)(vma, addr, pvmw.pte);
		if (pshare_page_mapcount(page) + 1 + swapped !=
		    page_count(page)) {
			set_pte_at(mm, addr, pvmw.pte, entry);
			goto out_unlock;
		}
		/* See folio_try_share_anon_rmap_pte(): clear the PTE first. */
		if (anon_exclusive && pshare_try_share_anon_rmap(page)) {
			set_pte_at(mm, addr, pvmw.pte, entry);
			goto out_unlock;
		}
		if (pte_dirty(entry))
			set_page_dirty(page);
		entry = pte_mkclean(pshare_pte_wrprotect(entry));
		pshare_set_pte_notify(mm, addr, pvmw.pte, entry);
	}
	*orig_pte = ptep_get(pvmw.pte);
	err = 0;

out_unlock:
	page_vma_mapped_walk_done(&pvmw);
out_mn:
	pshare_mn_end(&range);
	return err;
}

/*
 * Point the PTE at @addr, still @orig_pte, to @kpage (a KSM page, or the
 * zero page) instead of @page. Called with @page locked and write-protected.
 */
static int pshare_replace(struct vm_area_struct *vma, unsigned long addr,
			  struct page *page, struct page *kpage, pte_t orig_pte)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mmu_notifier_range range;
	struct folio *folio;
	spinlock_t *ptl;	/* the page table lock of @addr */
	pte_t *ptep, newpte;
	pmd_t *pmd, pmde;
	int err = -EFAULT;

	pmd = pshare_call(mm_find_pmd)(mm, addr);
	if (!pmd)
		return -EFAULT;
	/* A THP may be split or collapsed under us: test present and !THP. */
	pmde = pshare_pmdp_get_lockless(pmd);
	if (!pmd_present(pmde) || pmd_trans_huge(pmde))
		return -EFAULT;

	pshare_mmu_notifier_range_init(&range, vma, mm, addr, addr + PAGE_SIZE);
	pshare_mn_start(&range);

	ptep = pshare_pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!ptep)
		goto out_mn;
	if (!pte_same(ptep_get(ptep), orig_pte)) {
		pte_unmap_unlock(ptep, ptl);
		goto out_mn;
	}
	if (WARN_ON_ONCE(PageAnonExclusive(page)) ||
	    WARN_ON_ONCE(PageAnon(kpage) && PageAnonExclusive(kpage))) {
		pte_unmap_unlock(ptep, ptl);
		goto out_mn;
	}

	if (!is_zero_pfn(page_to_pfn(kpage))) {
		get_page(kpage);
		pshare_add_anon_rmap(kpage, vma, addr);
		newpte = mk_pte(kpage, vma->vm_page_prot);
	} else {
		/*
		 * Clean, unlike the kernel KSM's own zero-page PTEs since 6.10:
		 * it marks those dirty and counts them in ksm_zero_pages,
		 * and the kernel decrements that count whenever a dirty
		 * zero-page PTE is unmapped. pshare's must not be counted.
		 */
		newpte = pte_mkspecial(pfn_pte(page_to_pfn(kpage),
					       vma->vm_page_prot));
		/* The zero page is not anonymous: keep RSS right. */
		pshare_dec_anon_rss(mm);
	}
	/* Preserve soft-dirty when replacing the page. */
	if (pte_soft_dirty(orig_pte))
		newpte = pte_mksoft_dirty(newpte);

	flush_cache_page(vma, addr, pte_pfn(ptep_get(ptep)));
	/* Read-only to read-only with the same content: no notify needed. */
	pshare_call(ptep_clear_flush)(vma, addr, ptep);
	pshare_set_pte_notify(mm, addr, ptep, newpte);

	folio = page_folio(page);
	pshare_remove_rmap(page, vma);
	if (!folio_mapped(folio))
		pshare_call(folio_free_swap)(folio);
	folio_put(folio);

	pte_unmap_unlock(ptep, ptl);
	err = 0;
out_mn:
	pshare_mn_end(&range);
	return err;
}

/**
 * pshare_ops_merge_one() - write-protect @page, compare, and map @kpage
 * @vma: the VMA of @addr, mmap_lock held for read
 * @addr: where @page is mapped
 * @page: an anonymous page, referenced by the caller
 * @kpage: the KSM page or zero page to map instead of @page; or NULL to
 *	   turn @page itself into a KSM page (with no node yet)
 * @split: set if @page's huge page was split here
 *
 * The byte compare happens under @page's lock, after write protection, so
 * that the content cannot change between the compare and the merge.
 *
 * Return: 0 if merged; -ENOENT if the bytes differ (@page was write
 * protected for the compare), -EFAULT or -EBUSY if it could not be tried.
 * @page's content is unchanged in every case.
 */
int pshare_ops_merge_one(struct vm_area_struct *vma, unsigned long addr,
			 struct page *page, struct page *kpage, bool *split)
{
	pte_t orig_pte = __pte(0);
	int err = -EFAULT;

	if (page == kpage)		/* already maps this KSM page */
		return 0;
	if (!PageAnon(page))
		return -EFAULT;
	/* Do not wait: come back to a busy page on the next pass. */
	if (!trylock_page(page))
		return -EBUSY;

	if (PageTransCompound(page)) {
		if (pshare_split_huge_page(page))
			goto out_unlock;
		atomic_long_inc(&pshare_stats.thp_splits);
		*split = true;
		/*
		 * Since 6.12 the split maps a zero-filled subpage to the zero
		 * page itself: then @page is unmapped here, and merged.
		 */
		if (PSHARE_SPLIT_MAPS_ZERO && kpage &&
		    is_zero_pfn(page_to_pfn(kpage)) &&
		    pshare_ops_maps_zero_page(vma, addr)) {
			err = 0;
			goto out_unlock;
		}
	}

	if (pshare_write_protect(vma, addr, page, &orig_pte) == 0) {
		if (!kpage) {
			/* Upgrade to PageKsm with no node; the caller adds it. */
			page->mapping = pshare_node_mapping(NULL);
			mark_page_accessed(page);
			/* Reclaim frees clean pages: make it swap instead. */
			if (!PageDirty(page))
				SetPageDirty(page);
			err = 0;
		} else if (pshare_ops_pages_identical(page, kpage)) {
			err = pshare_replace(vma, addr, page, kpage, orig_pte);
		} else {
			err = -ENOENT;
		}
	}
out_unlock:
	unlock_page(page);
	return err;
}

/**
 * pshare_ops_split_thp() - split the huge page @page belongs to
 * @page: a subpage of an anonymous THP, referenced by the caller
 *
 * Its subpages stay mapped where they were, by PTEs. Does not wait for the
 * page lock.
 *
 * Return: 0, or -EBUSY if the page is locked or pinned, or -EFAULT.
 */
int pshare_ops_split_thp(struct page *page)
{
	int err;

	if (!PageAnon(page) || !PageTransCompound(page))
		return -EFAULT;
	if (!trylock_page(page))
		return -EBUSY;
	err = pshare_split_huge_page(page) ? -EBUSY : 0;
	unlock_page(page);
	return err;
}

/**
 * pshare_ops_break_cow() - give @addr a private copy of a merged page
 * @vma: the VMA, mmap_lock held for read
 * @addr: user address
 *
 * As the kernel's break_ksm(): fault until the mapping is no longer a KSM
 * page (6.1 faults for write and stops at VM_FAULT_WRITE; 6.12 faults to
 * unshare, and loops until the page it finds is not a KSM page). Zero-page
 * mappings are left as they are.
 *
 * Return: 0, or -ENOMEM if the copy could not be allocated.
 */
int pshare_ops_break_cow(struct vm_area_struct *vma, unsigned long addr)
{
	vm_fault_t ret = 0;
	struct page *page;
	bool ksm;

	do {
		cond_resched();
		page = pshare_follow_page(vma, addr);
		if (!page)
			break;
		ksm = PageKsm(page);
		put_page(page);
		if (!ksm)
			break;
		ret = handle_mm_fault(vma, addr, PSHARE_FAULT_BREAK_COW |
				      FAULT_FLAG_REMOTE, NULL);
	} while (!(ret & (PSHARE_VM_FAULT_BROKE_COW | VM_FAULT_SIGBUS |
			  VM_FAULT_SIGSEGV | VM_FAULT_OOM)));
	return (ret & VM_FAULT_OOM) ? -ENOMEM : 0;
}

/**
 * pshare_ops_init() - draw the sample secret, compute the zero page's keys
 *
 * Return: 0.
 */
int pshare_ops_init(void)
{
	pshare_sample_seed = get_random_u64();
	pshare_key_off = get_random_u32_below(PSHARE_SAMPLE_LINES -
					      PSHARE_KEY_LINES + 1) *
			 PSHARE_SAMPLE_LINE;
	pshare_zero_hash = pshare_ops_hash(ZERO_PAGE(0));
	pshare_zero_sample = pshare_ops_sample(ZERO_PAGE(0));
	return 0;
}

/**
 * pshare_ops_drop_orphan_swap() - let an unmapped merged page leave swap
 * @kpage: a merged page with no mapping on record, referenced
 *
 * A merged page that nobody maps may linger in the swap cache after the
 * last swap entry went (an exit whose unmap could not lock it): nothing
 * but reclaim would free it, and its node holds the module. Free its swap
 * slot, which drops the cache's reference, if no swap entry needs it.
 */
void pshare_ops_drop_orphan_swap(struct page *kpage)
{
	struct folio *folio = page_folio(kpage);

	if (!folio_test_swapcache(folio) || folio_mapped(folio) ||
	    !folio_trylock(folio))
		return;
	if (folio_test_swapcache(folio) && !folio_mapped(folio))
		pshare_call(folio_free_swap)(folio);
	folio_unlock(folio);
}
