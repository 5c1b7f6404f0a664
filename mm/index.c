// SPDX-License-Identifier: GPL-2.0-only
/*
 * pshare: the content index. Two structures, both under pshare_engine_lock:
 *
 * - the stable table of merged pages (struct pshare_stable_node), keyed by
 *   (domain, sample, xxh64): the hash of a sample of the content
 *   (pshare_ops_sample()), then of all of it. A page whose sample no node
 *   shares is known to match none without a full hash. Several nodes may
 *   share a key: a full node (max_page_sharing), or a hash collision,
 *   which the byte compare in the merge path catches. It is a chained hash
 *   by (domain, sample): every visit of an unmerged page asks it, and a
 *   lookup costs a bucket and a node or two, where an rbtree took some
 *   log2(nodes) dependent loads. Nodes of one key stay in the order
 *   they came in. It starts with, and shrinks back to, a static table of
 *   STABLE_MIN_BITS, so an insertion never fails; it doubles when the nodes
 *   outnumber its buckets, if memory allows (else its chains grow, and it
 *   tries again at twice as many nodes), and shrinks in pshare_index_fit()
 *   when they are fewer than an eighth.
 *
 * - the hint table, after ESX's hint frames: for a page seen once, an 8-byte
 *   hint naming where it is: (registration id, page index) and 12 bits of
 *   its key, by (domain, sample) or, for a page whose sample is shared by
 *   other content (PSHARE_PM_FULLKEY, see merge.c), by (domain, xxh64).
 *   It is open addressed, probed in two buckets of one cache line each,
 *   and never deleted from: a hint is checked against its page's metadata
 *   when it is found, and a stale one is simply overwritten. A key's slots
 *   fill in probe order and are emptied only all at once (a clear or a
 *   resize), so its hints all lie before the first empty one, where every
 *   probe stops. The table has one 8-byte slot per registered page, plus
 *   an eighth to grow into (a shrink waits until it has half again as many
 *   slots as pages); with the 4-byte page metadata word, a registered page
 *   costs 13 to 16 bytes until it merges.
 */
#include <linux/hash.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "index.h"
#include "kabi.h"
#include "store.h"
#include <pshare/compat.h>

#define STABLE_MIN_BITS	8
static struct hlist_head pshare_stable_min[1 << STABLE_MIN_BITS];
static struct hlist_head *pshare_stable_table = pshare_stable_min;
static unsigned int pshare_stable_bits = STABLE_MIN_BITS;
static unsigned long pshare_stable_count;	/* nodes in the table */
/* The count at which to try to grow again, after a failed attempt. */
static unsigned long pshare_stable_retry;

/* Hint layout: id (16 bits) | page index (36 bits) | tag (12 bits). */
#define HINT_TAG_BITS	12
#define HINT_IDX_BITS	36
/* Two buckets of 8 slots, each one 64-byte cache line. */
#define HINT_BUCKET	8
#define HINT_PROBES	(2 * HINT_BUCKET)
#define HINT_MIN_SLOTS	1024UL
/* Slots are allocated in multiples of this. */
#define HINT_SLOT_STEP	1024UL

static u64 *pshare_hints;
static unsigned long pshare_hint_slots;	/* a multiple of HINT_SLOT_STEP, or 0 */
/* Counts the times every hint was dropped (a resize or a clear). */
static unsigned long pshare_hint_gen;

/**
 * pshare_index_hint_generation() - changes whenever every hint is dropped
 *
 * Return: a count of the resizes and clears of the hint table.
 */
unsigned long pshare_index_hint_generation(void)
{
	return pshare_hint_gen;
}

/* The bucket of key (@domain, @sample), in a table of 2^@bits. */
static unsigned long pshare_stable_hash(u64 domain, u64 sample,
					unsigned int bits)
{
	return hash_64(sample ^ (domain * GOLDEN_RATIO_64), bits);
}

static struct hlist_head *pshare_stable_bucket(u64 domain, u64 sample)
{
	return &pshare_stable_table[pshare_stable_hash(domain, sample,
						       pshare_stable_bits)];
}

