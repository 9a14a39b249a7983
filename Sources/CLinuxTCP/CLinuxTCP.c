/* See include/CLinuxTCP.h. _GNU_SOURCE makes POLLRDHUP, strerrorname_np and gettid visible. */
#define _GNU_SOURCE
#include "CLinuxTCP.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

int closelab_tcp_state(int fd) {
    struct tcp_info info;
    socklen_t length = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return -1;
    return info.tcpi_state;
}

int closelab_send_queue(int fd, int *bytes) { return ioctl(fd, SIOCOUTQ, bytes); }
int closelab_unsent_queue(int fd, int *bytes) { return ioctl(fd, SIOCOUTQNSD, bytes); }
int closelab_receive_queue(int fd, int *bytes) { return ioctl(fd, SIOCINQ, bytes); }

int closelab_is_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    return (flags & O_NONBLOCK) ? 1 : 0;
}

int closelab_set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags);
}

int closelab_dup_cloexec(int fd) { return fcntl(fd, F_DUPFD_CLOEXEC, 0); }

const int closelab_sock_cloexec = SOCK_CLOEXEC;
const int closelab_sock_nonblock = SOCK_NONBLOCK;
int closelab_accept(int listener) { return accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK); }

const short closelab_pollrdhup = POLLRDHUP;

const char *closelab_errno_name(int code) { return strerrorname_np(code); }

const char *closelab_signal_name(int signal) { return sigabbrev_np(signal); }

pid_t closelab_gettid(void) { return gettid(); }

size_t closelab_cmsg_space(size_t length) { return CMSG_SPACE(length); }
size_t closelab_cmsg_len(size_t length) { return CMSG_LEN(length); }
struct cmsghdr *closelab_cmsg_firsthdr(struct msghdr *message) { return CMSG_FIRSTHDR(message); }
struct cmsghdr *closelab_cmsg_nxthdr(struct msghdr *message, struct cmsghdr *header) {
    return CMSG_NXTHDR(message, header);
}
unsigned char *closelab_cmsg_data(struct cmsghdr *header) { return CMSG_DATA(header); }

int closelab_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0); }
int closelab_set_name(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
int closelab_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}
