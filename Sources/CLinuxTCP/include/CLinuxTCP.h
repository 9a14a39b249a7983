/*
 * CLinuxTCP: what the linux backend needs from the kernel that Swift cannot reach directly.
 *
 * Swift cannot call variadic C functions (ioctl, fcntl, prctl), cannot see what glibc declares only
 * under _GNU_SOURCE (POLLRDHUP, strerrorname_np, gettid), and cannot expand the CMSG_* macros.
 * Each function below is one of those, with a fixed argument list. Keep them trivial: no lab
 * logic lives here (Sources/LinuxBackend has it). Every function that can fail returns -1 and
 * leaves errno as the kernel set it.
 */
#ifndef CLOSELAB_CLINUXTCP_H
#define CLOSELAB_CLINUXTCP_H

#include <spawn.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* ---- TCP_INFO ---------------------------------------------------------- */

/* The socket's tcpi_state (TCP_ESTABLISHED = 1 … TCP_CLOSING = 11), or -1. */
int closelab_tcp_state(int fd);

/* ---- queue sizes (ioctl is variadic) ------------------------------------ */

/* SIOCOUTQ: bytes in the send queue not yet acknowledged (sent or not). */
int closelab_send_queue(int fd, int *bytes);
/* SIOCOUTQNSD: bytes in the send queue not yet sent. */
int closelab_unsent_queue(int fd, int *bytes);
/* SIOCINQ: bytes received and not yet read (a datagram socket: the next datagram's size). */
int closelab_receive_queue(int fd, int *bytes);

/* ---- O_NONBLOCK and descriptors (fcntl is variadic) --------------------- */

/* 1 when O_NONBLOCK is set on the open file (shared by every dup of it), 0 when not, or -1. */
int closelab_is_nonblocking(int fd);
/* Sets or clears O_NONBLOCK, keeping the other status flags. */
int closelab_set_nonblocking(int fd, int on);
/* dup(fd) with FD_CLOEXEC on the copy (F_DUPFD_CLOEXEC). */
int closelab_dup_cloexec(int fd);

/* ---- names only _GNU_SOURCE shows --------------------------------------- */

/* SOCK_CLOEXEC and SOCK_NONBLOCK, for socket(2)'s type argument. */
extern const int closelab_sock_cloexec;
extern const int closelab_sock_nonblock;
/* accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK). */
int closelab_accept(int listener);

/* POLLRDHUP: the other end shut down its sending side (or we shut down our receiving one). */
extern const short closelab_pollrdhup;
/* The errno's symbolic name ("EBADF"), or NULL for a number glibc does not know. */
const char *closelab_errno_name(int code);
/* The signal's abbreviation without SIG ("KILL"), or NULL for a number glibc does not know. */
const char *closelab_signal_name(int signal);
/* The calling thread's kernel thread id (as /proc/self/task lists it). */
pid_t closelab_gettid(void);

/* ---- SCM_RIGHTS (CMSG_* are macros) -------------------------------------- */

/* CMSG_SPACE / CMSG_LEN for a payload of `length` bytes. */
size_t closelab_cmsg_space(size_t length);
size_t closelab_cmsg_len(size_t length);
/* CMSG_FIRSTHDR / CMSG_NXTHDR: walk a received message's control headers (NULL at the end). */
struct cmsghdr *closelab_cmsg_firsthdr(struct msghdr *message);
struct cmsghdr *closelab_cmsg_nxthdr(struct msghdr *message, struct cmsghdr *header);
/* CMSG_DATA: the payload of one control header. */
unsigned char *closelab_cmsg_data(struct cmsghdr *header);

/* ---- helper processes (prctl is variadic; closefrom_np needs _GNU_SOURCE) ---- */

/* PR_SET_PDEATHSIG: `signal` when the thread that spawned this process ends. */
int closelab_set_parent_death_signal(int signal);
/* PR_SET_NAME: the calling thread's name (what /proc/PID/comm shows; at most 15 bytes kept). */
int closelab_set_name(const char *name);
/* posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `lowest` up.
 * Returns 0 or an error number, as the posix_spawn family does. */
int closelab_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowest);

#endif
