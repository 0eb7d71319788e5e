// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The runner: every scenario in a child process of its own, so a bugcheck (exit 100), a
 * failed check (exit 1) or an AddressSanitizer report stops that scenario only. cmocka runs
 * one test per scenario and prints its summary; the last line is
 * `winmodel: N passed, M failed`. A scenario that does not finish in 60 s fails.
 *
 * usage: test_winmodel [substring]   runs the scenarios whose name contains it
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "wm_test.h"

/* the child's exit status for "ran clean: no n-th fallible call" */
#define WT_RAN_CLEAN 42

int wt_each_fallible_call(int max, int (*run)(int n, const void *arg), const void *arg)
{
	int n, status;
	pid_t pid;

	for (n = 1; n <= max; n++) {
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid == 0) {
			wm_fail_plan(0, 0);
			_exit(run(n, arg) ? WT_RAN_CLEAN : 0);
		}
		waitpid(pid, &status, 0);
		if (getenv("WM_VERBOSE"))
			fprintf(stderr, "  fallible call %d: exit status %#x\n", n, status);
		CHECK(WIFEXITED(status), "fallible call %d: the machine died (signal %d)", n,
		      WTERMSIG(status));
		if (WEXITSTATUS(status) == WT_RAN_CLEAN)
			return n - 1; /* every call on the path has failed once */
		CHECK(WEXITSTATUS(status) == 0,
		      "fallible call %d: exit %d (bugcheck or check above)", n,
		      WEXITSTATUS(status));
	}
	CHECK(0, "more than %d fallible calls", max);
	return max;
}

static void run_child(void **state)
{
	const struct wt_scenario *s = *state;
	int status, i;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		alarm(60);
		wm_init();
		s->fn();
		_exit(0);
	}
	assert_true(pid > 0);
	for (i = 0; waitpid(pid, &status, 0) != pid; i++)
		assert_true(i < 100);
	if (WIFSIGNALED(status))
		fail_msg("scenario '%s' died of signal %d", s->name, WTERMSIG(status));
	if (WEXITSTATUS(status) == 100)
		fail_msg("scenario '%s' stopped the machine (bugcheck above)", s->name);
	if (WEXITSTATUS(status))
		fail_msg("scenario '%s' failed (exit %d)", s->name, WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	const struct wt_scenario *lists[] = {
		wt_basic,  wt_lifetime,	  wt_faults,	wt_findings,	wt_rw,
		wt_chain,  wt_chain_ring, wt_kapi,	wt_wait,	wt_attach,
		wt_events, wt_events_lib, wt_rings_lib, wt_events_wait,
	};
	static struct CMUnitTest tests[512];
	size_t n = 0, l;
	int failed;

	for (l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		const struct wt_scenario *s;

		for (s = lists[l]; s->name; s++) {
			if (argc > 1 && !strstr(s->name, argv[1]))
				continue;
			if (n == sizeof(tests) / sizeof(tests[0])) {
				fprintf(stderr, "winmodel: more scenarios than tests[] holds\n");
				return 1;
			}
			tests[n].name = s->name;
			tests[n].test_func = run_child;
			tests[n].initial_state = (void *)s;
			n++;
		}
	}
	failed = _cmocka_run_group_tests("winmodel", tests, n, NULL, NULL);
	printf("winmodel: %zu passed, %d failed\n", n - (size_t)failed, failed);
	return failed ? 1 : 0;
}
