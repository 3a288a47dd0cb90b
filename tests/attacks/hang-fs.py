#!/usr/bin/python3
# A file system that stops answering, for fault tests (issue 10): a store
# directory (owned by UID:GID, holding an empty store/) served by this
# process. Stop the process (SIGSTOP) and the file system stops answering,
# as a store on a server that went away would: a lookup then waits until
# the process goes on, or the looker is killed. Run as root:
#   hang-fs.py MOUNTPOINT UID GID
# stays in the foreground; stop it by pid after unmounting.
import errno
import stat
import sys
import time


def attrs(uid, gid):
    now = time.time()
    return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, st_uid=uid,
                st_gid=gid, st_size=0, st_atime=now, st_mtime=now, st_ctime=now)


def serve_fusepy(mnt, uid, gid):
    from fusepy import FUSE, FuseOSError, Operations

    class Store(Operations):
        def getattr(self, path, fh=None):
            if path not in ("/", "/store"):
                raise FuseOSError(errno.ENOENT)
            return attrs(uid, gid)

        def readdir(self, path, fh):
            return [".", "..", "store"] if path == "/" else [".", ".."]

    FUSE(Store(), mnt, foreground=True, allow_other=True, ro=True,
         attr_timeout=0, entry_timeout=0)


def serve_pyfuse3(mnt, uid, gid):
    """The same file system with pyfuse3 (Debian sid has no fusepy)."""
    import pyfuse3
    import trio

    store_inode = pyfuse3.ROOT_INODE + 1

    def entry(inode):
        e = pyfuse3.EntryAttributes()
        for k, v in attrs(uid, gid).items():
            if k.endswith("time"):
                setattr(e, k + "_ns", int(v * 1e9))
            else:
                setattr(e, k, v)
        e.st_ino = inode
        e.attr_timeout = e.entry_timeout = 0
        return e

    class Store(pyfuse3.Operations):
        async def getattr(self, inode, ctx=None):
            if inode not in (pyfuse3.ROOT_INODE, store_inode):
                raise pyfuse3.FUSEError(errno.ENOENT)
            return entry(inode)

        async def lookup(self, parent_inode, name, ctx=None):
            if parent_inode == pyfuse3.ROOT_INODE and name == b"store":
                return entry(store_inode)
            raise pyfuse3.FUSEError(errno.ENOENT)

        async def opendir(self, inode, ctx):
            return inode

        async def readdir(self, fh, start_id, token):
            if fh == pyfuse3.ROOT_INODE and start_id == 0:
                pyfuse3.readdir_reply(token, b"store", entry(store_inode), 1)

    options = set(pyfuse3.default_options) | {"fsname=hang-fs", "allow_other", "ro"}
    pyfuse3.init(Store(), mnt, options)
    trio.run(pyfuse3.main)


if __name__ == "__main__":
    mnt, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    try:
        import fusepy  # noqa: F401
    except ImportError:
        serve_pyfuse3(mnt, uid, gid)
    else:
        serve_fusepy(mnt, uid, gid)
