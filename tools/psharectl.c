// SPDX-License-Identifier: GPL-2.0-only
/*
 * psharectl: the pshare operator's command line.
 *
 *   psharectl status|list|estimate [--json]
 *   psharectl get [NAME...]            psharectl set NAME=VALUE...
 *   psharectl register|unregister|enable|disable --pid PID [--range S:L]
 *   psharectl domain --pid PID SALT    psharectl version
 *   psharectl metrics [--output FILE]  (Prometheus text format)
 *   psharectl apply FILE               psharectl load FILE
 *                                      (/etc/pshare/pshare.conf)
 *
 * Exit status: 0 done, 1 a system call failed, 2 usage or a bad value.
 * PSHARE_SYSFS, PSHARE_PARAMS and PSHARE_DEV replace the default paths.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pshare/tunables.h>
#include "common.h"

#define EXIT_SYS	1
#define EXIT_USAGE	2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum tun_type {
	TUN_UINT,	/* a decimal number in [min, max] */
	TUN_CHOICE,	/* one of choices[], read back as "a [b] c" */
	TUN_THRESHOLDS,	/* four strictly decreasing integers in [min, max] */
};

/**
 * struct tunable - a writable pshare setting, as the admin guide gives it
 * @name: file name
 * @type: how values are checked
 * @min: smallest valid number
 * @max: largest valid number
 * @names: %TUN_UINT: words accepted for 0, 1, ...; %TUN_CHOICE: the choices
 * @param: a module parameter (PSHARE_PARAMS) rather than a sysfs file
 * @help: unit and meaning, for "get --help"
 * @has_def: @def is the default, which "get --help" adds to @help
 * @def: the default
 */
struct tunable {
	const char *name;
	enum tun_type type;
	unsigned long long min, max;
	const char *const *names;
	bool param;
	const char *help;
	bool has_def;
	unsigned long long def;
};

/* A numeric tunable, its range and default from <pshare/tunables.h>. */
#define TUN_NUMBER(name, choices, text)					\
	{ #name, TUN_UINT, PSHARE_TUN_MIN_##name, PSHARE_TUN_MAX_##name,	\
	  choices, false, text, true, PSHARE_TUN_DEF_##name }

static const char *const run_names[] = {
	"stop", "merge", "unmerge", "estimate", NULL
};

static const char *const thp_names[] = { "never", "pressure", "always", NULL };

static const struct tunable tunables[] = {
	TUN_NUMBER(run, run_names,
		   "0 stop, 1 merge, 2 unmerge all, 3 estimate: scan and hash only"),
	TUN_NUMBER(sleep_millisecs, NULL, "scanner period, ms"),
	TUN_NUMBER(max_page_sharing, NULL, "most mappings of one merged page"),
	TUN_NUMBER(scan_mb_per_ghz, NULL,
		   "host-wide scan cap, MiB/s per GHz of CPU; 0 stops"),
	TUN_NUMBER(rate_max_pages, NULL,
		   "scan rate cap of each registration, pages/s"),
	TUN_NUMBER(scan_time_secs, NULL,
		   "target time to scan a registration once, s"),
	TUN_NUMBER(max_cpu_percent, NULL, "scanner CPU cap, % of one CPU"),
	{ "thp_split", TUN_CHOICE, 0, 2, thp_names, false,
	  "when huge pages are split: never, pressure (default), always",
	  false, 0 },
	{ "mem_thresholds", TUN_THRESHOLDS, 0, 99, NULL, false,
	  "high soft hard low memory states, % of memory (default \"6 4 2 1\")",
	  false, 0 },
	TUN_NUMBER(salting, NULL,
		   "0 one common domain, 1 salts only, 2 salts or a domain per process"),
	TUN_NUMBER(zero_across_domains, NULL,
		   "1: zero pages map to the zero page across domains"),
	TUN_NUMBER(smart_scan, NULL,
		   "1: pages that stay unique and unchanged are visited less often"),
	TUN_NUMBER(first_scan, NULL,
		   "1: memory new to pshare is scanned at the host caps, not at scan_time_secs"),
	TUN_NUMBER(merge_across_nodes, NULL,
		   "1: pages merge across NUMA nodes, 0: only within a node (change after run=2)"),
	{ "madvise", TUN_UINT, 0, 1, NULL, true,
	  "module parameter, 1: madvise(MADV_MERGEABLE) registers with pshare",
	  false, 0 },
};

/* Read-only files, refused by "set" even where the module lacks them. */
static const char *const readonly_names[] = {
	"full_scans", "pages_shared", "pages_sharing", "pages_unshared",
	"pages_volatile", "zero_pages_sharing", "metadata_bytes",
	"general_profit", "pages_scanned", "pages_skipped", "pages_merged",
	"scan_cpu_msecs", "cpu_throttled", "cpu_mhz", "scan_cap_pages",
	"scan_rate_pages",
	"memory_state", "memory_state_entries", "shrinker_calls",
	"pages_hashed", "sample_misses",
	"thp_scanned", "thp_skipped", "thp_splits", "thp_split_candidates",
	"thp_dup_subpages", "version", "estimate_pages",
	"estimate_zero_pages", "group", "hash_bits", "require_symbol",
	"fail_init",
};

static const char *prog = "psharectl";

static void sys_error(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
}

/* Explain the usual errors of the target ioctls and of open(). */
static void hint(int err)
{
	const char *h = NULL;

	switch (err) {
	case ENOENT:
		h = "is the pshare module loaded? Try modprobe pshare";
		break;
	case EACCES:
		h = "the device node's mode denies you: run as root, or see the udev rule in Documentation/tools.rst";
		break;
	case EPERM:
		h = "needs CAP_SYS_ADMIN (or the pshare group= for /dev/pshare), and the right to ptrace the target";
		break;
	case ESRCH:
		h = "no such process";
		break;
	case ENOTTY:
		h = "the loaded pshare module does not know this request (older than these tools?)";
		break;
	}
	if (h)
		fprintf(stderr, "%s: hint: %s\n", prog, h);
}

static const struct tunable *find_tunable(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tunables); i++)
		if (!strcmp(tunables[i].name, name))
			return &tunables[i];
	return NULL;
}

static const char *tunable_dir(const struct tunable *t)
{
	return t->param ? ps_params_dir() : ps_sysfs_dir();
}

/* A file name that stays inside its directory. */
static bool safe_name(const char *name)
{
	return *name && *name != '.' && !strchr(name, '/');
}

static bool is_readonly(const char *name)
{
	char buf[PS_VALUE_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(readonly_names); i++)
		if (!strcmp(readonly_names[i], name))
			return true;
	if (!safe_name(name))
		return false;
	/* Any other file of the module that is not a tunable. */
	return ps_read_file(ps_sysfs_dir(), name, buf, sizeof(buf)) != -ENOENT ||
	       ps_read_file(ps_params_dir(), name, buf, sizeof(buf)) != -ENOENT;
}

/*
 * Parse an unsigned number: decimal or 0x hex, and with @suffix a K, M, G
 * or T (binary) multiplier. Returns false for junk and overflow.
 */
static bool parse_u64(const char *s, bool suffix, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	if (suffix && *end) {
		switch (*end) {
		case 'k': case 'K':
			shift = 10;
			break;
		case 'm': case 'M':
			shift = 20;
			break;
		case 'g': case 'G':
			shift = 30;
			break;
		case 't': case 'T':
			shift = 40;
			break;
		default:
			return false;
		}
		end++;
	}
	if (*end)
		return false;
	if (shift && v > (ULLONG_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/**
 * check_value() - validate a value for a tunable, before anything is written
 * @t: the tunable
 * @val: what the user gave
 * @out: the text to write, normalised
 * @len: size of @out
 *
 * Return: NULL if valid, else why not.
 */
static const char *check_value(const struct tunable *t, const char *val,
			       char *out, size_t len)
{
	unsigned long long v[4];
	char *end;
	size_t i;

	switch (t->type) {
	case TUN_UINT:
		for (i = 0; t->names && t->names[i]; i++) {
			if (!strcmp(val, t->names[i])) {
				snprintf(out, len, "%zu", i);
				return NULL;
			}
		}
		if (!ps_is_decimal(val))
			return "not a decimal number";
		errno = 0;
		v[0] = strtoull(val, &end, 10);
		if (errno || v[0] < t->min || v[0] > t->max)
			return "out of range";
		snprintf(out, len, "%llu", v[0]);
		return NULL;
	case TUN_CHOICE:
		for (i = 0; t->names[i]; i++) {
			if (!strcmp(val, t->names[i])) {
				snprintf(out, len, "%s", val);
				return NULL;
			}
		}
		return "not one of the choices";
	case TUN_THRESHOLDS:
		for (i = 0; i < 4; i++) {
			while (*val == ' ' || *val == ',')
				val++;
			if (*val < '0' || *val > '9')
				return "needs four numbers, like \"6 4 2 1\"";
			errno = 0;
			v[i] = strtoull(val, &end, 10);
			if (errno || v[i] < t->min || v[i] > t->max)
				return "out of range";
			if (i && v[i] >= v[i - 1])
				return "each threshold must be lower than the one before";
			val = end;
			if (*val && *val != ' ' && *val != ',')
				return "not a list of numbers";
		}
		while (*val == ' ' || *val == ',')
			val++;
		if (*val)
			return "needs exactly four numbers";
		snprintf(out, len, "%llu %llu %llu %llu", v[0], v[1], v[2], v[3]);
		return NULL;
	}
	return "unknown type";
}

/* The valid values of a tunable, for messages. */
static void describe_range(const struct tunable *t, char *buf, size_t len)
{
	size_t i, used = 0;

	switch (t->type) {
	case TUN_UINT:
		snprintf(buf, len, "%llu to %llu", t->min, t->max);
		break;
	case TUN_CHOICE:
		buf[0] = '\0';
		for (i = 0; t->names[i]; i++)
			used += snprintf(buf + used, used < len ? len - used : 0,
					 "%s%s", i ? ", " : "", t->names[i]);
		break;
	case TUN_THRESHOLDS:
		snprintf(buf, len, "four integers %llu to %llu, each lower than the one before",
			 t->min, t->max);
		break;
	}
}

/*
 * Read a tunable's value as the user writes it: the choice of thp_split,
 * 0 or 1 for a boolean module parameter.
 */
static int read_tunable(const struct tunable *t, char *buf, size_t len)
{
	char raw[PS_VALUE_MAX];
	int ret;

	ret = ps_read_file(tunable_dir(t), t->name, raw, sizeof(raw));
	if (ret)
		return ret;
	if (t->type == TUN_CHOICE && ps_bracketed(raw, buf, len))
		return 0;
	if (t->param && (!strcmp(raw, "Y") || !strcmp(raw, "N"))) {
		snprintf(buf, len, "%d", raw[0] == 'Y');
		return 0;
	}
	snprintf(buf, len, "%s", raw);
	return 0;
}

/* Usage and option parsing */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct command *cur_cmd;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cur_cmd)
		fprintf(stderr, "usage: psharectl %s\n", cur_cmd->usage);
	fprintf(stderr, "Try 'psharectl %s%s--help'.\n",
		cur_cmd ? cur_cmd->name : "", cur_cmd ? " " : "");
	return EXIT_USAGE;
}

static int command_help(void)
{
	printf("usage: psharectl %s\n\n%s", cur_cmd->usage, cur_cmd->help);
	return 0;
}

/* Options common to the commands */
struct opts {
	bool json;
	bool mib;
	bool values;
	int pid;
	bool have_range;
	uint64_t start, length;
	bool have_domain;
	uint64_t domain;
	uint32_t weight;
	const char *output;
};

enum {
	OPT_HELP = 'h',
	OPT_JSON = 'j',
	OPT_PID = 'p',
	OPT_RANGE = 'r',
	OPT_DOMAIN = 'D',
	OPT_WEIGHT = 'w',
	OPT_MIB = 'm',
	OPT_VALUES = 'n',
	OPT_OUTPUT = 'o',
};

static bool parse_range(const char *s, struct opts *o)
{
	char buf[128], *colon;
	long page = ps_page_size();

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (!colon)
		return false;
	*colon = '\0';
	if (!parse_u64(buf, true, &o->start) ||
	    !parse_u64(colon + 1, true, &o->length))
		return false;
	if (!o->length || o->start % page || o->length % page ||
	    o->start + o->length < o->start)
		return false;
	o->have_range = true;
	return true;
}

/*
 * Parse the options a command allows (@allowed: the OPT_* letters). Returns
 * -1 to go on, or the exit status (help, usage error). Positional
 * arguments are left at argv[optind...].
 */
static int parse_opts(int argc, char **argv, const char *allowed,
		      struct opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "range", required_argument, NULL, OPT_RANGE },
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "weight", required_argument, NULL, OPT_WEIGHT },
		{ "mib", no_argument, NULL, OPT_MIB },
		{ "values", no_argument, NULL, OPT_VALUES },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hjp:r:mno:", longopts, NULL)) != -1) {
		if (c == OPT_HELP)
			return command_help();
		if (c == '?' || c == ':' || !strchr(allowed, c)) {
			const char *opt = argv[optind - 1];

			if (c == '?' || c == ':')
				return usage_error("bad option '%s'", opt);
			/* "--pid 5": the option, not its argument */
			if (strchr("prDwo", c) && optind >= 3 && optarg == opt)
				opt = argv[optind - 2];
			return usage_error("option '%s' is not for %s", opt,
					   cur_cmd->name);
		}
		switch (c) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_MIB:
			o->mib = true;
			break;
		case OPT_VALUES:
			o->values = true;
			break;
		case OPT_OUTPUT:
			if (!*optarg)
				return usage_error("--output needs a file name");
			o->output = optarg;
			break;
		case OPT_PID:
			if (!parse_u64(optarg, false, &v) || !v || v > INT_MAX)
				return usage_error("--pid needs a process id, not '%s'", optarg);
			o->pid = (int)v;
			break;
		case OPT_RANGE:
			if (!parse_range(optarg, o))
				return usage_error("--range needs START:LENGTH, page aligned, LENGTH not 0, not '%s'",
						   optarg);
			break;
		case OPT_DOMAIN:
			if (!parse_u64(optarg, false, &v) || v >= PSHARE_DOMAIN_PROCESS)
				return usage_error("--domain needs a salt below 2^63, not '%s'", optarg);
			o->domain = v;
			o->have_domain = true;
			break;
		case OPT_WEIGHT:
			if (!parse_u64(optarg, false, &v) || v > 10000)
				return usage_error("--weight needs 1 to 10000 (0: the default, 100), not '%s'",
						   optarg);
			o->weight = (uint32_t)v;
			break;
		}
	}
	if (strchr(allowed, OPT_PID) && !o->pid)
		return usage_error("--pid PID is required");
	return -1;
}

