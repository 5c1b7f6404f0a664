// SPDX-License-Identifier: GPL-2.0-only
/*
 * psharetop: a live view of pshare, after esxtop's memory screen.
 *
 *   psharetop [-b] [-d SECS] [-n N] [-s pid|saved|shared|registered|zero]
 *
 * The host's rows come from /sys/kernel/mm/pshare, the processes from
 * PSHARE_IOC_LIST on /dev/pshare (opened for each refresh only, so that
 * the module can still be unloaded). Keys: p, s, h, r, z sort; q quits.
 * -b prints plain timestamped blocks instead, for logs and scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

enum sort_key { SORT_PID, SORT_SAVED, SORT_SHARED, SORT_REGISTERED, SORT_ZERO };

static const struct {
	const char *name;
	char key;
} sort_keys[] = {
	[SORT_PID] = { "pid", 'p' },
	[SORT_SAVED] = { "saved", 's' },
	[SORT_SHARED] = { "shared", 'h' },
	[SORT_REGISTERED] = { "registered", 'r' },
	[SORT_ZERO] = { "zero", 'z' },
};

#define NR_SORT_KEYS	(sizeof(sort_keys) / sizeof(sort_keys[0]))

/* One refresh: the host's figures and the processes. */
struct frame {
	bool loaded;		/* the sysfs directory is there */
	int sysfs_err;
	double when;		/* CLOCK_MONOTONIC, s */
	time_t wall;
	char version[64], state[32];
	int64_t run, rate, cap, cpu_ms, scanned, shared, sharing, zero;
	int64_t skipped, metadata, profit, full_scans, est, est_zero;
	int64_t thp_held, thp_cands;	/* thp_dup_subpages, thp_split_candidates */
	char thp_split[32];
	double cpu_pct, scan_pps, skip_pps;	/* < 0: no earlier frame yet */
	struct pshare_proc_info *procs;
	size_t nr;
	int list_err;		/* 0, or why there are no processes */
};

static volatile sig_atomic_t stop_signal, resized;
static struct termios saved_tty;
static bool tty_raw;
static bool batch;
static enum sort_key sort_by = SORT_SAVED;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		resized = 1;
	else
		stop_signal = sig;
}

/* Leave the terminal as it was: mode, cursor, main screen. */
static void restore_tty(void)
{
	if (!tty_raw)
		return;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	tty_raw = false;
}

/*
 * Keys without Enter and without echo. ISIG stays on, so that Ctrl-C is
 * SIGINT, which ends the loop and restores the terminal.
 */
static void raw_tty(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	t = saved_tty;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t))
		return;
	tty_raw = true;
	atexit(restore_tty);
	fputs("\033[?1049h\033[?25l", stdout);	/* own screen, no cursor */
}

static int64_t get(const char *name)
{
	return ps_get_s64(name, -1);
}

/* Read a frame; @prev (or NULL) gives the rates. */
static void sample(struct frame *f, const struct frame *prev)
{
	char a[PS_VALUE_MAX];
	int ret;

	memset(f, 0, sizeof(*f));
	f->when = now();
	f->wall = time(NULL);
	f->cpu_pct = -1;
	f->scan_pps = -1;
	f->skip_pps = -1;
	ret = ps_read_file(ps_sysfs_dir(), "version", f->version,
			   sizeof(f->version));
	if (ret == -ENOENT && access(ps_sysfs_dir(), F_OK)) {
		f->sysfs_err = -errno;
		f->list_err = -ENOENT;
		return;
	}
	f->loaded = true;
	if (ret)
		snprintf(f->version, sizeof(f->version), "?");
	if (ps_read_file(ps_sysfs_dir(), "memory_state", f->state,
			 sizeof(f->state)))
		snprintf(f->state, sizeof(f->state), "?");
	f->run = get("run");
	f->rate = get("scan_rate_pages");
	f->cap = get("scan_cap_pages");
	f->cpu_ms = get("scan_cpu_msecs");
	f->scanned = get("pages_scanned");
	f->skipped = get("pages_skipped");
	f->shared = get("pages_shared");
	f->sharing = get("pages_sharing");
	f->zero = get("zero_pages_sharing");
	f->metadata = get("metadata_bytes");
	f->profit = ps_get_s64("general_profit", INT64_MIN);
	f->full_scans = get("full_scans");
	f->est = get("estimate_pages");
	f->est_zero = get("estimate_zero_pages");
	f->thp_held = get("thp_dup_subpages");
	f->thp_cands = get("thp_split_candidates");
	if (ps_read_file(ps_sysfs_dir(), "thp_split", a, sizeof(a)) ||
	    !ps_bracketed(a, f->thp_split, sizeof(f->thp_split)))
		snprintf(f->thp_split, sizeof(f->thp_split), "?");
	if (prev && prev->loaded && f->when - prev->when > 0.05) {
		double ms = (f->when - prev->when) * 1000.0;

		if (f->cpu_ms >= 0 && prev->cpu_ms >= 0 && f->cpu_ms >= prev->cpu_ms)
			f->cpu_pct = (f->cpu_ms - prev->cpu_ms) * 100.0 / ms;
		if (f->scanned >= 0 && prev->scanned >= 0 &&
		    f->scanned >= prev->scanned)
			f->scan_pps = (f->scanned - prev->scanned) * 1000.0 / ms;
		if (f->skipped >= 0 && prev->skipped >= 0 &&
		    f->skipped >= prev->skipped)
			f->skip_pps = (f->skipped - prev->skipped) * 1000.0 /
				      ms;
	}
	f->list_err = ps_list(&f->procs, &f->nr);
}

