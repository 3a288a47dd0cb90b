/* A seccomp filter that makes this process and every descendant unable to
 * create a user namespace, as a hardened node is (AppArmor's restriction,
 * a container runtime's profile): unshare(CLONE_NEWUSER) and
 * clone(CLONE_NEWUSER) fail with EPERM. clone3 passes its flags in memory,
 * which a filter cannot read: it fails with ENOSYS, and glibc falls back to
 * clone. Needs CAP_SYS_ADMIN (or no_new_privs, which we do not want for
 * slurmd). Header-only: tests/unit and the launcher include it. */
#ifndef SPANK_NIX_DENY_USERNS_H
#define SPANK_NIX_DENY_USERNS_H

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

#if !defined(__x86_64__)
#error "deny_userns.h: only x86_64's syscall numbers and clone argument order are written here"
#endif

static inline int deny_user_namespaces(void)
{
#define ARG0_LO offsetof(struct seccomp_data, args[0])
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
		/* both take the flags in their first argument (x86_64) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
#undef ARG0_LO
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

#endif