/*
 * The first node from @pos on of key (@domain, @sample, *@hash), or of the
 * first two if @hash is NULL.
 */
static struct pshare_stable_node *pshare_stable_from(struct hlist_node *pos,
						     u64 domain, u64 sample,
						     const u64 *hash)
{
	for (; pos; pos = pos->next) {
		struct pshare_stable_node *s =
			hlist_entry(pos, struct pshare_stable_node, node);

		if (s->domain == domain && s->sample == sample &&
		    (!hash || s->hash == *hash))
			return s;
	}
	return NULL;
}

/* Add @node at the end of @head: nodes of one key keep their order. */
static void pshare_stable_append(struct hlist_head *head,
				 struct pshare_stable_node *node)
{
	struct hlist_node *last = head->first;

	if (!last) {
		hlist_add_head(&node->node, head);
		return;
	}
	while (last->next)
		last = last->next;
	hlist_add_behind(&node->node, last);
}

/*
 * Move every node into a table of 2^@bits buckets (the static one if
 * STABLE_MIN_BITS). Returns -ENOMEM, keeping the table, if none can be
 * had.
 */
static int pshare_stable_rehash(unsigned int bits)
{
	unsigned long i, old_n = 1UL << pshare_stable_bits;
	struct hlist_head *table = pshare_stable_min, *old;

	if (bits > STABLE_MIN_BITS) {
		table = pshare_calloc_array(1UL << bits, sizeof(*table));
		if (!table)
			return -ENOMEM;
		pshare_meta_alloced(table, (1UL << bits) * sizeof(*table));
	}
	old = pshare_stable_table;
	pshare_stable_table = table;
	pshare_stable_bits = bits;
	for (i = 0; i < old_n; i++) {
		while (old[i].first) {
			struct pshare_stable_node *s =
				hlist_entry(old[i].first,
					    struct pshare_stable_node, node);

			hlist_del(&s->node);
			pshare_stable_append(pshare_stable_bucket(s->domain,
								  s->sample),
					     s);
		}
	}
	if (old != pshare_stable_min) {
		pshare_meta_freed(old, old_n * sizeof(*old));
		kvfree(old);
	}
	return 0;
}

/**
 * pshare_index_stable_has() - is any page of this sample merged?
 * @domain: sharing domain
 * @sample: hash of the content's sample
 *
 * A page whose sample no merged page shares need not be hashed whole to
 * know that none holds its content.
 *
 * Return: true if a node of (@domain, @sample) exists.
 */