static uint64_t sort_value(const struct pshare_proc_info *p)
{
	switch (sort_by) {
	case SORT_SAVED:
		return p->saved;
	case SORT_SHARED:
		return p->shared + p->sharing;
	case SORT_REGISTERED:
		return p->registered;
	case SORT_ZERO:
		return p->zero;
	default:
		return 0;
	}
}

/* Largest first, then by pid; by pid only for SORT_PID. */
static int cmp_proc(const void *a, const void *b)
{
	const struct pshare_proc_info *x = a, *y = b;
	uint64_t vx = sort_value(x), vy = sort_value(y);

	if (vx != vy)
		return vx < vy ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Output: lines, ended with "clear to end of line" on the terminal. */
static int lines_left;

static void line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void line(const char *fmt, ...)
{
	va_list ap;

	if (!batch && lines_left <= 0)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs(batch ? "\n" : "\033[K\n", stdout);
	lines_left--;
}

static void fmt_mib(char *buf, size_t len, int64_t pages)
{
	if (pages < 0)
		snprintf(buf, len, "%10s", "-");
	else
		snprintf(buf, len, "%10.1f MiB", ps_mib(pages));
}

static const char *run_str(int64_t run)
{
	static const char *const names[] = { "stop", "merge", "unmerge",
					     "estimate" };

	return run >= 0 && run < 4 ? names[run] : "?";
}

static void render(struct frame *f)
{
	char ts[32], a[80], b[32], dom[32], comm[20];
	int rows = 24;
	size_t i, shown;
	struct winsize ws;

	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", localtime(&f->wall));
	if (!batch) {
		if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 0)
			rows = ws.ws_row;
		lines_left = rows - 1;
		fputs("\033[H", stdout);
	}
	if (!f->loaded) {
		line("%s psharetop %s: pshare is not loaded (%s: %s)",
		     batch ? "===" : "", ts, ps_sysfs_dir(),
		     strerror(-f->sysfs_err));
		goto end;
	}
	line("%spsharetop %s  pshare %s  run %" PRId64 " (%s)  sort: %s%s",
	     batch ? "=== " : "", ts, f->version, f->run, run_str(f->run),
	     sort_keys[sort_by].name, batch ? " ===" : "");

	if (f->cpu_pct >= 0)
		snprintf(a, sizeof(a), "%5.1f %%", f->cpu_pct);
	else
		snprintf(a, sizeof(a), "%5s", "-");
	line("memory state    %-26s pshared CPU    %s", f->state, a);
	snprintf(a, sizeof(a), "%" PRId64 " of cap %" PRId64 " pages/s",
		 f->rate, f->cap);
	line("scan rate       %-26s full scans     %" PRId64, a, f->full_scans);
	/*
	 * Visits per second since the last frame ("-" in the first), and
	 * those smart_scan skipped where the module counts them.
	 */
	if (f->scan_pps >= 0)
		snprintf(a, sizeof(a), "%.0f pages/s", f->scan_pps);
	else
		snprintf(a, sizeof(a), "-");
	if (f->skip_pps >= 0)
		line("scanning        %-26s skipped        %.0f pages/s", a,
		     f->skip_pps);
	else
		line("scanning        %s", a);
	fmt_mib(a, sizeof(a), f->shared);
	fmt_mib(b, sizeof(b), f->sharing);
	line("shared-common   %-26s shared         %s", a, b);
	fmt_mib(a, sizeof(a), f->zero);
	fmt_mib(b, sizeof(b), f->sharing >= 0 && f->zero >= 0 ?
		f->sharing + f->zero : -1);
	line("zero            %-26s saved          %s", a, b);
	/* What pshare would save but holds in huge pages, beside saved. */
	if (f->thp_held >= 0) {
		if (f->thp_cands >= 0)
			snprintf(a, sizeof(a), "%" PRId64 " candidates, %s",
				 f->thp_cands, f->thp_split);
		else
			snprintf(a, sizeof(a), "%s", f->thp_split);
		fmt_mib(b, sizeof(b), f->thp_held);
		line("huge pages      %-26s held           %s", a, b);
	}
	snprintf(a, sizeof(a), "%10.1f MiB", f->metadata / 1048576.0);
	if (f->profit != INT64_MIN)
		snprintf(b, sizeof(b), "%10.1f MiB", f->profit / 1048576.0);
	else
		snprintf(b, sizeof(b), "%10s", "-");
	line("metadata        %-26s profit         %s", a, b);
	if (f->run == 3) {
		if (f->est >= 0 && f->est_zero >= 0)
			line("estimate        would save %.1f MiB: %" PRId64
			     " pages by merging, %" PRId64 " zero pages",
			     ps_mib(f->est + f->est_zero), f->est, f->est_zero);
		else
			line("estimate        not available from this module");
	}
	line("%s", "");
	if (f->list_err) {
		const char *why = "";

		if (f->list_err == -EPERM)
			why = " (the process list needs CAP_SYS_ADMIN)";
		else if (f->list_err == -ENOTTY)
			why = " (the loaded module has no PSHARE_IOC_LIST)";
		line("processes: not shown: %s: %s%s", ps_dev_path(),
		     strerror(-f->list_err), why);
		goto end;
	}
	qsort(f->procs, f->nr, sizeof(*f->procs), cmp_proc);
	/* 79 columns, sizes in MiB (Documentation/tools.rst). */
	line("%s%7s %-15s %-10s %8s %8s %8s %8s %8s%s",
	     batch ? "" : "\033[7m", "PID", "COMMAND", "DOMAIN", "REG",
	     "SHARED", "ZERO", "SAVED", "HELD", batch ? "" : "\033[0m");
	shown = 0;
	for (i = 0; i < f->nr; i++) {
		const struct pshare_proc_info *p = &f->procs[i];

		if (!batch && lines_left <= 1 && i + 1 < f->nr)
			break;
		memcpy(comm, p->comm, sizeof(p->comm));
		comm[sizeof(p->comm)] = '\0';
		ps_domain_str(p->domain, dom, sizeof(dom));
		if (p->flags & PSHARE_PROC_DISABLED)
			strcat(dom, " off");
		line("%7d %-15s %-10s %8.1f %8.1f %8.1f %8.1f %8.1f", p->pid,
		     comm, dom, ps_mib(p->registered),
		     ps_mib(p->shared + p->sharing), ps_mib(p->zero),
		     ps_mib(p->saved), ps_mib(p->thp_held));
		shown++;
	}
	if (shown < f->nr)
		line("... %zu more", f->nr - shown);
	else if (!f->nr)
		line("(no process has registrations)");
end:
	if (batch)
		fputs("\n", stdout);
	else
		fputs("\033[J", stdout);
	fflush(stdout);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: psharetop [-b] [-d SECS] [-n N] [-s pid|saved|shared|registered|zero]\n"
		"\n"
		"A live view of pshare, after esxtop's memory screen: the host's\n"
		"memory state, scan rate against its cap, pshared's CPU use, shared,\n"
		"zero and saved memory, what huge pages hold back, metadata and\n"
		"profit, the estimate in estimate mode (run 3), and the processes with\n"
		"registrations (needs CAP_SYS_ADMIN; without it, the host's rows\n"
		"only). Process figures are MiB: SHARED counts its pages mapped to\n"
		"merged pages, SAVED the pages it saves (further mappings of merged\n"
		"pages, and zero pages), HELD the pages it would save but holds in\n"
		"huge pages, which pshare keeps whole until memory is short\n"
		"(thp_split=pressure). \"off\" after the domain marks a process whose\n"
		"sharing is disabled.\n"
		"\n"
		"  -b        batch mode: plain text, a timestamped block per refresh\n"
		"  -d SECS   refresh interval (default 1)\n"
		"  -n N      stop after N refreshes (default: forever, 1 with -b)\n"
		"  -s KEY    sort by pid, saved (default), shared, registered, zero\n"
		"  -h        this help\n"
		"\n"
		"Keys: p, s, h, r, z sort by pid, saved, shared, registered, zero;\n"
		"q quits. Environment: PSHARE_SYSFS, PSHARE_DEV replace the paths.\n");
}