/* Processes */

static int list_error(int err, const char **why)
{
	switch (err) {
	case -ENOENT:
		*why = "is the module loaded?";
		break;
	case -EPERM:
		*why = "PSHARE_IOC_LIST needs CAP_SYS_ADMIN";
		break;
	case -EACCES:
		*why = "the device node's mode denies you";
		break;
	case -ENOTTY:
		*why = "the loaded module has no PSHARE_IOC_LIST";
		break;
	default:
		*why = NULL;
	}
	return err;
}

/* Why the processes are missing, as one line of text. */
static void list_failure(char *buf, size_t len, int err)
{
	const char *why;

	list_error(err, &why);
	snprintf(buf, len, "%s: %s%s%s%s", ps_dev_path(), strerror(-err),
		 why ? " (" : "", why ? why : "", why ? ")" : "");
}

static int cmp_pid(const void *a, const void *b)
{
	const struct pshare_proc_info *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * The processes of PSHARE_IOC_LIST, sorted by pid. Return: 0, or a negative
 * errno with the reason in @why.
 */
static int load_procs(struct pshare_proc_info **procs, size_t *nr, char *why,
		      size_t len)
{
	int ret = ps_list(procs, nr);

	if (ret)
		list_failure(why, len, ret);
	else if (*nr)
		qsort(*procs, *nr, sizeof(**procs), cmp_pid);
	return ret;
}

static void print_comm(char *buf, const struct pshare_proc_info *p)
{
	memcpy(buf, p->comm, sizeof(p->comm));
	buf[sizeof(p->comm)] = '\0';
}

/* The figures of a process that are summed per domain. */
enum proc_field {
	PF_REGISTERED,
	PF_SHARED,
	PF_SHARING,
	PF_ZERO,
	PF_SAVED,
	PF_EST_SAVED,
	PF_EST_ZERO,
	PF_THP_HELD,
	PF_COUNT
};

static uint64_t proc_field(const struct pshare_proc_info *p,
			   enum proc_field f)
{
	switch (f) {
	case PF_REGISTERED:
		return p->registered;
	case PF_SHARED:
		return p->shared;
	case PF_SHARING:
		return p->sharing;
	case PF_ZERO:
		return p->zero;
	case PF_SAVED:
		return p->saved;
	case PF_EST_SAVED:
		return p->est_saved;
	case PF_EST_ZERO:
		return p->est_zero;
	case PF_THP_HELD:
		return p->thp_held;
	case PF_COUNT:
		break;
	}
	return 0;
}

/**
 * struct dom_sum - the processes of one domain, summed
 * @domain: the domain (a process with registrations in several domains
 *	    counts in its first one's, as PSHARE_IOC_LIST gives it)
 * @procs: its processes
 * @mixed: one of them has registrations in several domains
 * @sum: the sums of their &enum proc_field figures
 */
struct dom_sum {
	uint64_t domain;
	unsigned int procs;
	bool mixed;
	uint64_t sum[PF_COUNT];
};

/*
 * The domains of @procs, in the order met, in a malloc()ed array of
 * @ndom entries; NULL when @nr is 0 or memory is short (@ndom 0).
 */
static struct dom_sum *sum_domains(const struct pshare_proc_info *procs,
				   size_t nr, size_t *ndom)
{
	struct dom_sum *doms = nr ? calloc(nr, sizeof(*doms)) : NULL;
	size_t i, j, n = 0;
	int f;

	*ndom = 0;
	if (!doms)
		return NULL;
	for (i = 0; i < nr; i++) {
		for (j = 0; j < n; j++)
			if (doms[j].domain == procs[i].domain)
				break;
		if (j == n)
			doms[n++].domain = procs[i].domain;
		doms[j].procs++;
		doms[j].mixed |= !!(procs[i].flags & PSHARE_PROC_MIXED);
		for (f = 0; f < PF_COUNT; f++)
			doms[j].sum[f] += proc_field(&procs[i], f);
	}
	*ndom = n;
	return doms;
}

static void print_proc_table(const struct pshare_proc_info *procs, size_t nr,
			     bool mib)
{
	uint64_t tot[6] = { 0 };
	size_t i, j;

	printf("%7s %-16s %-12s %-16s %6s %12s %12s %12s %12s %12s %12s\n",
	       "PID", "COMMAND", "DOMAIN", "FLAGS", "RANGES",
	       mib ? "REG_MiB" : "REGISTERED", mib ? "SHARED_MiB" : "SHARED",
	       mib ? "SHARING_MiB" : "SHARING", mib ? "ZERO_MiB" : "ZERO",
	       mib ? "SAVED_MiB" : "SAVED", mib ? "HELD_MiB" : "HELD");
	for (i = 0; i < nr; i++) {
		const struct pshare_proc_info *p = &procs[i];
		uint64_t f[6] = { p->registered, p->shared, p->sharing,
				  p->zero, p->saved, p->thp_held };
		char comm[sizeof(p->comm) + 1], dom[32], flags[64];

		print_comm(comm, p);
		ps_domain_str(p->domain, dom, sizeof(dom));
		ps_flags_str(p->flags, flags, sizeof(flags));
		printf("%7d %-16s %-12s %-16s %6u", p->pid, comm, dom, flags,
		       p->nr_ranges);
		for (j = 0; j < 6; j++) {
			tot[j] += f[j];
			if (mib)
				printf(" %12.1f", ps_mib(f[j]));
			else
				printf(" %12" PRIu64, f[j]);
		}
		printf("\n");
	}
	printf("%7s %-16s %-12s %-16s %6s", "", "TOTAL", "", "", "");
	for (j = 0; j < 6; j++) {
		if (mib)
			printf(" %12.1f", ps_mib(tot[j]));
		else
			printf(" %12" PRIu64, tot[j]);
	}
	printf("\n");
}

static void print_procs_json(const struct pshare_proc_info *procs, size_t nr)
{
	size_t i;

	printf("[");
	for (i = 0; i < nr; i++) {
		printf("%s\n", i ? "," : "");
		ps_json_proc(stdout, &procs[i], "    ");
	}
	printf("%s]", nr ? "\n  " : "");
}

/**
 * struct thp_held - what the huge pages hold back, from sysfs
 * @pages: thp_dup_subpages, the duplicate subpages of the split
 *	   candidates; -1 when the module lacks the file
 * @candidates: thp_split_candidates, or -1
 * @policy: thp_split, the choice in force, or "?"
 */
struct thp_held {
	int64_t pages;
	int64_t candidates;
	char policy[PS_VALUE_MAX];
};

/* Why held pages are not shared: thp_split=pressure with pages held. */
static const char thp_held_note[] =
	"huge pages are kept whole until memory is short; psharectl set thp_split=always shares them at once, as the kernel's KSM does";

static void read_thp_held(struct thp_held *h)
{
	h->pages = ps_get_s64("thp_dup_subpages", -1);
	h->candidates = ps_get_s64("thp_split_candidates", -1);
	if (read_tunable(find_tunable("thp_split"), h->policy,
			 sizeof(h->policy)))
		snprintf(h->policy, sizeof(h->policy), "?");
}

static bool thp_held_noted(const struct thp_held *h)
{
	return h->pages > 0 && !strcmp(h->policy, "pressure");
}

/*
 * The host's savings in one line, from sysfs; then what the huge pages
 * hold back, if the module counts it, and why, under thp_split=pressure.
 */
static void print_host_summary(void)
{
	int64_t sharing = ps_get_s64("pages_sharing", 0);
	int64_t zero = ps_get_s64("zero_pages_sharing", 0);
	int64_t meta = ps_get_s64("metadata_bytes", 0);
	int64_t profit = ps_get_s64("general_profit", 0);
	struct thp_held h;

	printf("host: saved %.1f MiB (%" PRId64 " pages: %" PRId64
	       " shared mappings + %" PRId64 " zero), metadata %.1f MiB, profit %.1f MiB\n",
	       ps_mib(sharing + zero), sharing + zero, sharing, zero,
	       meta / 1048576.0, profit / 1048576.0);
	read_thp_held(&h);
	if (h.pages < 0)
		return;		/* an older module */
	printf("host: held %.1f MiB in huge pages (%" PRId64
	       " duplicate pages in %" PRId64 " split candidates), thp_split %s\n",
	       ps_mib(h.pages), h.pages, h.candidates < 0 ? 0 : h.candidates,
	       h.policy);
	if (thp_held_noted(&h))
		printf("note: %s\n", thp_held_note);
}

static const char list_help[] =
	"Lists the processes with pshare registrations (PSHARE_IOC_LIST, which\n"
	"needs CAP_SYS_ADMIN): pid, command, domain (proc:N is a process's own\n"
	"domain, a number is a salt), flags (whole, disabled, madvise, mixed),\n"
	"registrations, the registered, shared, sharing, zero and saved figures,\n"
	"and held: the pages it would save but holds in huge pages, which pshare\n"
	"keeps whole until memory is short (thp_split=pressure).\n"
	"\n"
	"  --json    JSON: every figure in pages and in MiB\n"
	"  -m, --mib figures in MiB instead of pages\n";

static int cmd_list(int argc, char **argv)
{
	struct pshare_proc_info *procs = NULL;
	struct opts o;
	size_t nr = 0;
	char why[256];
	int ret;

	ret = parse_opts(argc, argv, "jm", &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	ret = load_procs(&procs, &nr, why, sizeof(why));
	if (o.json) {
		printf("{\n  \"processes\": ");
		if (ret) {
			printf("null,\n  \"processes_error\": ");
			ps_json_str(stdout, why);
		} else {
			print_procs_json(procs, nr);
		}
		printf("\n}\n");
	} else {
		print_host_summary();
		if (ret)
			printf("processes: not shown: %s\n", why);
		else
			print_proc_table(procs, nr, o.mib);
	}
	free(procs);
	if (ret) {
		fprintf(stderr, "%s: list: %s\n", prog, why);
		return EXIT_SYS;
	}
	return 0;
}

/* status */

static int file_rank(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tunables); i++)
		if (!strcmp(tunables[i].name, name))
			return (int)i;
	return (int)ARRAY_SIZE(tunables);
}

