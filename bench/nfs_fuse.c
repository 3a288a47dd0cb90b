/* nfs-fuse: a read-only NFSv4 client in user space (FUSE over libnfs), for
 * bench/shared-fs only. This machine's kernel has no NFS client (no
 * CONFIG_NFS_FS, no module), and Debian 12 packages no FUSE NFS client
 * (fuse-nfs is not in bookworm), so the benchmark mounts its export with
 * this.
 *
 *   nfs-fuse nfs://HOST/EXPORT?version=4&nfsport=PORT MOUNTPOINT [FUSE options]
 *
 * Every FUSE call is one libnfs call, and libnfs sends NFSv4 path walks as
 * one COMPOUND: a file costs about what it costs the kernel's NFSv4 client
 * (a LOOKUP, an OPEN, a READ per 1 MiB, a CLOSE, one network round trip
 * each). Attributes and directory entries are cached by the kernel as FUSE
 * allows (-o attr_timeout, entry_timeout: the bench uses 3 s, NFS's
 * acregmin), file data in the page cache (-o auto_cache: dropped when the
 * file's mtime changes, like NFS's close-to-open). libnfs's sync calls are
 * not thread-safe: FUSE runs single-threaded. A call that fails because
 * libnfs's NFSv4 open state broke is retried once on a new connection
 * (reconnect), and said on stderr. */
#define FUSE_USE_VERSION 35
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <nfsc/libnfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct nfs_context *nfs;
static const char *nfs_url; /* argv[1], to connect again */

/* A new NFS client (context) for what follows. libnfs 4.0's NFSv4.0 open
 * state falls out of step with Ganesha's now and then (OPEN fails with
 * NFS4ERR_BAD_SEQID, which libnfs returns as ERANGE); a new client has a
 * new open-owner. The old one stays connected: files open through it keep
 * reading. */
static int reconnect(void)
{
	struct nfs_context *n = nfs_init_context();
	struct nfs_url *url = n ? nfs_parse_url_dir(n, nfs_url) : NULL;

	if (!url || nfs_mount(n, url->server, url->path) < 0) {
		fprintf(stderr, "nfs-fuse: cannot connect again: %s\n", n ? nfs_get_error(n) : "no memory");
		return -1;
	}
	nfs_destroy_url(url);
	nfs = n;
	fprintf(stderr, "nfs-fuse: connected again (a new NFSv4 client)\n");
	return 0;
}

/* Retry a path call once on a new client when the old one's state broke. */
#define RETRY(call) ({                              \
		int rc_ = (call);                          \
		if (rc_ == -ERANGE && reconnect() == 0)    \
			rc_ = (call);                      \
		rc_;                                       \
	})

struct open_file {
	struct nfs_context *nfs; /* the client it was opened through */
	struct nfsfh *fh;
};

/* A failure other than "no such file" is worth a line: the benchmark
 * prints this log when its runs fail. Returns rc. */
static int said(int rc, const char *op, const char *path)
{
	if (rc < 0 && rc != -ENOENT)
		fprintf(stderr, "nfs-fuse: %s %s: %d %s\n", op, path, rc, nfs_get_error(nfs));
	return rc;
}

static void to_stat(const struct nfs_stat_64 *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->nfs_ino;
	st->st_mode = n->nfs_mode;
	st->st_nlink = n->nfs_nlink;
	st->st_uid = n->nfs_uid;
	st->st_gid = n->nfs_gid;
	st->st_size = n->nfs_size;
	st->st_blksize = n->nfs_blksize;
	st->st_blocks = n->nfs_blocks;
	st->st_atim.tv_sec = n->nfs_atime;
	st->st_atim.tv_nsec = n->nfs_atime_nsec;
	st->st_mtim.tv_sec = n->nfs_mtime;
	st->st_mtim.tv_nsec = n->nfs_mtime_nsec;
	st->st_ctim.tv_sec = n->nfs_ctime;
	st->st_ctim.tv_nsec = n->nfs_ctime_nsec;
}

static int nf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct nfs_stat_64 n;
	int rc;

	(void)fi;
	rc = RETRY(nfs_lstat64(nfs, path, &n));
	if (rc < 0)
		return said(rc, "lstat", path);
	to_stat(&n, st);
	return 0;
}

static int nf_readlink(const char *path, char *buf, size_t size)
{
	int rc = RETRY(nfs_readlink(nfs, path, buf, size));

	if (rc < 0)
		return rc;
	buf[size - 1] = '\0';
	return 0;
}

static int nf_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct nfsdir *dir;
	struct nfsdirent *e;
	int rc;

	(void)off;
	(void)fi;
	(void)flags;
	rc = RETRY(nfs_opendir(nfs, path, &dir));
	if (rc < 0)
		return said(rc, "opendir", path);
	while ((e = nfs_readdir(nfs, dir)) != NULL) {
		struct stat st = { .st_ino = e->inode, .st_mode = e->mode };

		if (fill(buf, e->name, &st, 0, 0))
			break;
	}
	nfs_closedir(nfs, dir);
	return 0;
}

static int nf_open(const char *path, struct fuse_file_info *fi)
{
	struct open_file *f;
	struct nfsfh *fh;
	int rc;

	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	rc = RETRY(nfs_open(nfs, path, O_RDONLY, &fh));
	if (rc < 0)
		return said(rc, "open", path);
	f = malloc(sizeof(*f));
	if (!f) {
		nfs_close(nfs, fh);
		return -ENOMEM;
	}
	*f = (struct open_file){ .nfs = nfs, .fh = fh };
	fi->fh = (uint64_t)(uintptr_t)f;
	return 0;
}

static int nf_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct open_file *f = (struct open_file *)(uintptr_t)fi->fh;
	size_t done = 0;

	while (done < size) {
		int n = nfs_pread(f->nfs, f->fh, off + done, size - done, buf + done);

		if (n < 0)
			return said(n, "read", path);
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (int)done;
}

static int nf_release(const char *path, struct fuse_file_info *fi)
{
	struct open_file *f = (struct open_file *)(uintptr_t)fi->fh;

	(void)path;
	nfs_close(f->nfs, f->fh);
	free(f);
	return 0;
}

static const struct fuse_operations ops = {
	.getattr = nf_getattr,
	.readlink = nf_readlink,
	.readdir = nf_readdir,
	.open = nf_open,
	.read = nf_read,
	.release = nf_release,
};

int main(int argc, char **argv)
{
	struct nfs_url *url;
	char *fargv[64];
	int fargc = 0;

	if (argc < 3 || argc > 60) {
		fprintf(stderr, "usage: %s nfs://HOST/EXPORT?version=4&nfsport=PORT MOUNTPOINT [FUSE options]\n",
			argv[0]);
		return 2;
	}
	nfs_url = argv[1];
	nfs = nfs_init_context();
	if (!nfs)
		return 1;
	url = nfs_parse_url_dir(nfs, argv[1]);
	if (!url) {
		fprintf(stderr, "nfs-fuse: %s: %s\n", argv[1], nfs_get_error(nfs));
		return 1;
	}
	if (nfs_mount(nfs, url->server, url->path) < 0) {
		fprintf(stderr, "nfs-fuse: mount %s:%s: %s\n", url->server, url->path,
			nfs_get_error(nfs));
		return 1;
	}
	fargv[fargc++] = argv[0];
	fargv[fargc++] = argv[2];
	fargv[fargc++] = "-s"; /* one thread: libnfs's sync calls are not thread-safe */
	for (int i = 3; i < argc; i++)
		fargv[fargc++] = argv[i];
	fargv[fargc] = NULL;
	return fuse_main(fargc, fargv, &ops, NULL);
}
