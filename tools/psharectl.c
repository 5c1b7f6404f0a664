// SPDX-License-Identifier: GPL-2.0-only
/*
 * psharectl: the pshare operator's command line.
 *
 *   psharectl status|list|estimate [--json]
 *   psharectl get [NAME...]            psharectl set NAME=VALUE...
 *   psharectl register|unregister|enable|disable --pid PID [--range S:L]
 *   psharectl domain --pid PID SALT    psharectl version
 *
 * Exit status: 0 done, 1 a system call failed, 2 usage or a bad value.
 * PSHARE_SYSFS, PSHARE_PARAMS and PSHARE_DEV replace the default paths.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
		   "host-wide scan cap, MB/s per GHz of CPU; 0 stops"),
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
	{ "madvise", TUN_UINT, 0, 1, NULL, true,
	  "module parameter, 1: madvise(MADV_MERGEABLE) registers with pshare",
	  false, 0 },
};

/* Read-only files, refused by "set" even where the module lacks them. */
static const char *const readonly_names[] = {
	"full_scans", "pages_shared", "pages_sharing", "pages_unshared",
	"pages_volatile", "zero_pages_sharing", "metadata_bytes",
	"general_profit", "pages_scanned", "pages_merged", "scan_cpu_msecs",
	"cpu_throttled", "cpu_mhz", "scan_cap_pages", "scan_rate_pages",
	"memory_state", "memory_state_entries", "shrinker_calls",
	"thp_scanned", "thp_splits", "thp_split_candidates",
	"thp_dup_subpages", "version", "estimate_pages",
	"estimate_zero_pages", "group", "hash_bits", "require_symbol",
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
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hjp:r:mn", longopts, NULL)) != -1) {
		if (c == OPT_HELP)
			return command_help();
		if (c == '?' || c == ':' || !strchr(allowed, c)) {
			if (c == '?' || c == ':')
				return usage_error("bad option '%s'", argv[optind - 1]);
			return usage_error("option '%s' is not for %s",
					   argv[optind - 1], cur_cmd->name);
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

static void print_comm(char *buf, const struct pshare_proc_info *p)
{
	memcpy(buf, p->comm, sizeof(p->comm));
	buf[sizeof(p->comm)] = '\0';
}

static void print_proc_table(const struct pshare_proc_info *procs, size_t nr,
			     bool mib)
{
	uint64_t tot[5] = { 0 };
	size_t i, j;

	printf("%7s %-16s %-12s %-16s %6s %12s %12s %12s %12s %12s\n",
	       "PID", "COMMAND", "DOMAIN", "FLAGS", "RANGES",
	       mib ? "REG_MiB" : "REGISTERED", mib ? "SHARED_MiB" : "SHARED",
	       mib ? "SHARING_MiB" : "SHARING", mib ? "ZERO_MiB" : "ZERO",
	       mib ? "SAVED_MiB" : "SAVED");
	for (i = 0; i < nr; i++) {
		const struct pshare_proc_info *p = &procs[i];
		uint64_t f[5] = { p->registered, p->shared, p->sharing,
				  p->zero, p->saved };
		char comm[sizeof(p->comm) + 1], dom[32], flags[64];

		print_comm(comm, p);
		ps_domain_str(p->domain, dom, sizeof(dom));
		ps_flags_str(p->flags, flags, sizeof(flags));
		printf("%7d %-16s %-12s %-16s %6u", p->pid, comm, dom, flags,
		       p->nr_ranges);
		for (j = 0; j < 5; j++) {
			tot[j] += f[j];
			if (mib)
				printf(" %12.1f", ps_mib(f[j]));
			else
				printf(" %12" PRIu64, f[j]);
		}
		printf("\n");
	}
	printf("%7s %-16s %-12s %-16s %6s", "", "TOTAL", "", "", "");
	for (j = 0; j < 5; j++) {
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

/* The host's savings in one line, from sysfs. */
static void print_host_summary(void)
{
	int64_t sharing = ps_get_s64("pages_sharing", 0);
	int64_t zero = ps_get_s64("zero_pages_sharing", 0);
	int64_t meta = ps_get_s64("metadata_bytes", 0);
	int64_t profit = ps_get_s64("general_profit", 0);

	printf("host: saved %.1f MiB (%" PRId64 " pages: %" PRId64
	       " shared mappings + %" PRId64 " zero), metadata %.1f MiB, profit %.1f MiB\n",
	       ps_mib(sharing + zero), sharing + zero, sharing, zero,
	       meta / 1048576.0, profit / 1048576.0);
}

static const char list_help[] =
	"Lists the processes with pshare registrations (PSHARE_IOC_LIST, which\n"
	"needs CAP_SYS_ADMIN): pid, command, domain (proc:N is a process's own\n"
	"domain, a number is a salt), flags (whole, disabled, madvise, mixed),\n"
	"registrations, and registered, shared, sharing, zero and saved figures.\n"
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
	ret = ps_list(&procs, &nr);
	if (ret)
		list_failure(why, sizeof(why), ret);
	else
		qsort(procs, nr < 1 ? 0 : nr, sizeof(*procs), cmp_pid);
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
	"Shows every file of the pshare sysfs directory (the host's figures and\n"
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
	lret = ps_list(&procs, &nr);
	if (lret)
		list_failure(why, sizeof(why), lret);
	else
		qsort(procs, nr < 1 ? 0 : nr, sizeof(*procs), cmp_pid);

	if (o.json) {
		printf("{\n  \"sysfs\": ");
		ps_json_str(stdout, ps_sysfs_dir());
		printf(",\n  \"saved_pages\": %" PRId64 ",\n  \"saved_mib\": %.2f",
		       sharing + zero, ps_mib(sharing + zero));
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

struct dom_est {
	uint64_t domain;
	unsigned int procs;
	bool mixed;
	uint64_t est_saved, est_zero;
};

static int cmp_dom(const void *a, const void *b)
{
	const struct dom_est *x = a, *y = b;
	uint64_t sx = x->est_saved + x->est_zero, sy = y->est_saved + y->est_zero;

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
	struct dom_est *doms = NULL;
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
	lret = ps_list(&procs, &nr);
	if (lret) {
		list_failure(why, sizeof(why), lret);
		fprintf(stderr, "%s: estimate: processes: %s\n", prog, why);
		rc = EXIT_SYS;
	}
	if (nr) {
		doms = calloc(nr, sizeof(*doms));
		if (!doms) {
			free(procs);
			return EXIT_SYS;
		}
		qsort(procs, nr, sizeof(*procs), cmp_est);
	}
	for (i = 0; i < nr; i++) {
		for (j = 0; j < ndom; j++)
			if (doms[j].domain == procs[i].domain)
				break;
		if (j == ndom)
			doms[ndom++].domain = procs[i].domain;
		doms[j].procs++;
		doms[j].mixed |= !!(procs[i].flags & PSHARE_PROC_MIXED);
		doms[j].est_saved += procs[i].est_saved;
		doms[j].est_zero += procs[i].est_zero;
	}
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
			uint64_t s = doms[j].est_saved + doms[j].est_zero;

			ps_domain_str(doms[j].domain, dom, sizeof(dom));
			printf("%s\n    {\"domain\": \"%s\", \"domain_value\": %" PRIu64
			       ", \"processes\": %u, \"mixed\": %s, \"est_saved\": %" PRIu64
			       ", \"est_zero\": %" PRIu64 ", \"would_save_pages\": %" PRIu64
			       ", \"would_save_mib\": %.2f}", j ? "," : "", dom,
			       doms[j].domain, doms[j].procs,
			       doms[j].mixed ? "true" : "false", doms[j].est_saved,
			       doms[j].est_zero, s, ps_mib(s));
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
		uint64_t s = doms[j].est_saved + doms[j].est_zero;

		ps_domain_str(doms[j].domain, dom, sizeof(dom));
		if (doms[j].mixed)
			strcat(dom, " (mixed)");
		printf("%-24s %6u %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %10.1f\n",
		       dom, doms[j].procs, doms[j].est_saved, doms[j].est_zero, s,
		       ps_mib(s));
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