/* Tunables first, in the table's order, then the rest alphabetically. */
static int cmp_files(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int rx = file_rank(x), ry = file_rank(y);

	return rx != ry ? rx - ry : strcmp(x, y);
}

/* The files of @dir, sorted; their count, or a negative errno. */
static int dir_files(const char *dir, char ***out)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char **p;

		if (de->d_name[0] == '.')
			continue;
		p = realloc(names, (n + 1) * sizeof(*names));
		if (!p)
			break;
		names = p;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_files);
	*out = names;
	return (int)n;
}

static void free_files(char **names, int n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

/*
 * Print every file of @dir: as "  name  value" lines, or as the members of
 * a JSON object (the unreadable ones in a second object, @errors).
 */
static int dump_dir(const char *dir, bool json, const char *errors)
{
	char **names = NULL, val[PS_VALUE_MAX];
	int n, i, ret, nerr = 0, nval = 0;

	n = dir_files(dir, &names);
	if (n < 0)
		return n;
	if (json)
		printf("{");
	for (i = 0; i < n; i++) {
		ret = ps_read_file(dir, names[i], val, sizeof(val));
		if (!json) {
			if (ret)
				printf("  %-22s (unreadable: %s)\n", names[i],
				       strerror(-ret));
			else
				printf("  %-22s %s\n", names[i], val);
			continue;
		}
		if (ret) {
			nerr++;
			continue;
		}
		printf("%s\n    ", nval++ ? "," : "");
		ps_json_str(stdout, names[i]);
		printf(": ");
		ps_json_value(stdout, val);
	}
	if (json) {
		printf("%s}", nval ? "\n  " : "");
		if (errors) {
			printf(",\n  \"%s\": {", errors);
			for (i = 0, nval = 0; i < n && nerr; i++) {
				ret = ps_read_file(dir, names[i], val, sizeof(val));
				if (!ret)
					continue;
				printf("%s\n    ", nval++ ? "," : "");
				ps_json_str(stdout, names[i]);
				printf(": ");
				ps_json_str(stdout, strerror(-ret));
			}
			printf("%s}", nval ? "\n  " : "");
		}
	}
	free_files(names, n);
	return 0;
}

static const char *run_name(int64_t run)
{
	return run >= 0 && run < 4 ? run_names[run] : "?";
}

static void sysfs_missing(int err)
{
	fprintf(stderr, "%s: %s: %s%s\n", prog, ps_sysfs_dir(), strerror(-err),
		err == -ENOENT ? " (is the pshare module loaded?)" : "");
}

static const char status_help[] =
	"Shows what pshare saves and what it holds in huge pages (thp_dup_subpages,\n"
	"which thp_split=pressure, the default, keeps until memory is short),\n"
	"every file of the pshare sysfs directory (the host's figures and\n"
	"tunables), the module's parameters and the processes with\n"
	"registrations. Without /dev/pshare (or CAP_SYS_ADMIN) the processes are\n"
	"left out, with the reason, and the rest is still shown.\n"
	"\n"
	"  --json    JSON instead of text\n"
	"  -m, --mib process figures in MiB instead of pages\n";

static int cmd_status(int argc, char **argv)
{
	struct pshare_proc_info *procs = NULL;
	char why[256], ver[PS_VALUE_MAX], state[PS_VALUE_MAX];
	int64_t run, sharing, zero;
	struct thp_held h;
	size_t nr = 0;
	struct opts o;
	int ret, lret;

	ret = parse_opts(argc, argv, "jm", &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	ret = ps_read_file(ps_sysfs_dir(), "version", ver, sizeof(ver));
	if (ret == -ENOENT && access(ps_sysfs_dir(), F_OK)) {
		sysfs_missing(ret);
		return EXIT_SYS;
	}
	if (ret)
		snprintf(ver, sizeof(ver), "?");
	if (ps_read_file(ps_sysfs_dir(), "memory_state", state, sizeof(state)))
		snprintf(state, sizeof(state), "?");
	run = ps_get_s64("run", -1);
	sharing = ps_get_s64("pages_sharing", 0);
	zero = ps_get_s64("zero_pages_sharing", 0);
	read_thp_held(&h);
	lret = load_procs(&procs, &nr, why, sizeof(why));

	if (o.json) {
		printf("{\n  \"sysfs\": ");
		ps_json_str(stdout, ps_sysfs_dir());
		printf(",\n  \"saved_pages\": %" PRId64 ",\n  \"saved_mib\": %.2f",
		       sharing + zero, ps_mib(sharing + zero));
		if (h.pages >= 0)
			printf(",\n  \"thp_held_pages\": %" PRId64
			       ",\n  \"thp_held_mib\": %.2f", h.pages,
			       ps_mib(h.pages));
		else
			printf(",\n  \"thp_held_pages\": null,\n  \"thp_held_mib\": null");
		if (h.candidates >= 0)
			printf(",\n  \"thp_split_candidates\": %" PRId64,
			       h.candidates);
		else
			printf(",\n  \"thp_split_candidates\": null");
		printf(",\n  \"thp_split\": ");
		if (strcmp(h.policy, "?"))
			ps_json_str(stdout, h.policy);
		else
			printf("null");
		printf(",\n  \"thp_held_note\": ");
		if (thp_held_noted(&h))
			ps_json_str(stdout, thp_held_note);
		else
			printf("null");
		printf(",\n  \"host\": ");
		ret = dump_dir(ps_sysfs_dir(), true, "host_unreadable");
		if (ret)
			printf("null");
		printf(",\n  \"parameters\": ");
		if (dump_dir(ps_params_dir(), true, "parameters_unreadable"))
			printf("null");
		printf(",\n  \"processes\": ");
		if (lret) {
			printf("null,\n  \"processes_error\": ");
			ps_json_str(stdout, why);
		} else {
			print_procs_json(procs, nr);
		}
		printf("\n}\n");
	} else {
		printf("pshare %s: run %" PRId64 " (%s), memory state %s\n",
		       ver, run, run_name(run), state);
		print_host_summary();
		printf("\nhost (%s):\n", ps_sysfs_dir());
		ret = dump_dir(ps_sysfs_dir(), false, NULL);
		if (ret)
			printf("  (cannot list: %s)\n", strerror(-ret));
		printf("\nparameters (%s):\n", ps_params_dir());
		if (dump_dir(ps_params_dir(), false, NULL))
			printf("  (none readable)\n");
		printf("\nprocesses:");
		if (lret) {
			printf(" not shown: %s\n", why);
		} else {
			printf(" %zu\n", nr);
			print_proc_table(procs, nr, o.mib);
		}
	}
	free(procs);
	if (ret) {
		sysfs_missing(ret);
		return EXIT_SYS;
	}
	return 0;
}

/* get and set */

static const char get_help[] =
	"Prints the tunables, as NAME=VALUE lines: all of them, or the NAMEs\n"
	"given. A NAME may also be any read-only file of the sysfs directory.\n"
	"\n"
	"  -n, --values  print only the values\n"
	"  --json        JSON object\n"
	"\n"
	"Tunables:\n";

static int cmd_get_help(void)
{
	char range[128];
	size_t i;

	printf("usage: psharectl %s\n\n%s", cur_cmd->usage, get_help);
	for (i = 0; i < ARRAY_SIZE(tunables); i++) {
		describe_range(&tunables[i], range, sizeof(range));
		printf("  %-20s %s", tunables[i].name, tunables[i].help);
		if (tunables[i].has_def)
			printf(" (default %llu)", tunables[i].def);
		printf("\n  %-20s valid: %s\n", "", range);
	}
	return 0;
}

static int cmd_get(int argc, char **argv)
{
	char val[PS_VALUE_MAX];
	int i, ret, rc = 0, nout = 0, n;
	const char **names;
	struct opts o;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cmd_get_help();
	ret = parse_opts(argc, argv, "jn", &o);
	if (ret >= 0)
		return ret;
	if (access(ps_sysfs_dir(), F_OK)) {
		sysfs_missing(-errno);
		return EXIT_SYS;
	}
	n = optind < argc ? argc - optind : (int)ARRAY_SIZE(tunables);
	names = calloc(n, sizeof(*names));
	if (!names)
		return EXIT_SYS;
	for (i = 0; i < n; i++) {
		names[i] = optind < argc ? argv[optind + i] : tunables[i].name;
		if (optind < argc && !find_tunable(names[i]) &&
		    (!safe_name(names[i]) || !is_readonly(names[i]))) {
			ret = usage_error("unknown tunable '%s'", names[i]);
			free(names);
			return ret;
		}
	}
	if (o.json)
		printf("{");
	for (i = 0; i < n; i++) {
		const struct tunable *t = find_tunable(names[i]);

		if (t) {
			ret = read_tunable(t, val, sizeof(val));
		} else {
			ret = ps_read_file(ps_sysfs_dir(), names[i], val, sizeof(val));
			if (ret == -ENOENT)
				ret = ps_read_file(ps_params_dir(), names[i], val,
						   sizeof(val));
		}
		if (ret) {
			/* Listing all: a tunable this module lacks is no error. */
			if (optind < argc || ret != -ENOENT) {
				sys_error(names[i], -ret);
				rc = EXIT_SYS;
			} else {
				fprintf(stderr, "%s: %s: not in the loaded module\n",
					prog, names[i]);
			}
			continue;
		}
		if (o.json) {
			printf("%s\n  ", nout ? "," : "");
			ps_json_str(stdout, names[i]);
			printf(": ");
			ps_json_value(stdout, val);
		} else if (o.values) {
			printf("%s\n", val);
		} else {
			printf("%s=%s\n", names[i], val);
		}
		nout++;
	}
	if (o.json)
		printf("%s}\n", nout ? "\n" : "");
	free(names);
	return rc;
}

static const char set_help[] =
	"Writes tunables. Every NAME=VALUE is checked against the tunable's\n"
	"range first: one bad value writes nothing (exit 2). Read-only files\n"
	"are refused. run also takes stop, merge, unmerge or estimate;\n"
	"mem_thresholds takes four numbers, separated by spaces or commas.\n"
	"See 'psharectl get --help' for the tunables and their ranges.\n";

static int cmd_set(int argc, char **argv)
{
	char (*vals)[PS_VALUE_MAX];
	const struct tunable **tun;
	char range[128];
	struct opts o;
	int i, n, ret, rc = 0;

	ret = parse_opts(argc, argv, "", &o);
	if (ret >= 0)
		return ret;
	n = argc - optind;
	if (n < 1)
		return usage_error("nothing to set");
	tun = calloc(n, sizeof(*tun));
	vals = calloc(n, sizeof(*vals));
	if (!tun || !vals) {
		free(tun);
		free(vals);
		return EXIT_SYS;
	}
	/* Check everything before writing anything. */
	for (i = 0; i < n && !rc; i++) {
		char *arg = argv[optind + i], *eq = strchr(arg, '=');
		const char *why;

		if (!eq || eq == arg) {
			rc = usage_error("'%s' is not NAME=VALUE", arg);
			break;
		}
		*eq = '\0';
		tun[i] = find_tunable(arg);
		if (!tun[i]) {
			if (is_readonly(arg))
				fprintf(stderr, "%s: %s is read-only\n", prog, arg);
			else
				fprintf(stderr, "%s: unknown tunable '%s'\n", prog, arg);
			rc = EXIT_USAGE;
			break;
		}
		why = check_value(tun[i], eq + 1, vals[i], sizeof(vals[i]));
		if (why) {
			describe_range(tun[i], range, sizeof(range));
			fprintf(stderr, "%s: %s=%s: %s (valid: %s)\n", prog, arg,
				eq + 1, why, range);
			rc = EXIT_USAGE;
		}
		*eq = '=';
	}
	for (i = 0; i < n && !rc; i++) {
		ret = ps_write_file(tunable_dir(tun[i]), tun[i]->name, vals[i]);
		if (ret) {
			fprintf(stderr, "%s: write %s=%s: %s\n", prog,
				tun[i]->name, vals[i], strerror(-ret));
			if (ret == -ENOENT)
				fprintf(stderr, "%s: hint: is the module loaded, and does it have %s?\n",
					prog, tun[i]->name);
			/* merge_across_nodes, while pages are merged */
			if (ret == -EBUSY)
				fprintf(stderr, "%s: hint: %s changes only while nothing is merged: unmerge first, as in psharectl set run=2 %s=%s run=1\n",
					prog, tun[i]->name, tun[i]->name, vals[i]);
			if (i)
				fprintf(stderr, "%s: the %d setting(s) before it were written\n",
					prog, i);
			rc = EXIT_SYS;
		}
	}
	free(tun);
	free(vals);
	return rc;
}

/* Processes: register, unregister, domain, enable, disable */

static int target_ioctl(unsigned long req, struct pshare_target *t,
			const char *what)
{
	char msg[128];
	int fd, err;

	fd = ps_open_dev();
	if (fd < 0) {
		sys_error(ps_dev_path(), -fd);
		hint(-fd);
		return EXIT_SYS;
	}
	if (ioctl(fd, req, t)) {
		err = errno;
		close(fd);
		snprintf(msg, sizeof(msg), "%s pid %d", what, t->pid);
		sys_error(msg, err);
		hint(err);
		return EXIT_SYS;
	}
	close(fd);
	return 0;
}

static void describe_target(const struct opts *o, char *buf, size_t len)
{
	if (o->have_range)
		snprintf(buf, len, "pid %d range 0x%" PRIx64 "+0x%" PRIx64,
			 o->pid, o->start, o->length);
	else
		snprintf(buf, len, "pid %d (whole process)", o->pid);
}

static const char register_help[] =
	"Registers a process's private anonymous memory with pshare\n"
	"(PSHARE_IOC_REGISTER_TARGET): the whole process, present and future\n"
	"mappings, or one range of it.\n"
	"\n"
	"  --pid PID            the process (needs the right to ptrace it)\n"
	"  --range START:LENGTH only this range: page aligned, 0x hex allowed,\n"
	"                       K, M, G (or T) suffixes\n"
	"  --domain SALT        the salt of the registrations, below 2^63 (0: none)\n"
	"  --weight W           share of the scan budget, 1 to 10000 (default 100)\n";

static int cmd_register(int argc, char **argv)
{
	struct pshare_target t;
	char desc[96];
	struct opts o;
	int ret;

	ret = parse_opts(argc, argv, "prDw", &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	memset(&t, 0, sizeof(t));
	t.pid = o.pid;
	t.start = o.start;
	t.length = o.length;
	t.salt = o.domain;
	t.weight = o.weight;
	ret = target_ioctl(PSHARE_IOC_REGISTER_TARGET, &t, "register");
	if (ret)
		return ret;
	describe_target(&o, desc, sizeof(desc));
	printf("registered %s, salt %" PRIu64 ", weight %u\n", desc, o.domain,
	       o.weight ? o.weight : 100);
	return 0;
}

static const char unregister_help[] =
	"Ends a process's registrations (PSHARE_IOC_UNREGISTER_TARGET),\n"
	"unmerging their pages: all of them and the whole-process mode, or\n"
	"those that lie wholly inside a range.\n"
	"\n"
	"  --pid PID            the process\n"
	"  --range START:LENGTH only registrations inside this range\n";

static int cmd_unregister(int argc, char **argv)
{
	struct pshare_target t;
	char desc[96];
	struct opts o;
	int ret;

	ret = parse_opts(argc, argv, "pr", &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	memset(&t, 0, sizeof(t));
	t.pid = o.pid;
	t.start = o.start;
	t.length = o.length;
	ret = target_ioctl(PSHARE_IOC_UNREGISTER_TARGET, &t, "unregister");
	if (ret)
		return ret;
	describe_target(&o, desc, sizeof(desc));
	printf("unregistered %s\n", desc);
	return 0;
}

static const char domain_help[] =
	"Sets the operator's salt of a process (PSHARE_IOC_SET_TARGET with\n"
	"PSHARE_TARGET_SALT): its pages then share only with pages of the\n"
	"same salt. SALT is below 2^63 (decimal or 0x hex); 0 clears it.\n"
	"\n"
	"  --pid PID   the process\n";

static int cmd_domain(int argc, char **argv)
{
	struct pshare_target t;
	struct opts o;
	uint64_t salt;
	int ret;

	ret = parse_opts(argc, argv, "p", &o);
	if (ret >= 0)
		return ret;
	if (optind != argc - 1)
		return usage_error("needs one SALT");
	if (!parse_u64(argv[optind], false, &salt) || salt >= PSHARE_DOMAIN_PROCESS)
		return usage_error("SALT must be a number below 2^63, not '%s'",
				   argv[optind]);
	memset(&t, 0, sizeof(t));
	t.pid = o.pid;
	t.flags = PSHARE_TARGET_SALT;
	t.salt = salt;
	ret = target_ioctl(PSHARE_IOC_SET_TARGET, &t, "domain");
	if (ret)
		return ret;
	if (salt)
		printf("pid %d: salt %" PRIu64 "\n", o.pid, salt);
	else
		printf("pid %d: salt cleared\n", o.pid);
	return 0;
}

static const char enable_help[] =
	"Lets a process (or its registrations inside a range) share again, or\n"
	"stops it and unmerges its pages (PSHARE_IOC_SET_TARGET with\n"
	"PSHARE_TARGET_ENABLE). Its registrations stay.\n"
	"\n"
	"  --pid PID            the process\n"
	"  --range START:LENGTH only registrations inside this range\n";

static int set_enable(int argc, char **argv, bool enable)
{
	struct pshare_target t;
	char desc[96];
	struct opts o;
	int ret;

	ret = parse_opts(argc, argv, "pr", &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	memset(&t, 0, sizeof(t));
	t.pid = o.pid;
	t.flags = PSHARE_TARGET_ENABLE;
	t.start = o.start;
	t.length = o.length;
	t.enable = enable;
	ret = target_ioctl(PSHARE_IOC_SET_TARGET, &t,
			   enable ? "enable" : "disable");
	if (ret)
		return ret;
	describe_target(&o, desc, sizeof(desc));
	printf("%s: sharing %s\n", desc, enable ? "enabled" : "disabled");
	return 0;
}

static int cmd_enable(int argc, char **argv)
{
	return set_enable(argc, argv, true);
}

static int cmd_disable(int argc, char **argv)
{
	return set_enable(argc, argv, false);
}

/* estimate */

static int cmp_dom(const void *a, const void *b)
{
	const struct dom_sum *x = a, *y = b;
	uint64_t sx = x->sum[PF_EST_SAVED] + x->sum[PF_EST_ZERO];
	uint64_t sy = y->sum[PF_EST_SAVED] + y->sum[PF_EST_ZERO];

	if (sx != sy)
		return sx < sy ? 1 : -1;
	return (x->domain > y->domain) - (x->domain < y->domain);
}

static int cmp_est(const void *a, const void *b)
{
	const struct pshare_proc_info *x = a, *y = b;
	uint64_t sx = x->est_saved + x->est_zero, sy = y->est_saved + y->est_zero;

	if (sx != sy)
		return sx < sy ? 1 : -1;
	return cmp_pid(a, b);
}

static const char estimate_help[] =
	"For the estimate mode (psharectl set run=3: pshared scans and hashes but\n"
	"merges nothing): the host's estimate_pages and estimate_zero_pages, then\n"
	"what sharing would save, per domain (the sum over its processes of\n"
	"est_saved + est_zero) and per process. The figures are as of the last\n"
	"full scan.\n"
	"\n"
	"  --json    JSON instead of text\n";

static int cmd_estimate(int argc, char **argv)
{
	struct pshare_proc_info *procs = NULL;
	int64_t run, est = -1, est_zero = -1;
	struct dom_sum *doms = NULL;
	size_t nr = 0, ndom = 0, i, j;
	char why[256], dom[32], comm[20];
	struct opts o;
	int ret, lret, rc = 0;

	ret = parse_opts(argc, argv, "j", &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	ret = ps_read_s64("run", &run);
	if (ret && access(ps_sysfs_dir(), F_OK)) {
		sysfs_missing(ret);
		return EXIT_SYS;
	}
	if (ret)
		run = -1;
	ret = ps_read_s64("estimate_pages", &est);
	if (!ret)
		ret = ps_read_s64("estimate_zero_pages", &est_zero);
	if (ret) {
		sys_error("estimate_pages", -ret);
		if (ret == -ENOENT)
			fprintf(stderr, "%s: (the loaded module has no estimate mode)\n", prog);
		rc = EXIT_SYS;
	}
	lret = load_procs(&procs, &nr, why, sizeof(why));
	if (lret) {
		fprintf(stderr, "%s: estimate: processes: %s\n", prog, why);
		rc = EXIT_SYS;
	}
	doms = sum_domains(procs, nr, &ndom);
	if (nr && !doms) {
		free(procs);
		return EXIT_SYS;
	}
	if (nr)
		qsort(procs, nr, sizeof(*procs), cmp_est);
	if (ndom)
		qsort(doms, ndom, sizeof(*doms), cmp_dom);

	if (o.json) {
		printf("{\n  \"run\": %" PRId64 ",\n  \"estimating\": %s", run,
		       run == 3 ? "true" : "false");
		if (est >= 0 && est_zero >= 0)
			printf(",\n  \"estimate_pages\": %" PRId64
			       ",\n  \"estimate_zero_pages\": %" PRId64
			       ",\n  \"would_save_pages\": %" PRId64
			       ",\n  \"would_save_mib\": %.2f", est, est_zero,
			       est + est_zero, ps_mib(est + est_zero));
		else
			printf(",\n  \"estimate_pages\": null,\n  \"estimate_zero_pages\": null");
		printf(",\n  \"domains\": ");
		if (lret) {
			printf("null,\n  \"processes\": null,\n  \"processes_error\": ");
			ps_json_str(stdout, why);
			printf("\n}\n");
			goto out;
		}
		printf("[");
		for (j = 0; j < ndom; j++) {
			uint64_t es = doms[j].sum[PF_EST_SAVED];
			uint64_t ez = doms[j].sum[PF_EST_ZERO];
			uint64_t s = es + ez;

			ps_domain_str(doms[j].domain, dom, sizeof(dom));
			printf("%s\n    {\"domain\": \"%s\", \"domain_value\": %" PRIu64
			       ", \"processes\": %u, \"mixed\": %s, \"est_saved\": %" PRIu64
			       ", \"est_zero\": %" PRIu64 ", \"would_save_pages\": %" PRIu64
			       ", \"would_save_mib\": %.2f}", j ? "," : "", dom,
			       doms[j].domain, doms[j].procs,
			       doms[j].mixed ? "true" : "false", es, ez, s,
			       ps_mib(s));
		}
		printf("%s],\n  \"processes\": ", ndom ? "\n  " : "");
		print_procs_json(procs, nr);
		printf("\n}\n");
		goto out;
	}

	if (run != 3)
		printf("note: run is %" PRId64 " (%s), not 3 (estimate): these figures are from the last estimate, if any\n",
		       run, run_name(run));
	if (est >= 0 && est_zero >= 0)
		printf("host: would save %" PRId64 " pages (%.1f MiB): %" PRId64
		       " by merging, %" PRId64 " zero pages\n", est + est_zero,
		       ps_mib(est + est_zero), est, est_zero);
	if (lret) {
		printf("processes: not shown: %s\n", why);
		goto out;
	}
	printf("\nby domain:\n%-24s %6s %12s %12s %12s %10s\n", "DOMAIN", "PROCS",
	       "EST_SAVED", "EST_ZERO", "WOULD_SAVE", "MiB");
	for (j = 0; j < ndom; j++) {
		uint64_t es = doms[j].sum[PF_EST_SAVED];
		uint64_t ez = doms[j].sum[PF_EST_ZERO];
		uint64_t s = es + ez;

		ps_domain_str(doms[j].domain, dom, sizeof(dom));
		if (doms[j].mixed)
			strcat(dom, " (mixed)");
		printf("%-24s %6u %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %10.1f\n",
		       dom, doms[j].procs, es, ez, s, ps_mib(s));
	}
	printf("\nby process:\n%7s %-16s %-12s %12s %12s %12s %12s %10s\n", "PID",
	       "COMMAND", "DOMAIN", "REGISTERED", "EST_SAVED", "EST_ZERO",
	       "WOULD_SAVE", "MiB");
	for (i = 0; i < nr; i++) {
		const struct pshare_proc_info *p = &procs[i];
		uint64_t s = p->est_saved + p->est_zero;

		print_comm(comm, p);
		ps_domain_str(p->domain, dom, sizeof(dom));
		printf("%7d %-16s %-12s %12" PRIu64 " %12" PRIu64 " %12" PRIu64
		       " %12" PRIu64 " %10.1f\n", p->pid, comm, dom,
		       (uint64_t)p->registered, (uint64_t)p->est_saved,
		       (uint64_t)p->est_zero, s, ps_mib(s));
	}
out:
	free(doms);
	free(procs);
	return rc;
}

/* metrics */

/**
 * enum host_kind - how a sysfs file becomes samples
 * @HM_NUMBER: one integer, times @mul / 10^@exp10 of &struct host_metric
 * @HM_LIST: one integer per word of @words, each the sample of that label
 * @HM_STATE: one of @words: a sample per word, 1 for it and 0 for the
 *	      others (a word not in the list gets a sample of its own)
 * @HM_INFO: a string, as the label @label of a sample 1
 */
enum host_kind {
	HM_NUMBER,
	HM_LIST,
	HM_STATE,
	HM_INFO,
};

/**
 * struct host_metric - a metric family from one file of the host
 * @file: the sysfs file, or the tunable (madvise: a module parameter)
 * @name: the family's name after "pshare_"
 * @counter: a counter (a running total), else a gauge
 * @kind: how the file is read
 * @mul: %HM_NUMBER, %HM_LIST: multiplier to the base unit
 * @exp10: %HM_NUMBER, %HM_LIST: and divisor, a power of ten
 * @label: %HM_LIST, %HM_STATE, %HM_INFO: the label's name
 * @words: %HM_LIST, %HM_STATE: its values
 * @help: the HELP text, which ends with the source in parentheses
 */
struct host_metric {
	const char *file;
	const char *name;
	bool counter;
	enum host_kind kind;
	long long mul;
	unsigned int exp10;
	const char *label;
	const char *const *words;
	const char *help;
};

#define HM_GAUGE(file, name, mul, exp10, help) \
	{ file, name, false, HM_NUMBER, mul, exp10, NULL, NULL, help }
#define HM_COUNTER(file, name, mul, exp10, help) \
	{ file, name, true, HM_NUMBER, mul, exp10, NULL, NULL, help }

static const char *const state_names[] = {
	"high", "soft", "hard", "low", NULL
};

/* Every file of the ABI document, in the order of the metric list. */
static const struct host_metric host_metrics[] = {
	{ "version", "info", false, HM_INFO, 1, 0, "version", NULL,
	  "The loaded module's version, as the label; always 1 (version)" },
	HM_GAUGE("run", "tunable_run", 1, 0,
		 "Scanner run state: 0 stop, 1 merge, 2 unmerge, 3 estimate (run)"),
	HM_GAUGE("sleep_millisecs", "tunable_sleep_seconds", 1, 3,
		 "Scanner period in seconds (sleep_millisecs / 1000)"),
	HM_GAUGE("max_page_sharing", "tunable_max_page_sharing", 1, 0,
		 "Most mappings on record for one merged page (max_page_sharing)"),
	HM_GAUGE("scan_mb_per_ghz", "tunable_scan_bytes_per_second_per_hertz",
		 1048576, 9,
		 "Scan cap in bytes per second per hertz of CPU (scan_mb_per_ghz * 2^20 / 1e9)"),
	HM_GAUGE("rate_max_pages", "tunable_rate_max_pages_per_second", 1, 0,
		 "Cap on the scan rate of each registration in pages per second (rate_max_pages)"),
	HM_GAUGE("scan_time_secs", "tunable_scan_time_seconds", 1, 0,
		 "Target time to scan a registration once in seconds, 0 none (scan_time_secs)"),
	HM_GAUGE("max_cpu_percent", "tunable_max_cpu_ratio", 1, 2,
		 "Cap on the scanner's CPU time as a ratio of one CPU (max_cpu_percent / 100)"),
	{ "thp_split", "tunable_thp_split", false, HM_STATE, 1, 0, "policy",
	  thp_names, "Huge page split policy: 1 for the one in force (thp_split)" },
	{ "mem_thresholds", "tunable_memory_threshold_ratio", false, HM_LIST,
	  1, 2, "state", state_names,
	  "Memory state thresholds as a ratio of total memory (mem_thresholds / 100)" },
	HM_GAUGE("salting", "tunable_salting", 1, 0,
		 "Domains: 0 one common, 1 salts only, 2 salts or one per process (salting)"),
	HM_GAUGE("zero_across_domains", "tunable_zero_across_domains", 1, 0,
		 "1: zero pages map to the zero page across domains (zero_across_domains)"),
	HM_GAUGE("smart_scan", "tunable_smart_scan", 1, 0,
		 "1: pages that stay unique and unchanged are visited less often (smart_scan)"),
	HM_GAUGE("first_scan", "tunable_first_scan", 1, 0,
		 "1: memory new to pshare is scanned at the host-wide caps, not at the pace of scan_time_secs (first_scan)"),
	HM_GAUGE("merge_across_nodes", "tunable_merge_across_nodes", 1, 0,
		 "1: pages merge across NUMA nodes, 0: only within one (merge_across_nodes)"),
	HM_GAUGE("madvise", "tunable_madvise", 1, 0,
		 "1 when madvise(MADV_MERGEABLE) registers with pshare (module parameter madvise)"),
	HM_COUNTER("full_scans", "full_scans_total", 1, 0,
		   "Completed passes over all registered memory (full_scans)"),
	HM_COUNTER("pages_scanned", "scanned_pages_total", 1, 0,
		   "Page visits by the scanner, not counting those smart_scan skipped (pages_scanned)"),
	HM_COUNTER("pages_skipped", "skipped_pages_total", 1, 0,
		   "Page visits skipped by smart_scan: of pages that stayed unique and unchanged (pages_skipped)"),
	HM_COUNTER("pages_merged", "merged_pages_total", 1, 0,
		   "Mappings that joined a merged page or went to the zero page (pages_merged)"),
	HM_COUNTER("scan_cpu_msecs", "scan_cpu_seconds_total", 1, 3,
		   "CPU time of the scanner thread pshared in seconds (scan_cpu_msecs / 1000)"),
	HM_COUNTER("cpu_throttled", "cpu_throttled_periods_total", 1, 0,
		   "Scanner periods stretched to keep under max_cpu_percent (cpu_throttled)"),
	HM_COUNTER("shrinker_calls", "shrinker_calls_total", 1, 0,
		   "Calls of pshare's shrinker by the kernel's reclaim (shrinker_calls)"),
	HM_COUNTER("thp_scanned", "thp_scanned_total", 1, 0,
		   "Visits of huge pages kept whole (thp_scanned)"),
	HM_COUNTER("thp_skipped", "thp_skipped_total", 1, 0,
		   "Visits of huge pages kept whole that a sample found unchanged (thp_skipped)"),
	HM_COUNTER("pages_hashed", "hashed_pages_total", 1, 0,
		   "Hashes of a whole page taken; the other visits hash a sample (pages_hashed)"),
	HM_COUNTER("sample_misses", "sample_misses_total", 1, 0,
		   "Hinted or merged pages that shared a scanned page's sample but not its bytes (sample_misses)"),
	HM_COUNTER("thp_splits", "thp_splits_total", 1, 0,
		   "Huge pages split to share their subpages (thp_splits)"),
	/* First: a read of memory_state that finds a new state counts it. */
	{ "memory_state", "memory_state", false, HM_STATE, 1, 0, "state",
	  state_names, "Memory state: 1 for the current one (memory_state)" },
	{ "memory_state_entries", "memory_state_entries_total", true, HM_LIST,
	  1, 0, "state", state_names,
	  "Entries into each memory state (memory_state_entries)" },
	HM_GAUGE("pages_shared", "shared_pages", 1, 0,
		 "Merged pages with at least one mapping (pages_shared)"),
	HM_GAUGE("pages_sharing", "sharing_pages", 1, 0,
		 "Mappings of merged pages beyond the first, each a page saved (pages_sharing)"),
	HM_GAUGE("pages_unshared", "unshared_pages", 1, 0,
		 "Scanned stable pages with no twin yet (pages_unshared)"),
	HM_GAUGE("pages_volatile", "volatile_pages", 1, 0,
		 "Pages that changed between their last two visits (pages_volatile)"),
	HM_GAUGE("zero_pages_sharing", "zero_sharing_pages", 1, 0,
		 "Pages mapped to the kernel's zero page, each a page saved (zero_pages_sharing)"),
	HM_GAUGE("metadata_bytes", "metadata_bytes", 1, 0,
		 "Memory pshare holds for its records in bytes (metadata_bytes)"),
	HM_GAUGE("general_profit", "general_profit_bytes", 1, 0,
		 "Net saving in bytes: saved pages times page size less metadata (general_profit)"),
	HM_GAUGE("cpu_mhz", "cpu_capacity_hertz", 1000000, 0,
		 "CPU capacity that scan_mb_per_ghz applies to in hertz (cpu_mhz * 1e6)"),
	HM_GAUGE("scan_cap_pages", "scan_cap_pages_per_second", 1, 0,
		 "Host-wide scan cap in force in pages per second (scan_cap_pages)"),
	HM_GAUGE("scan_rate_pages", "scan_rate_pages_per_second", 1, 0,
		 "Scan rates given to the registrations in pages per second (scan_rate_pages)"),
	HM_GAUGE("thp_split_candidates", "thp_split_candidates", 1, 0,
		 "Huge pages recorded as holding duplicate subpages (thp_split_candidates)"),
	HM_GAUGE("thp_dup_subpages", "thp_dup_subpages", 1, 0,
		 "Pages held back in huge pages: the duplicate subpages of the split candidates, which splitting them would free (thp_dup_subpages)"),
	HM_GAUGE("estimate_pages", "estimate_pages", 1, 0,
		 "Estimate mode: pages that would merge with a twin (estimate_pages)"),
	HM_GAUGE("estimate_zero_pages", "estimate_zero_pages", 1, 0,
		 "Estimate mode: zero pages that would map to the zero page (estimate_zero_pages)"),
};

/*
 * The figures of a process that are not summed per domain: its
 * registrations, whether it is disabled, and the scanned counter, whose
 * sum would fall when a process leaves.
 */
enum {
	PM_RANGES = PF_COUNT,
	PM_DISABLED,
	PM_SCANNED,
};

/**
 * struct proc_metric - a metric family per process of PSHARE_IOC_LIST
 * @name: the family's name after "pshare_process_"
 * @field: the figure: an &enum proc_field (summed per domain too) or PM_*
 * @counter: a counter, else a gauge
 * @help: the HELP text, which ends with the source in parentheses
 */
struct proc_metric {
	const char *name;
	int field;
	bool counter;
	const char *help;
};

static const struct proc_metric proc_metrics[] = {
	{ "registered_pages", PF_REGISTERED, false, "Pages registered (registered)" },
	{ "shared_pages", PF_SHARED, false,
	  "Merged pages whose first mapping is in the process (shared)" },
	{ "sharing_pages", PF_SHARING, false,
	  "Further mappings of merged pages in the process, each a page saved (sharing)" },
	{ "zero_pages", PF_ZERO, false,
	  "Pages mapped to the kernel's zero page, each a page saved (zero)" },
	{ "saved_pages", PF_SAVED, false, "Pages saved: sharing plus zero (saved)" },
	{ "thp_held_pages", PF_THP_HELD, false,
	  "Pages the process would save but holds in huge pages, which pshare keeps whole until memory is short (thp_held)" },
	{ "estimate_saved_pages", PF_EST_SAVED, false,
	  "Estimate mode: pages that would merge with a twin of their domain (est_saved)" },
	{ "estimate_zero_pages", PF_EST_ZERO, false,
	  "Estimate mode: zero pages that would map to the zero page (est_zero)" },
	{ "registrations", PM_RANGES, false, "Registrations (nr_ranges)" },
	{ "disabled", PM_DISABLED, false,
	  "1 when sharing is disabled for the process (flags)" },
	{ "scanned_pages_total", PM_SCANNED, true,
	  "Page visits by the scanner in the process's registrations (scanned)" },
};

/* HELP of pshare_domain_processes, and of the sums per domain. */
static const char dom_procs_help[] =
	"Processes in the domain; one with several counts in its first (PSHARE_IOC_LIST)";
static const char dom_sum_help[] =
	"Sum of pshare_process_%s over the domain's processes (PSHARE_IOC_LIST)";

static void prom_family(FILE *f, const char *name, bool counter,
			const char *help)
{
	fprintf(f, "# HELP pshare_%s %s\n# TYPE pshare_%s %s\n", name, help,
		name, counter ? "counter" : "gauge");
}

/* A sample's value @v * @mul / 10^@exp10, exact if it fits 64 bits; a newline */
static void prom_value(FILE *f, long long v, long long mul, unsigned int exp10)
{
	unsigned long long a, div = 1, frac;
	unsigned int i, digits = exp10;
	long long p;

	for (i = 0; i < exp10; i++)
		div *= 10;
	if (__builtin_mul_overflow(v, mul, &p)) {
		fprintf(f, "%.17g\n", (double)v * (double)mul / (double)div);
		return;
	}
	a = p < 0 ? -(unsigned long long)p : (unsigned long long)p;
	fprintf(f, "%s%llu", p < 0 ? "-" : "", a / div);
	frac = a % div;
	if (frac) {
		while (!(frac % 10)) {
			frac /= 10;
			digits--;
		}
		fprintf(f, ".%0*llu", (int)digits, frac);
	}
	fputc('\n', f);
}

/* The length of the UTF-8 sequence @s starts with, 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A label value, quoted and escaped as the text format wants: backslash,
 * double quote and newline. A byte that is not UTF-8 (a comm may hold any)
 * becomes U+FFFD, since Prometheus refuses the whole text for one.
 */
static void prom_label(FILE *f, const char *name, const char *val)
{
	const unsigned char *s = (const unsigned char *)val;
	size_t n;

	fprintf(f, "%s=\"", name);
	while (*s) {
		n = utf8_len(s);
		if (!n) {
			fputs("\xef\xbf\xbd", f);
			s++;
		} else if (*s == '\\' || *s == '"') {
			fputc('\\', f);
			fputc(*s++, f);
		} else if (*s == '\n') {
			fputs("\\n", f);
			s++;
		} else {
			fwrite(s, 1, n, f);
			s += n;
		}
	}
	fputc('"', f);
}

/*
 * The integers of @s, separated by spaces, into @v: their count, or -1 if
 * @s holds anything else or more than @max.
 */
static int parse_ints(const char *s, long long *v, int max)
{
	char *end;
	int n = 0;

	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return n;
		if (n == max || !(isdigit((unsigned char)*s) ||
				  (*s == '-' && isdigit((unsigned char)s[1]))))
			return -1;
		errno = 0;
		v[n++] = strtoll(s, &end, 10);
		if (errno || (*end && *end != ' '))
			return -1;
		s = end;
	}
}

/*
 * One host family. Return: 0 when written or when the module lacks the
 * file, -1 (after a message) when it cannot be read or parsed.
 */
static int prom_host(FILE *f, const struct host_metric *m)
{
	const struct tunable *t = find_tunable(m->file);
	char raw[PS_VALUE_MAX];
	long long v[8];
	int n = 0, i, ret;
	bool known = false;

	if (t)
		ret = read_tunable(t, raw, sizeof(raw));
	else
		ret = ps_read_file(ps_sysfs_dir(), m->file, raw, sizeof(raw));
	if (ret == -ENOENT)
		return 0;	/* an older module */
	if (ret) {
		fprintf(stderr, "%s: metrics: %s: %s (left out)\n", prog,
			m->file, strerror(-ret));
		return -1;
	}
	while (m->words && m->words[n])
		n++;
	if ((m->kind == HM_NUMBER && parse_ints(raw, v, 1) != 1) ||
	    (m->kind == HM_LIST && parse_ints(raw, v, ARRAY_SIZE(v)) != n)) {
		fprintf(stderr, "%s: metrics: %s: unexpected value '%s' (left out)\n",
			prog, m->file, raw);
		return -1;
	}
	prom_family(f, m->name, m->counter, m->help);
	switch (m->kind) {
	case HM_NUMBER:
		fprintf(f, "pshare_%s ", m->name);
		prom_value(f, v[0], m->mul, m->exp10);
		break;
	case HM_LIST:
		for (i = 0; i < n; i++) {
			fprintf(f, "pshare_%s{", m->name);
			prom_label(f, m->label, m->words[i]);
			fputs("} ", f);
			prom_value(f, v[i], m->mul, m->exp10);
		}
		break;
	case HM_STATE:
		for (i = 0; i < n; i++) {
			fprintf(f, "pshare_%s{", m->name);
			prom_label(f, m->label, m->words[i]);
			fprintf(f, "} %d\n", !strcmp(raw, m->words[i]));
			known |= !strcmp(raw, m->words[i]);
		}
		if (known)
			break;
		/* A state these tools do not know yet. */
		fprintf(f, "pshare_%s{", m->name);
		prom_label(f, m->label, raw);
		fputs("} 1\n", f);
		break;
	case HM_INFO:
		fprintf(f, "pshare_%s{", m->name);
		prom_label(f, m->label, raw);
		fputs("} 1\n", f);
		break;
	}
	return 0;
}

static uint64_t proc_metric_value(const struct pshare_proc_info *p,
				  int field)
{
	switch (field) {
	case PM_RANGES:
		return p->nr_ranges;
	case PM_DISABLED:
		return !!(p->flags & PSHARE_PROC_DISABLED);
	case PM_SCANNED:
		return p->scanned;
	}
	return proc_field(p, field);
}

static int cmp_domain(const void *a, const void *b)
{
	const struct dom_sum *x = a, *y = b;

	return (x->domain > y->domain) - (x->domain < y->domain);
}

/* The per-process and per-domain families; @procs sorted by pid. */
static int prom_procs(FILE *f, struct pshare_proc_info *procs, size_t nr)
{
	char comm[sizeof(procs->comm) + 1], dom[32], pid[16];
	char name[64], help[160];
	struct dom_sum *doms;
	size_t i, j, k, ndom;

	/* One series per pid: a scrape with two is refused whole. */
	for (i = 0, j = 0; i < nr; i++)
		if (!j || procs[i].pid != procs[j - 1].pid)
			procs[j++] = procs[i];
	nr = j;
	doms = sum_domains(procs, nr, &ndom);
	if (nr && !doms) {
		fprintf(stderr, "%s: metrics: %s\n", prog, strerror(ENOMEM));
		return -1;
	}
	prom_family(f, "processes", false,
		    "Processes with registrations (PSHARE_IOC_LIST)");
	fprintf(f, "pshare_processes %zu\n", nr);
	for (k = 0; k < ARRAY_SIZE(proc_metrics) && nr; k++) {
		snprintf(name, sizeof(name), "process_%s", proc_metrics[k].name);
		prom_family(f, name, proc_metrics[k].counter,
			    proc_metrics[k].help);
		for (i = 0; i < nr; i++) {
			print_comm(comm, &procs[i]);
			ps_domain_str(procs[i].domain, dom, sizeof(dom));
			snprintf(pid, sizeof(pid), "%d", procs[i].pid);
			fprintf(f, "pshare_process_%s{", proc_metrics[k].name);
			prom_label(f, "pid", pid);
			fputc(',', f);
			prom_label(f, "comm", comm);
			fputc(',', f);
			prom_label(f, "domain", dom);
			fprintf(f, "} %" PRIu64 "\n",
				proc_metric_value(&procs[i], proc_metrics[k].field));
		}
	}
	if (ndom)
		qsort(doms, ndom, sizeof(*doms), cmp_domain);
	/* pshare_domain_processes, then the sums. */
	for (k = 0; k < ARRAY_SIZE(proc_metrics) + 1 && ndom; k++) {
		const struct proc_metric *m = k ? &proc_metrics[k - 1] : NULL;

		if (m && m->field >= PF_COUNT)
			continue;
		snprintf(name, sizeof(name), "domain_%s", m ? m->name : "processes");
		if (m)
			snprintf(help, sizeof(help), dom_sum_help, m->name);
		prom_family(f, name, false, m ? help : dom_procs_help);
		for (j = 0; j < ndom; j++) {
			ps_domain_str(doms[j].domain, dom, sizeof(dom));
			fprintf(f, "pshare_%s{", name);
			prom_label(f, "domain", dom);
			fprintf(f, "} %" PRIu64 "\n",
				m ? doms[j].sum[m->field] : (uint64_t)doms[j].procs);
		}
	}
	free(doms);
	return 0;
}

/*
 * A temporary file next to @path for output_commit() to rename: hidden and
 * without the .prom ending, so that node_exporter's textfile collector
 * never reads it half written. Its mode is a new file's (0666 less umask),
 * as node_exporter runs as another user.
 */
static FILE *output_open(const char *path, char **tmp)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) + 1 : 0, fd, err;
	mode_t mask;
	FILE *f;

	*tmp = NULL;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		errno = EISDIR;
		return NULL;
	}
	if (asprintf(tmp, "%.*s.%s.XXXXXX", dirlen, path, base) < 0) {
		*tmp = NULL;
		errno = ENOMEM;
		return NULL;
	}
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask))
		goto fail_fd;
	f = fdopen(fd, "w");
	if (f)
		return f;
fail_fd:
	err = errno;
	close(fd);
	unlink(*tmp);
	errno = err;
fail:
	err = errno;
	free(*tmp);
	*tmp = NULL;
	errno = err;
	return NULL;
}