bool pshare_index_stable_has(u64 domain, u64 sample)
{
	return pshare_stable_from(pshare_stable_bucket(domain, sample)->first,
				  domain, sample, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_stable_has);

/**
 * pshare_index_stable_sample() - the first merged page of this sample
 * @domain: sharing domain
 * @sample: hash of the content's sample
 * @alone: set if no other node has (@domain, @sample)
 *
 * Return: the node that came in first, or NULL.
 */
struct pshare_stable_node *pshare_index_stable_sample(u64 domain, u64 sample,
						      bool *alone)
{
	struct pshare_stable_node *node;

	node = pshare_stable_from(pshare_stable_bucket(domain, sample)->first,
				  domain, sample, NULL);
	*alone = node && !pshare_stable_from(node->node.next, domain, sample,
					     NULL);
	return node;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_stable_sample);

/**
 * pshare_index_stable_first() - the first merged page with this key
 * @domain: sharing domain
 * @sample: hash of the content's sample
 * @hash: content hash
 *
 * Return: the node that came in first, or NULL. Walk on with
 * pshare_index_stable_next().
 */
struct pshare_stable_node *pshare_index_stable_first(u64 domain, u64 sample,
						     u64 hash)
{
	return pshare_stable_from(pshare_stable_bucket(domain, sample)->first,
				  domain, sample, &hash);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_stable_first);

/** pshare_index_stable_next() - the next node with the same key, or NULL */
struct pshare_stable_node *
pshare_index_stable_next(struct pshare_stable_node *node)
{
	return pshare_stable_from(node->node.next, node->domain, node->sample,
				  &node->hash);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_stable_next);

/**
 * pshare_index_stable_insert() - add a node, after those of its key
 * @node: the node, keyed, not in the table
 *
 * Context: pshare_engine_lock held.
 */
void pshare_index_stable_insert(struct pshare_stable_node *node)
{
	lockdep_assert_held(&pshare_engine_lock);

	if (pshare_stable_count >= 1UL << pshare_stable_bits &&
	    pshare_stable_count >= pshare_stable_retry &&
	    pshare_stable_bits < 32 &&
	    pshare_stable_rehash(pshare_stable_bits + 1))
		pshare_stable_retry = 2 * pshare_stable_count;
	pshare_stable_append(pshare_stable_bucket(node->domain, node->sample),
			     node);
	pshare_stable_count++;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_stable_insert);

/**
 * pshare_index_stable_erase() - remove a node
 * @node: the node, in the table
 *
 * Context: pshare_engine_lock held.
 */
void pshare_index_stable_erase(struct pshare_stable_node *node)
{
	lockdep_assert_held(&pshare_engine_lock);

	hlist_del_init(&node->node);
	pshare_stable_count--;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_stable_erase);

/**
 * pshare_index_stable_after() - walk every node of the table
 * @node: a node in the table, or NULL to start
 *
 * Return: the node after @node (the first if NULL), or NULL after the last.
 */
struct pshare_stable_node *
pshare_index_stable_after(struct pshare_stable_node *node)
{
	unsigned long i = 0;

	if (node) {
		if (node->node.next)
			return hlist_entry(node->node.next,
					   struct pshare_stable_node, node);
		i = pshare_stable_hash(node->domain, node->sample,
				       pshare_stable_bits) + 1;
	}
	for (; i < 1UL << pshare_stable_bits; i++)
		if (pshare_stable_table[i].first)
			return hlist_entry(pshare_stable_table[i].first,
					   struct pshare_stable_node, node);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_stable_after);

/*
 * The two buckets of a key: its (domain, hash, @full) mixed to 64 bits
 * (hash_64() gives only 32), whose high bits pick the first bucket, and
 * those of its rotation, mixed again, the second. @full: @hash is a full
 * xxh64, not a sample's; the two kinds of key go to different buckets.
 * @base gets the first slot of each. The table is a whole number of
 * buckets and is allocated at least 64-byte aligned (kvmalloc of at least
 * 8 KiB: whole pages, or a power-of-two kmalloc, which is naturally
 * aligned), so a bucket is one cache line.
 */
static void pshare_hint_buckets(u64 domain, u64 hash, bool full,
				unsigned long base[2])
{
	unsigned long buckets = pshare_hint_slots / HINT_BUCKET;
	u64 key = (hash ^ ((domain + full) * GOLDEN_RATIO_64)) *
		  GOLDEN_RATIO_64;

	base[0] = mul_u64_u64_shr(key, buckets, 64) * HINT_BUCKET;
	key = ror64(key, 32) * GOLDEN_RATIO_64;
	base[1] = mul_u64_u64_shr(key, buckets, 64) * HINT_BUCKET;
}

/* Slot @i (0-15) of the two buckets at @base. */
static u64 *pshare_hint_at(const unsigned long base[2], unsigned long i)
{
	return &pshare_hints[base[i / HINT_BUCKET] + i % HINT_BUCKET];
}

static u64 pshare_hint_make(u64 hash, u32 id, unsigned long idx)
{
	return ((u64)id << (HINT_IDX_BITS + HINT_TAG_BITS)) |
	       ((u64)idx << HINT_TAG_BITS) | (hash >> (64 - HINT_TAG_BITS));
}

/**
 * pshare_index_hint_find() - a hinted page that may hold the same content
 * @domain: sharing domain
 * @hash: hash of the content's sample, or of all of it if @full
 * @full: look among the pages keyed by their full hash (PSHARE_PM_FULLKEY)
 * @self_id: registration of the page looking, which is never returned
 * @self_idx: its page index
 * @pos: where to go on looking; 0 on the first call
 * @id: out, the hint's registration
 * @idx: out, the hint's page index
 *
 * The hint may be stale, or another content under a colliding hash: the
 * caller checks it against the page metadata, compares the bytes, and if
 * need be calls again with the same @pos for the next candidate.
 *
 * Return: true if a hint with a matching tag was found.
 */
bool pshare_index_hint_find(u64 domain, u64 hash, bool full, u32 self_id,
			    unsigned long self_idx, unsigned int *pos,
			    u32 *id, unsigned long *idx)
{
	u64 tag = hash >> (64 - HINT_TAG_BITS);
	unsigned long i, base[2];

	if (!pshare_hint_slots)
		return false;
	pshare_hint_buckets(domain, hash, full, base);
	for (i = *pos; i < HINT_PROBES; i++) {
		u64 h = *pshare_hint_at(base, i);
		u32 hid = h >> (HINT_IDX_BITS + HINT_TAG_BITS);
		unsigned long hidx = (h >> HINT_TAG_BITS) &
				     ((1UL << HINT_IDX_BITS) - 1);

		if (!h)
			break;	/* the rest is empty too: see the top */
		if ((h & ((1 << HINT_TAG_BITS) - 1)) != tag)
			continue;
		if (hid == self_id && hidx == self_idx)
			continue;
		*pos = i + 1;
		*id = hid;
		*idx = hidx;
		return true;
	}
	*pos = HINT_PROBES;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_hint_find);

/*
 * Must the hint in @h, among the keys of kind @full, be kept? Yes while its
 * page is unshared and keyed by that kind, unless the estimate mode found
 * the page an earlier twin (PSHARE_PM_EST_DUP): the first copy of a
 * content is hinted and pairs every later one, so the later copies' hints
 * only fill the table, and a full probe window would overwrite live hints
 * and lose pairs from the estimate.
 */
static bool pshare_hint_live(u64 h, bool full)
{
	u32 hid = h >> (HINT_IDX_BITS + HINT_TAG_BITS);
	unsigned long hidx = (h >> HINT_TAG_BITS) & ((1UL << HINT_IDX_BITS) - 1);
	struct pshare_range *r = h ? pshare_range_by_id(hid) : NULL;
	u32 m;

	if (!r || hidx >= r->npages)
		return false;
	m = r->meta[hidx];
	return (m & PSHARE_PM_CLASS) == PSHARE_PM_UNSHARED &&
	       !(m & PSHARE_PM_EST_DUP) && !(m & PSHARE_PM_FULLKEY) == !full;
}

/*
 * Put the hint of (@id, @idx) in the first empty slot of its two buckets,
 * else the first stale one, else, if @evict, in a live hint's slot: the
 * one that @hash and @idx pick, so that neither the copies of one content
 * nor two contents whose buckets coincide take the same slot from each
 * other at every turn. Returns false if the hint found no place.
 */
static bool pshare_hint_put(u64 domain, u64 hash, bool full, u32 id,
			    unsigned long idx, bool evict)
{
	u64 hint = pshare_hint_make(hash, id, idx);
	unsigned long i, free = HINT_PROBES, base[2];

	if (!pshare_hint_slots)
		return false;
	pshare_hint_buckets(domain, hash, full, base);
	for (i = 0; i < HINT_PROBES; i++) {
		u64 h = *pshare_hint_at(base, i);

		if (h == hint)
			return true;
		if (!h) {
			free = i;
			break;
		}
	}
	/* No empty slot: a stale one, found by its page's metadata. */
	for (i = 0; free == HINT_PROBES && i < HINT_PROBES; i++) {
		if (!pshare_hint_live(*pshare_hint_at(base, i), full))
			free = i;
	}
	if (free == HINT_PROBES) {
		if (!evict)
			return false;
		free = (hash ^ idx) & (HINT_PROBES - 1);
	}
	*pshare_hint_at(base, free) = hint;
	return true;
}

/**
 * pshare_index_hint_insert() - remember a page seen once
 * @domain: sharing domain
 * @hash: hash of the content's sample, or of all of it if @full
 * @full: the page is keyed by its full hash (PSHARE_PM_FULLKEY)
 * @id: its registration
 * @idx: its page index
 *
 * Takes an empty or stale slot of the key's two buckets, else a live
 * hint's; a page already there is not entered twice.
 */
void pshare_index_hint_insert(u64 domain, u64 hash, bool full, u32 id,
			      unsigned long idx)
{
	pshare_hint_put(domain, hash, full, id, idx, true);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_hint_insert);

/**
 * pshare_index_hint_offer() - remember a page that has a twin already
 * @domain: sharing domain
 * @hash: hash of the content's sample, or of all of it if @full
 * @full: the page is keyed by its full hash (PSHARE_PM_FULLKEY)
 * @id: its registration
 * @idx: its page index
 *
 * As pshare_index_hint_insert(), but only into an empty or stale slot: a
 * page whose content is hinted already (a subpage of a huge page that
 * stays whole, one of many copies) adds nothing worth a live hint. Were
 * it to evict, the copies inside huge pages would fill a content's
 * buckets and, visit after visit, push out the hint of a small page whose
 * twin was about to find it.
 *
 * Return: true if the page is hinted.
 */
bool pshare_index_hint_offer(u64 domain, u64 hash, bool full, u32 id,
			     unsigned long idx)
{
	return pshare_hint_put(domain, hash, full, id, idx, false);
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_hint_offer);

/** pshare_index_hint_clear() - forget every hint */
void pshare_index_hint_clear(void)
{
	if (pshare_hints)
		memset(pshare_hints, 0, pshare_hint_slots * sizeof(u64));
	pshare_hint_gen++;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_hint_clear);

/**
 * pshare_index_resize() - size the hint table for @pages registered pages
 * @pages: pages registered in all
 *
 * One slot per page and an eighth more, in steps of HINT_SLOT_STEP: so a
 * few pages registered more do not drop the hints. The table grows when
 * there are more pages than slots, and shrinks when it has half again as
 * many slots as pages; between the two, a page costs 8 to 12 bytes here.
 * Hints are only hints: a resize drops them and the next pass puts them
 * back.
 *
 * Return: 0, or -ENOMEM (the old table stays).
 */
int pshare_index_resize(unsigned long pages)
{
	unsigned long have = pshare_hint_slots, slots = 0;
	u64 *table = NULL;

	if (pages) {
		unsigned long most = max(pages + pages / 2, HINT_MIN_SLOTS);

		if (pages <= have && have <= most)
			return 0;
		slots = round_up(max(pages + pages / 8, HINT_MIN_SLOTS),
				 HINT_SLOT_STEP);
	}
	if (slots == have)
		return 0;
	if (slots) {
		table = pshare_calloc_array(slots, sizeof(u64));
		if (!table)
			return -ENOMEM;
	}
	if (pshare_hints)
		pshare_meta_freed(pshare_hints, pshare_hint_slots * sizeof(u64));
	if (table)
		pshare_meta_alloced(table, slots * sizeof(u64));
	kvfree(pshare_hints);
	pshare_hints = table;
	pshare_hint_slots = slots;
	pshare_hint_gen++;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pshare_index_resize);

/**
 * pshare_index_fit() - size the hint table for the pages now registered
 *
 * A resize drops every hint; the store then has every page visited again.
 * Context: pshare_engine_lock held.
 */
void pshare_index_fit(void)
{
	unsigned long gen = pshare_index_hint_generation();

	lockdep_assert_held(&pshare_engine_lock);

	pshare_index_resize(pshare_store_registered());
	if (gen != pshare_index_hint_generation())
		pshare_hints_dropped();
	/* Merged pages went: the stable table to twice their number. */
	if (pshare_stable_bits > STABLE_MIN_BITS &&
	    pshare_stable_count < (1UL << pshare_stable_bits) / 8)
		pshare_stable_rehash(max_t(unsigned int, STABLE_MIN_BITS,
					   order_base_2(2 * pshare_stable_count)));
}

/** pshare_index_exit() - free the hint and stable tables; no node is left */
void pshare_index_exit(void)
{
	pshare_index_resize(0);
	if (!WARN_ON_ONCE(pshare_stable_count))
		pshare_stable_rehash(STABLE_MIN_BITS);
}
