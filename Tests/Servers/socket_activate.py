#!/usr/bin/env python3
"""Hands a listening Unix socket to a program as systemd does (sd_listen_fds(3)).

Usage: socket_activate.py SOCKET_PATH MODE GROUP -- PROGRAM ARGS...

Binds SOCKET_PATH, gives it MODE (octal) and GROUP as a socket unit's SocketMode= and SocketGroup=
would, then execs PROGRAM in this same process with the socket as descriptor 3, LISTEN_FDS=1 and
LISTEN_PID set to its own pid: what systemd's socket activation passes.
"""
import grp
import os
import socket
import sys

path, mode, group = sys.argv[1], int(sys.argv[2], 8), sys.argv[3]
program = sys.argv[sys.argv.index("--") + 1:]
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
listener.listen(128)
os.chown(path, -1, grp.getgrnam(group).gr_gid)
os.chmod(path, mode)
if listener.fileno() != 3:
    os.dup2(listener.fileno(), 3)
os.set_inheritable(3, True)
environment = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES="submit")
os.execve(program[0], program, environment)