/* Flush, fsync and rename the temporary file: 0, or an errno. */
static int output_commit(FILE *f, const char *path, const char *tmp)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int err = 0, fd;

	if (fflush(f) || ferror(f))
		err = errno ? errno : EIO;
	else if (fsync(fileno(f)))
		err = errno;
	if (fclose(f) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	/* The rename itself, on disk: best effort. */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1,
		 slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

static const char metrics_help[] =
	"Prints the host's counters, gauges and tunables (sysfs) and figures\n"
	"per process and per domain (PSHARE_IOC_LIST) as Prometheus text\n"
	"exposition (format 0.0.4): counters end in _total, units are in the\n"
	"names (seconds, bytes, pages, ratios), per-process samples carry the\n"
	"labels pid, comm and domain. Documentation/tools.rst lists the metrics.\n"
	"Files an older module lacks are left out. Without the process list (no\n"
	"/dev/pshare, or no CAP_SYS_ADMIN) the host's metrics are still written,\n"
	"with pshare_process_list_success 0, and the exit status is 1.\n"
	"\n"
	"  -o, --output FILE  write FILE instead of stdout, atomically (a temporary\n"
	"                     file in its directory, fsync, rename), for\n"
	"                     node_exporter's textfile collector\n";

static int cmd_metrics(int argc, char **argv)
{
	struct pshare_proc_info *procs = NULL;
	char why[256], *tmp = NULL;
	int ret, lret, rc = 0;
	FILE *f = stdout;
	struct opts o;
	size_t nr = 0, i;

	ret = parse_opts(argc, argv, "o", &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (access(ps_sysfs_dir(), F_OK)) {
		sysfs_missing(-errno);
		return EXIT_SYS;
	}
	if (o.output) {
		f = output_open(o.output, &tmp);
		if (!f) {
			sys_error(o.output, errno);
			return EXIT_SYS;
		}
	}
	for (i = 0; i < ARRAY_SIZE(host_metrics); i++)
		if (prom_host(f, &host_metrics[i]))
			rc = EXIT_SYS;
	prom_family(f, "page_size_bytes", false,
		    "Page size in bytes, for the figures in pages (sysconf)");
	fprintf(f, "pshare_page_size_bytes %ld\n", ps_page_size());
	lret = load_procs(&procs, &nr, why, sizeof(why));
	prom_family(f, "process_list_success", false,
		    "1 when the process list was read (PSHARE_IOC_LIST)");
	fprintf(f, "pshare_process_list_success %d\n", !lret);
	if (lret) {
		fprintf(stderr, "%s: metrics: processes: %s\n", prog, why);
		rc = EXIT_SYS;
	} else if (prom_procs(f, procs, nr)) {
		rc = EXIT_SYS;
	}
	free(procs);
	if (o.output) {
		ret = output_commit(f, o.output, tmp);
		free(tmp);
		if (ret) {
			sys_error(o.output, ret);
			return EXIT_SYS;
		}
	} else if (fflush(f) || ferror(f)) {
		sys_error("stdout", errno ? errno : EIO);
		return EXIT_SYS;
	}
	return rc;
}

/* apply and load: the configuration file of pshare.service */

/*
 * Module parameters that only modprobe can set: read-only once the module
 * is loaded. "load" passes them to modprobe; any other parameter the file
 * names (madvise) is writable at run time and written as a tunable.
 */
static const char *const load_params[] = { "group" };

/**
 * struct conf_entry - one NAME=VALUE line of a configuration file
 * @name: the file's name, in the sysfs or the parameters directory
 * @value: what to write, as the file gives it
 * @line: its line number
 * @dir: where @name was found: the sysfs or the parameters directory;
 *	 NULL for a load-time parameter that already has @value
 * @old: the value before the write, to restore
 */
struct conf_entry {
	char *name;
	char *value;
	unsigned int line;
	const char *dir;
	char old[PS_VALUE_MAX];
};

static bool is_load_param(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(load_params); i++)
		if (!strcmp(load_params[i], name))
			return true;
	return false;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static bool conf_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '_')
			return false;
	return true;
}

