#!/usr/bin/env bash
# no_io_in_cores.sh LIB.a...: fails when an object of a sans-I/O core library
# (every derp_* library built from reference/src) refers to a function that
# touches files, sockets or the terminal. The cores take and return bytes;
# the programs under derp-relay/, derp-client/ and file-io/ do the I/O.
# NM names the nm to use (the build's CMAKE_NM).
set -euo pipefail
NM=${NM:-nm}
[ $# -gt 0 ] || { echo "no_io_in_cores: no libraries given" >&2; exit 2; }

# libc's file, directory and socket calls, with their 64-bit, fortified
# (_chk, _2) and old-stat (__xstat) spellings; stdio that reads or writes a
# stream; OpenSSL, jansson and libevent calls that open files or sockets.
forbidden='
open open64 __open_2 __open64_2 openat openat64 __openat_2 __openat64_2 creat creat64
read __read_chk readv pread pread64 __pread_chk __pread64_chk preadv preadv64 preadv2
write writev pwrite pwrite64 pwritev pwritev64 pwritev2 lseek lseek64
close close_range dup dup2 dup3 pipe pipe2 fcntl fcntl64 ioctl
fsync fdatasync sync syncfs truncate truncate64 ftruncate ftruncate64 fallocate fallocate64
sendfile sendfile64 splice copy_file_range mmap mmap64
stat stat64 lstat lstat64 fstat fstat64 fstatat fstatat64 newfstatat statx
__xstat __xstat64 __lxstat __lxstat64 __fxstat __fxstat64 __fxstatat __fxstatat64
access faccessat euidaccess eaccess chmod fchmod fchmodat chown fchown lchown fchownat
utime utimes utimensat futimens
mkdir mkdirat rmdir rename renameat renameat2 link linkat symlink symlinkat
unlink unlinkat remove readlink readlinkat realpath __realpath_chk chdir fchdir getcwd
mkstemp mkstemp64 mkostemp mkostemp64 mkstemps mkostemps mkdtemp mktemp tmpfile tmpfile64 tmpnam
opendir fdopendir readdir readdir64 readdir_r scandir scandir64 closedir nftw nftw64 ftw glob
fopen fopen64 freopen freopen64 fdopen fmemopen open_memstream fclose fcloseall fflush
fread __fread_chk fread_unlocked fwrite fwrite_unlocked fgets __fgets_chk fgetc getc getchar
getline getdelim fputs fputc putc putchar puts fprintf __fprintf_chk vfprintf __vfprintf_chk
printf __printf_chk vprintf __vprintf_chk dprintf __dprintf_chk perror fscanf scanf
fseek fseeko fseeko64 ftell ftello ftello64 rewind fileno setvbuf
socket socketpair connect bind listen accept accept4 shutdown
send sendto sendmsg sendmmsg recv __recv_chk recvfrom __recvfrom_chk recvmsg recvmmsg
getsockopt setsockopt getsockname getpeername
getaddrinfo getnameinfo gethostbyname gethostbyname2 gethostbyaddr res_query
poll __poll_chk ppoll select pselect epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait
inotify_init inotify_init1 inotify_add_watch eventfd timerfd_create signalfd
BIO_new_file BIO_new_fp BIO_new_fd BIO_new_socket BIO_new_connect BIO_new_accept BIO_s_file BIO_s_socket
PEM_read_X509 PEM_write_X509 PEM_read_PrivateKey PEM_write_PrivateKey d2i_X509_fp i2d_X509_fp
X509_STORE_load_locations X509_STORE_load_file X509_LOOKUP_file
SSL_CTX_use_certificate_file SSL_CTX_use_certificate_chain_file SSL_CTX_use_PrivateKey_file
SSL_CTX_load_verify_locations SSL_set_fd SSL_read SSL_write SSL_connect SSL_accept
json_load_file json_loadf json_loadfd json_dump_file json_dumpf json_dumpfd
'
declare -A bad=()
for s in $forbidden; do bad[$s]=1; done

objects=0
offences=0
for lib in "$@"; do
  [ -f "$lib" ] || { echo "no_io_in_cores: $lib: no such library" >&2; exit 2; }
  # One line per undefined symbol: "lib.a:member.o: U symbol".
  listing=$("$NM" -A -u "$lib") || { echo "no_io_in_cores: $NM failed on $lib" >&2; exit 2; }
  objects=$((objects + $("$NM" -A "$lib" 2>/dev/null | awk -F: '{print $2}' | sort -u | grep -c .)))
  while read -r where _ sym; do
    [ -n "${sym:-}" ] || continue
    sym=${sym%%@*}
    if [ -n "${bad[$sym]:-}" ] || [[ $sym == bufferevent_* || $sym == evconnlistener_* || $sym == event_* ]]; then
      echo "no_io_in_cores: ${where%:} calls $sym"
      offences=$((offences + 1))
    fi
  done <<<"$listing"
done
[ "$objects" -gt 0 ] || { echo "no_io_in_cores: no objects found in $*" >&2; exit 2; }
if [ "$offences" -gt 0 ]; then
  echo "no_io_in_cores: $offences I/O call(s) in the sans-I/O cores; move them into a program's shell (or file-io/)" >&2
  exit 1
fi
echo "no_io_in_cores: $objects objects in $# core libraries, no file or socket calls"
