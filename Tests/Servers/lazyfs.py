#!/usr/bin/python3
"""A file system that keeps only what was fsynced, for the power-loss suite.

Like a disk with a volatile write cache (in the spirit of LazyFS): every write, new name, rename and
removal lives in memory only. fsync(2) of a file makes its data and attributes durable; fsync(2) of
a directory makes its entries durable (POSIX's rule: a new name survives once its directory is
fsynced). Durable state is kept in STORE on the real disk.

SIGUSR1 is a power cut: the process exits at once, between two requests, and everything not yet
durable is gone. Mounting again on the same STORE gives what a machine would find after reboot.
SIGTERM unmounts cleanly (nothing extra is made durable either way).

    lazyfs.py MOUNTPOINT STORE

Prints "mounted" on its standard output once the mount is in place.
"""

import errno
import json
import os
import signal
import stat
import sys
import time

import pyfuse3
import trio

ROOT = pyfuse3.ROOT_INODE


class Inode:
    def __init__(self, number, mode, uid=0, gid=0, target=b""):
        self.number = number
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.target = target  # a symlink's
        self.data = bytearray()  # a file's, as the processes see it
        self.entries = {}  # a directory's: name (bytes) -> inode number
        self.links = 0
        self.dirty = []  # (start, end) written since the last fsync
        self.shortest = None  # the smallest size it was truncated to since the last fsync
        self.mtime = time.time_ns()

    @property
    def kind(self):
        return stat.S_IFMT(self.mode)