static bool parse_sort(const char *s)
{
	size_t i;

	for (i = 0; i < NR_SORT_KEYS; i++) {
		if (!strcmp(s, sort_keys[i].name)) {
			sort_by = i;
			return true;
		}
	}
	return false;
}

/* A key pressed: true to quit. Sort keys take effect at once. */
static bool handle_key(char k, bool *redraw)
{
	size_t i;

	if (k == 'q' || k == 'Q' || k == 3)
		return true;
	for (i = 0; i < NR_SORT_KEYS; i++) {
		if (k == sort_keys[i].key) {
			sort_by = i;
			*redraw = true;
		}
	}
	return false;
}

/*
 * Wait @secs, or until a key (interactive) or a signal. Returns true to
 * quit; *@redraw asks for the same frame to be drawn again.
 */
static bool wait_input(double secs, bool *redraw)
{
	static bool keys_gone;
	double end = now() + secs;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	*redraw = false;
	while (!stop_signal) {
		double left = end - now();
		int ret;
		char k;

		if (left <= 0)
			return false;
		if (resized) {
			resized = 0;
			*redraw = true;
			return false;
		}
		pfd.fd = tty_raw && !keys_gone ? STDIN_FILENO : -1;
		ret = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (ret < 0 && errno != EINTR)
			return false;
		if (ret > 0 && (pfd.revents & POLLIN)) {
			if (read(STDIN_FILENO, &k, 1) != 1)
				return false;
			if (handle_key(k, redraw))
				return true;
			if (*redraw)
				return false;
		} else if (ret > 0) {
			/* stdin hung up or failed: no more keys */
			keys_gone = true;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	struct frame cur, prev;
	long iterations = -1, done = 0;
	double delay = 1.0;
	struct sigaction sa;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "bd:n:s:h")) != -1) {
		switch (opt) {
		case 'b':
			batch = true;
			break;
		case 'd':
			errno = 0;
			delay = strtod(optarg, &end);
			if (errno || *end || end == optarg || delay < 0.1 ||
			    delay > 86400) {
				fprintf(stderr, "psharetop: -d needs seconds, 0.1 to 86400\n");
				return 2;
			}
			break;
		case 'n':
			errno = 0;
			iterations = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || iterations < 1) {
				fprintf(stderr, "psharetop: -n needs a count of 1 or more\n");
				return 2;
			}
			break;
		case 's':
			if (!parse_sort(optarg)) {
				fprintf(stderr, "psharetop: -s takes pid, saved, shared, registered or zero\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "psharetop: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (iterations < 0 && batch)
		iterations = 1;
	if (access(ps_sysfs_dir(), F_OK)) {
		fprintf(stderr, "psharetop: %s: %s%s\n", ps_sysfs_dir(),
			strerror(errno),
			errno == ENOENT ? " (is the pshare module loaded?)" : "");
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (!batch) {
		sigaction(SIGWINCH, &sa, NULL);
		raw_tty();
	}

	memset(&prev, 0, sizeof(prev));
	while (!stop_signal) {
		bool redraw, quit;

		sample(&cur, done ? &prev : NULL);
		render(&cur);
		done++;
		free(prev.procs);
		prev = cur;
		if (iterations > 0 && done >= iterations)
			break;
		if (batch) {
			quit = wait_input(delay, &redraw);
		} else {
			double next = now() + delay;

			do {
				quit = wait_input(next - now(), &redraw);
				if (redraw)
					render(&prev);
			} while (!quit && redraw);
		}
		if (quit)
			break;
	}
	free(prev.procs);
	restore_tty();
	if (stop_signal && stop_signal != SIGINT && stop_signal != SIGTERM)
		return 1;
	return 0;
}
