#include "root_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix_clock.h"

int64_t far_deadline(void)
{
	return nix_clock_ms() + 30000;
}

struct nix_job test_job(struct nix_config *cfg, const char *node, uint32_t jobid,
			const struct nix_ids *ids)
{
	return (struct nix_job){ .cfg = cfg, .node = node, .jobid = jobid, .ids = ids,
				 .base_mntns_fd = -1, .deadline_ms = far_deadline() };
}

char top[64];
char store_dir[128];
char state_dir[128];

void sh(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

/* Once per run, in the parent: a failing test exits its forked child
 * before any per-test teardown could run. */
void make_top(void)
{
	ck_assert_msg(geteuid() == 0, "the unit tests that build views must run as root");
	strcpy(top, "/tmp/spank-nix-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	chmod(top, 0755);
	snprintf(store_dir, sizeof(store_dir), "%s/nix", top);
	snprintf(state_dir, sizeof(state_dir), "%s/state", top);
}

void remove_top(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "findmnt -rno TARGET | grep '^%s' | sort -r | xargs -r umount -l; rm -rf %s",
		 top, top);
	ck_assert_int_eq(system(cmd), 0);
}

/* Before each test: a fresh store owned by the user. */
void fresh_user_store(void)
{
	sh("rm -rf %s && mkdir -p %s/store/abc-hello && echo hi > %s/store/abc-hello/greeting", store_dir);
	sh("chown -R 65534:65534 %s && chmod 755 %s", store_dir);
}

/* The site's defaults with our state dir, and a view of the test store. */
void plain_view(struct nix_config *cfg, struct nix_view *v)
{
	nix_config_defaults(cfg);
	strcpy(cfg->state_dir, state_dir);
	strcpy(v->origin, "--nix-store=test");
	strcpy(v->store, store_dir);
	strcpy(v->mountpoint, "/nix");
}

ino_t ns_ino(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

struct nix_view view_of(const char *store, const char *closure, const char *hide)
{
	struct nix_view v;

	memset(&v, 0, sizeof(v));
	strcpy(v.origin, "--nix-store=test");
	snprintf(v.store, sizeof(v.store), "%s", store);
	strcpy(v.mountpoint, "/nix");
	snprintf(v.closure, sizeof(v.closure), "%s", closure);
	snprintf(v.hide, sizeof(v.hide), "%s", hide);
	return v;
}