static void conf_free(struct conf_entry *e, size_t n)
{
	while (n > 0) {
		n--;
		free(e[n].name);
		free(e[n].value);
	}
	free(e);
}

/*
 * Read @path: blank lines, comments (# first on the line) and NAME=VALUE
 * lines, spaces allowed around both. A name twice is an error. Return: 0,
 * or the exit status after a FILE:LINE message.
 */
static int conf_parse(const char *path, struct conf_entry **out, size_t *nr)
{
	struct conf_entry *e = NULL, *p;
	char *buf = NULL, *s, *eq, *name, *val;
	unsigned int line = 0;
	size_t cap = 0, n = 0, i;
	int rc = 0;
	FILE *f;

	*out = NULL;
	*nr = 0;
	f = fopen(path, "re");
	if (!f) {
		sys_error(path, errno);
		return EXIT_SYS;
	}
	while (getline(&buf, &cap, f) >= 0) {
		line++;
		s = trim(buf);
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr, "%s:%u: '%s' is not NAME=VALUE\n", path,
				line, s);
			rc = EXIT_USAGE;
			break;
		}
		*eq = '\0';
		name = trim(s);
		val = trim(eq + 1);
		if (!conf_name_ok(name)) {
			fprintf(stderr, "%s:%u: '%s' is not a tunable or parameter name\n",
				path, line, name);
			rc = EXIT_USAGE;
			break;
		}
		if (!*val || strlen(val) >= PS_VALUE_MAX) {
			fprintf(stderr, "%s:%u: %s: %s value\n", path, line, name,
				*val ? "too long a" : "no");
			rc = EXIT_USAGE;
			break;
		}
		for (i = 0; i < n && strcmp(e[i].name, name); i++)
			;
		if (i < n) {
			fprintf(stderr, "%s:%u: %s=%s: set before, on line %u\n",
				path, line, name, val, e[i].line);
			rc = EXIT_USAGE;
			break;
		}
		p = realloc(e, (n + 1) * sizeof(*e));
		if (!p) {
			rc = EXIT_SYS;
			break;
		}
		e = p;
		memset(&e[n], 0, sizeof(e[n]));
		e[n].name = strdup(name);
		e[n].value = strdup(val);
		e[n].line = line;
		n++;
		if (!e[n - 1].name || !e[n - 1].value) {
			rc = EXIT_SYS;
			break;
		}
	}
	if (!rc && ferror(f)) {
		sys_error(path, errno ? errno : EIO);
		rc = EXIT_SYS;
	}
	if (rc == EXIT_SYS && !ferror(f))
		sys_error(path, ENOMEM);
	free(buf);
	fclose(f);
	if (rc) {
		conf_free(e, n);
		return rc;
	}
	*out = e;
	*nr = n;
	return 0;
}