class LazyFS(pyfuse3.Operations):
    enable_writeback_cache = False

    def __init__(self, store):
        super().__init__()
        self.store = store
        self.inodes = {}
        self.load()

    # The durable side: STORE/<n>.meta (kind, mode, owner, target), <n>.data, <n>.dir (entries).

    def path(self, number, suffix):
        return os.path.join(self.store, f"{number}.{suffix}")

    def write_atomically(self, path, data):
        with open(path + ".new", "wb") as file:
            file.write(data)
        os.replace(path + ".new", path)

    def persist_meta(self, inode):
        meta = {"mode": inode.mode, "uid": inode.uid, "gid": inode.gid, "target": inode.target.hex()}
        self.write_atomically(self.path(inode.number, "meta"), json.dumps(meta).encode())

    def persist_data(self, inode):
        path = self.path(inode.number, "data")
        if not os.path.exists(path):
            open(path, "wb").close()
        with open(path, "r+b") as file:
            if inode.shortest is not None:
                file.truncate(inode.shortest)
            file.truncate(len(inode.data))
            for start, end in inode.dirty:
                end = min(end, len(inode.data))
                if start < end:
                    file.seek(start)
                    file.write(inode.data[start:end])
        inode.dirty = []
        inode.shortest = None

    def persist_entries(self, inode):
        for number in inode.entries.values():
            if not os.path.exists(self.path(number, "meta")):
                self.persist_meta(self.inodes[number])
        entries = {name.hex(): number for name, number in inode.entries.items()}
        self.write_atomically(self.path(inode.number, "dir"), json.dumps(entries).encode())

    def load(self):
        os.makedirs(self.store, exist_ok=True)
        for name in os.listdir(self.store):
            if not name.endswith(".meta"):
                continue
            number = int(name[:-5])
            with open(os.path.join(self.store, name), "rb") as file:
                meta = json.loads(file.read())
            inode = Inode(number, meta["mode"], meta["uid"], meta["gid"], bytes.fromhex(meta["target"]))
            data = self.path(number, "data")
            if os.path.exists(data):
                with open(data, "rb") as file:
                    inode.data = bytearray(file.read())
            self.inodes[number] = inode
        if ROOT not in self.inodes:
            self.inodes[ROOT] = Inode(ROOT, stat.S_IFDIR | 0o755)
            self.persist_meta(self.inodes[ROOT])
            self.persist_entries(self.inodes[ROOT])
        for inode in self.inodes.values():
            entries = self.path(inode.number, "dir")
            if inode.kind == stat.S_IFDIR and os.path.exists(entries):
                with open(entries, "rb") as file:
                    stored = json.loads(file.read())
                inode.entries = {bytes.fromhex(name): number for name, number in stored.items() if number in self.inodes}
        for inode in self.inodes.values():
            for number in inode.entries.values():
                self.inodes[number].links += 1
        self.inodes[ROOT].links += 1
        self.next_number = max(self.inodes) + 1

    # What the kernel asks.

    def attributes(self, inode):
        attributes = pyfuse3.EntryAttributes()
        attributes.st_ino = inode.number
        attributes.generation = 0
        attributes.entry_timeout = 0
        attributes.attr_timeout = 0
        attributes.st_mode = inode.mode
        attributes.st_nlink = max(inode.links, 1) if inode.kind == stat.S_IFDIR else inode.links
        attributes.st_uid = inode.uid
        attributes.st_gid = inode.gid
        attributes.st_rdev = 0
        size = len(inode.target) if inode.kind == stat.S_IFLNK else len(inode.data)
        attributes.st_size = size
        attributes.st_blksize = 4096
        attributes.st_blocks = (size + 511) // 512
        attributes.st_atime_ns = attributes.st_mtime_ns = attributes.st_ctime_ns = inode.mtime
        return attributes

    def inode(self, number):
        try:
            return self.inodes[number]
        except KeyError:
            raise pyfuse3.FUSEError(errno.ENOENT)

    def child(self, parent, name):
        number = self.inode(parent).entries.get(name)
        if number is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self.inodes[number]

    async def lookup(self, parent_inode, name, ctx=None):
        if name == b".":
            return self.attributes(self.inode(parent_inode))
        return self.attributes(self.child(parent_inode, name))

    async def getattr(self, inode, ctx=None):
        return self.attributes(self.inode(inode))

    async def setattr(self, inode, attr, fields, fh, ctx):
        node = self.inode(inode)
        if fields.update_size:
            size = attr.st_size
            if size < len(node.data):
                del node.data[size:]
                node.shortest = size if node.shortest is None else min(node.shortest, size)
            else:
                node.dirty.append((len(node.data), size))
                node.data.extend(b"\0" * (size - len(node.data)))
        if fields.update_mode:
            node.mode = stat.S_IFMT(node.mode) | stat.S_IMODE(attr.st_mode)
        if fields.update_uid:
            node.uid = attr.st_uid
        if fields.update_gid:
            node.gid = attr.st_gid
        if fields.update_mtime:
            node.mtime = attr.st_mtime_ns
        return self.attributes(node)

    def make(self, parent_inode, name, mode, ctx, target=b""):
        parent = self.inode(parent_inode)
        if name in parent.entries:
            raise pyfuse3.FUSEError(errno.EEXIST)
        node = Inode(self.next_number, mode, ctx.uid, ctx.gid, target)
        self.next_number += 1
        self.inodes[node.number] = node
        parent.entries[name] = node.number
        node.links = 1
        parent.mtime = time.time_ns()
        return node

    async def mkdir(self, parent_inode, name, mode, ctx):
        node = self.make(parent_inode, name, stat.S_IFDIR | stat.S_IMODE(mode), ctx)
        node.links = 2
        self.inode(parent_inode).links += 1
        return self.attributes(node)

    async def mknod(self, parent_inode, name, mode, rdev, ctx):
        return self.attributes(self.make(parent_inode, name, mode, ctx))

    async def symlink(self, parent_inode, name, target, ctx):
        return self.attributes(self.make(parent_inode, name, stat.S_IFLNK | 0o777, ctx, target))

    async def readlink(self, inode, ctx):
        return self.inode(inode).target

    async def create(self, parent_inode, name, mode, flags, ctx):
        node = self.make(parent_inode, name, stat.S_IFREG | stat.S_IMODE(mode), ctx)
        return pyfuse3.FileInfo(fh=node.number), self.attributes(node)

    async def link(self, inode, new_parent_inode, new_name, ctx):
        node = self.inode(inode)
        parent = self.inode(new_parent_inode)
        if new_name in parent.entries:
            raise pyfuse3.FUSEError(errno.EEXIST)
        parent.entries[new_name] = node.number
        node.links += 1
        return self.attributes(node)

    def remove(self, parent_inode, name, directory):
        parent = self.inode(parent_inode)
        node = self.child(parent_inode, name)
        if directory != (node.kind == stat.S_IFDIR):
            raise pyfuse3.FUSEError(errno.ENOTDIR if directory else errno.EISDIR)
        if directory and node.entries:
            raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        del parent.entries[name]
        node.links -= 2 if directory else 1
        if directory:
            parent.links -= 1

    async def unlink(self, parent_inode, name, ctx):
        self.remove(parent_inode, name, directory=False)

    async def rmdir(self, parent_inode, name, ctx):
        self.remove(parent_inode, name, directory=True)

    async def rename(self, parent_inode_old, name_old, parent_inode_new, name_new, flags, ctx):
        if flags & pyfuse3.RENAME_EXCHANGE:
            raise pyfuse3.FUSEError(errno.EINVAL)
        node = self.child(parent_inode_old, name_old)
        target = self.inode(parent_inode_new)
        if name_new in target.entries:
            if flags & pyfuse3.RENAME_NOREPLACE:
                raise pyfuse3.FUSEError(errno.EEXIST)
            replaced = self.inodes[target.entries[name_new]]
            if replaced.kind == stat.S_IFDIR:
                if replaced.entries:
                    raise pyfuse3.FUSEError(errno.ENOTEMPTY)
                target.links -= 1
            replaced.links -= 1
        del self.inode(parent_inode_old).entries[name_old]
        target.entries[name_new] = node.number
        if node.kind == stat.S_IFDIR and parent_inode_old != parent_inode_new:
            self.inode(parent_inode_old).links -= 1
            target.links += 1

    async def open(self, inode, flags, ctx):
        self.inode(inode)
        return pyfuse3.FileInfo(fh=inode)

    async def read(self, fh, off, size):
        return bytes(self.inode(fh).data[off : off + size])

    async def write(self, fh, off, buf):
        node = self.inode(fh)
        if off > len(node.data):
            node.data.extend(b"\0" * (off - len(node.data)))
        node.data[off : off + len(buf)] = buf
        node.dirty.append((off, off + len(buf)))
        node.mtime = time.time_ns()
        return len(buf)

    async def fsync(self, fh, datasync):
        node = self.inode(fh)
        self.persist_meta(node)
        self.persist_data(node)

    async def opendir(self, inode, ctx):
        self.inode(inode)
        return inode

    async def readdir(self, fh, start_id, token):
        names = sorted(self.inode(fh).entries.items())
        for index, (name, number) in enumerate(names[start_id:], start_id + 1):
            if not pyfuse3.readdir_reply(token, name, self.attributes(self.inodes[number]), index):
                break

    async def fsyncdir(self, fh, datasync):
        node = self.inode(fh)
        self.persist_meta(node)
        self.persist_entries(node)

    async def statfs(self, ctx):
        result = pyfuse3.StatvfsData()
        result.f_bsize = result.f_frsize = 4096
        result.f_blocks = result.f_bfree = result.f_bavail = 1 << 24
        result.f_files = result.f_ffree = result.f_favail = 1 << 20
        result.f_namemax = 255
        return result

    async def flush(self, fh):
        pass

    async def release(self, fh):
        pass

    async def releasedir(self, fh):
        pass

    async def access(self, inode, mode, ctx):
        return True

    async def getxattr(self, inode, name, ctx):
        raise pyfuse3.FUSEError(pyfuse3.ENOATTR)

    async def listxattr(self, inode, ctx):
        return []


async def main(mountpoint, store):
    operations = LazyFS(store)
    options = set(pyfuse3.default_options)
    options.add("fsname=lazyfs")
    options.discard("default_permissions")
    pyfuse3.init(operations, mountpoint, options)
    print("mounted", flush=True)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(pyfuse3.main)
        with trio.open_signal_receiver(signal.SIGUSR1, signal.SIGTERM) as signals:
            async for number in signals:
                if number == signal.SIGUSR1:
                    os._exit(0)  # the power cut: whatever is not durable is lost with this process
                pyfuse3.close(unmount=True)
                nursery.cancel_scope.cancel()
                return


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: lazyfs.py MOUNTPOINT STORE")
    # A test runner's children can inherit these blocked; the cut and the unmount must get through.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1, signal.SIGTERM})
    trio.run(main, sys.argv[1], sys.argv[2])