/* Is @name a regular file of @dir? Its mode in @mode. */
static bool conf_file(const char *dir, const char *name, mode_t *mode)
{
	char path[4096];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	*mode = st.st_mode;
	return true;
}

/*
 * Find each name in the loaded module: a writable file of the sysfs
 * directory (a tunable) or of the parameters directory (a parameter
 * writable at run time). A read-only parameter (group) must already have
 * its value: only a new load changes it. Anything else is an error, before
 * anything is written. Return: 0, or the exit status.
 */
static int conf_resolve(const char *path, struct conf_entry *e, size_t n)
{
	char cur[PS_VALUE_MAX];
	mode_t mode;
	size_t i;

	for (i = 0; i < n; i++) {
		if (conf_file(ps_params_dir(), e[i].name, &mode)) {
			e[i].dir = ps_params_dir();
		} else if (conf_file(ps_sysfs_dir(), e[i].name, &mode)) {
			e[i].dir = ps_sysfs_dir();
		} else {
			fprintf(stderr, "%s:%u: %s=%s: no such tunable or module parameter in %s or %s\n",
				path, e[i].line, e[i].name, e[i].value,
				ps_sysfs_dir(), ps_params_dir());
			return EXIT_USAGE;
		}
		if (mode & 0222)
			continue;
		if (e[i].dir == ps_params_dir() &&
		    !ps_read_file(e[i].dir, e[i].name, cur, sizeof(cur)) &&
		    !strcmp(cur, e[i].value)) {
			e[i].dir = NULL;	/* loaded with this value */
			continue;
		}
		if (e[i].dir == ps_params_dir())
			fprintf(stderr, "%s:%u: %s=%s: a load-time parameter, and the loaded module has %s=%s: restart pshare.service (or unload the module) to change it\n",
				path, e[i].line, e[i].name, e[i].value, e[i].name,
				ps_read_file(e[i].dir, e[i].name, cur, sizeof(cur)) ?
				"?" : cur);
		else
			fprintf(stderr, "%s:%u: %s=%s: read-only\n", path,
				e[i].line, e[i].name, e[i].value);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * Write the entries in the file's order. At the first write the module
 * refuses, write back the old value of every entry written before it, in
 * reverse order, and fail. Return: 0, or the exit status.
 */
static int conf_write(const char *path, struct conf_entry *e, size_t n)
{
	char raw[PS_VALUE_MAX];
	size_t i, j, done = 0;
	int ret;

	for (i = 0; i < n; i++) {
		if (!e[i].dir)
			continue;
		ret = ps_read_file(e[i].dir, e[i].name, raw, sizeof(raw));
		if (!ret && !ps_bracketed(raw, e[i].old, sizeof(e[i].old)))
			snprintf(e[i].old, sizeof(e[i].old), "%s", raw);
		if (!ret)
			ret = ps_write_file(e[i].dir, e[i].name, e[i].value);
		if (!ret) {
			done++;
			continue;
		}
		fprintf(stderr, "%s:%u: %s=%s: %s\n", path, e[i].line,
			e[i].name, e[i].value, strerror(-ret));
		if (ret == -EBUSY)
			fprintf(stderr, "%s: hint: %s changes only while nothing is merged: put run=2 before it in %s\n",
				prog, e[i].name, path);
		for (j = i; j-- > 0;) {
			if (!e[j].dir)
				continue;
			ret = ps_write_file(e[j].dir, e[j].name, e[j].old);
			if (ret)
				fprintf(stderr, "%s: cannot restore %s=%s: %s\n",
					prog, e[j].name, e[j].old, strerror(-ret));
		}
		if (done)
			fprintf(stderr, "%s: restored the %zu setting(s) written before line %u\n",
				prog, done, e[i].line);
		return EXIT_SYS;
	}
	printf("%s: %zu setting(s) applied\n", path, done);
	return 0;
}

/* modprobe [-r] pshare [NAME=VALUE...]: its exit status, or -1. */
static int run_modprobe(bool remove, struct conf_entry *e, size_t n)
{
	const char *modprobe = getenv("PSHARE_MODPROBE");
	char **argv;
	size_t i, argc = 0;
	int status;
	pid_t pid;

	if (!modprobe || !*modprobe)
		modprobe = "modprobe";
	argv = calloc(n + 4, sizeof(*argv));
	if (!argv)
		return -1;
	argv[argc++] = (char *)modprobe;
	if (remove)
		argv[argc++] = "-r";
	argv[argc++] = "pshare";
	for (i = 0; i < n && !remove; i++) {
		if (!is_load_param(e[i].name))
			continue;
		if (asprintf(&argv[argc], "%s=%s", e[i].name, e[i].value) < 0)
			break;
		argc++;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		execvp(modprobe, argv);
		fprintf(stderr, "%s: %s: %s\n", prog, modprobe, strerror(errno));
		_exit(127);
	}
	for (i = remove ? 3 : 2; i < argc; i++)
		free(argv[i]);
	free(argv);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const char apply_help[] =
	"Applies a configuration file (/etc/pshare/pshare.conf) to the loaded\n"
	"module: NAME=VALUE lines, # comments. NAME is any writable file of the\n"
	"sysfs directory (a tunable) or a module parameter writable at run time\n"
	"(madvise); a load-time parameter (group) must match the loaded module.\n"
	"The module checks each value. The settings are written in the file's\n"
	"order; at the first one refused, the ones written before it get their\n"
	"old values back, and the message is FILE:LINE: NAME=VALUE: strerror\n"
	"(exit 1). Syntax errors, unknown and read-only names write nothing\n"
	"(exit 2).\n";

/* Check the names of a parsed file against the module, then write them. */
static int conf_apply(const char *file, struct conf_entry *e, size_t n)
{
	int ret = conf_resolve(file, e, n);

	return ret ? ret : conf_write(file, e, n);
}

static int cmd_apply(int argc, char **argv)
{
	struct conf_entry *e;
	struct opts o;
	size_t n;
	int ret;

	ret = parse_opts(argc, argv, "", &o);
	if (ret >= 0)
		return ret;
	if (argc - optind != 1)
		return usage_error("apply needs one FILE");
	if (access(ps_sysfs_dir(), F_OK)) {
		sysfs_missing(-errno);
		return EXIT_SYS;
	}
	ret = conf_parse(argv[optind], &e, &n);
	if (ret)
		return ret;
	ret = conf_apply(argv[optind], e, n);
	conf_free(e, n);
	return ret;
}

static const char load_help[] =
	"Loads the module and applies a configuration file, for pshare.service:\n"
	"checks the file's syntax, runs modprobe pshare with the load-time\n"
	"parameters the file gives (group=), then applies the rest as 'apply'\n"
	"does. If the module refuses a value, or the file names something it\n"
	"lacks, the tunables written are restored and the module, if this\n"
	"command loaded it, is unloaded again: nothing changes. With the module\n"
	"already loaded, it is the same as 'apply'. PSHARE_MODPROBE replaces\n"
	"modprobe.\n";

static int cmd_load(int argc, char **argv)
{
	struct conf_entry *e;
	bool loaded = false;
	struct opts o;
	size_t n, i;
	int ret;

	ret = parse_opts(argc, argv, "", &o);
	if (ret >= 0)
		return ret;
	if (argc - optind != 1)
		return usage_error("load needs one FILE");
	ret = conf_parse(argv[optind], &e, &n);
	if (ret)
		return ret;
	if (access(ps_sysfs_dir(), F_OK)) {
		ret = run_modprobe(false, e, n);
		if (ret) {
			for (i = 0; i < n; i++)
				if (is_load_param(e[i].name))
					fprintf(stderr, "%s:%u: %s=%s: modprobe pshare failed\n",
						argv[optind], e[i].line, e[i].name,
						e[i].value);
			fprintf(stderr, "%s: modprobe pshare failed (exit status %d)\n",
				prog, ret);
			conf_free(e, n);
			return EXIT_SYS;
		}
		loaded = true;
		if (access(ps_sysfs_dir(), F_OK)) {
			sysfs_missing(-errno);
			ret = EXIT_SYS;
		}
	}
	if (!ret)
		ret = conf_apply(argv[optind], e, n);
	if (ret && loaded) {
		fprintf(stderr, "%s: unloading the module again\n", prog);
		if (run_modprobe(true, e, n))
			fprintf(stderr, "%s: modprobe -r pshare failed\n", prog);
	}
	conf_free(e, n);
	return ret;
}

/* version */

static const char version_help[] =
	"Prints the tools' version, the module's version from sysfs and the\n"
	"ABI version and features of /dev/pshare (PSHARE_IOC_VERSION).\n";

static int cmd_version(int argc, char **argv)
{
	struct pshare_version v;
	char ver[PS_VALUE_MAX];
	struct opts o;
	int ret, fd, rc = 0;

	ret = parse_opts(argc, argv, "", &o);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	printf("psharectl %s (ABI %d)\n", PSHARE_TOOLS_VERSION, PSHARE_ABI_VERSION);
	ret = ps_read_file(ps_sysfs_dir(), "version", ver, sizeof(ver));
	if (ret) {
		sys_error(ps_sysfs_dir(), -ret);
		rc = EXIT_SYS;
	} else {
		printf("module %s (%s/version)\n", ver, ps_sysfs_dir());
	}
	fd = ps_open_dev();
	if (fd < 0) {
		sys_error(ps_dev_path(), -fd);
		hint(-fd);
		return EXIT_SYS;
	}
	memset(&v, 0, sizeof(v));
	if (ioctl(fd, PSHARE_IOC_VERSION, &v)) {
		sys_error("PSHARE_IOC_VERSION", errno);
		close(fd);
		return EXIT_SYS;
	}
	close(fd);
	v.module_version[sizeof(v.module_version) - 1] = '\0';
	printf("device: ABI %u, module %s, features 0x%x:%s%s\n", v.abi,
	       v.module_version, v.features,
	       v.features & PSHARE_FEATURE_RATE ? " rate" : "",
	       v.features & PSHARE_FEATURE_DOMAINS ? " domains" : "");
	if (v.abi != PSHARE_ABI_VERSION)
		fprintf(stderr, "%s: warning: the module's ABI %u is not the tools' %d\n",
			prog, v.abi, PSHARE_ABI_VERSION);
	if (!(v.features & PSHARE_FEATURE_DOMAINS))
		fprintf(stderr, "%s: note: the module has no domains feature: register, domain, enable, disable, list and estimate need it\n",
			prog);
	return rc;
}

/* main */

static const struct command commands[] = {
	{ "status", cmd_status, "status [--json] [-m]", status_help },
	{ "list", cmd_list, "list [--json] [-m]", list_help },
	{ "get", cmd_get, "get [-n] [--json] [NAME...]", get_help },
	{ "set", cmd_set, "set NAME=VALUE...", set_help },
	{ "register", cmd_register,
	  "register --pid PID [--range START:LENGTH] [--domain SALT] [--weight W]",
	  register_help },
	{ "unregister", cmd_unregister,
	  "unregister --pid PID [--range START:LENGTH]", unregister_help },
	{ "domain", cmd_domain, "domain --pid PID SALT", domain_help },
	{ "enable", cmd_enable, "enable --pid PID [--range START:LENGTH]",
	  enable_help },
	{ "disable", cmd_disable, "disable --pid PID [--range START:LENGTH]",
	  enable_help },
	{ "estimate", cmd_estimate, "estimate [--json]", estimate_help },
	{ "metrics", cmd_metrics, "metrics [--output FILE]", metrics_help },
	{ "apply", cmd_apply, "apply FILE", apply_help },
	{ "load", cmd_load, "load FILE", load_help },
	{ "version", cmd_version, "version", version_help },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: psharectl COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\n'psharectl COMMAND --help' explains a command.\n"
		"Exit status: 0 done, 1 a system call failed, 2 usage or a bad value.\n"
		"Environment: PSHARE_SYSFS (%s), PSHARE_PARAMS (%s),\n"
		"PSHARE_DEV (%s) replace the default paths.\n",
		PS_SYSFS_DEFAULT, PS_PARAMS_DEFAULT, PS_DEV_DEFAULT);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2) {
			for (i = 0; i < ARRAY_SIZE(commands); i++) {
				if (strcmp(commands[i].name, argv[2]))
					continue;
				cur_cmd = &commands[i];
				return cur_cmd->fn == cmd_get ? cmd_get_help() :
				       command_help();
			}
		}
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		argv[1] = "version";
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(commands[i].name, argv[1])) {
			cur_cmd = &commands[i];
			return cur_cmd->fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
