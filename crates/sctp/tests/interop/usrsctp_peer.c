/* An echo peer on usrsctp (AF_CONN), with SCTP packets carried in UDP datagrams on
 * loopback: exactly what WebRTC puts inside DTLS. It connects at once (so INITs collide with
 * a peer that does the same), echoes every message on its stream with its PPID, answers an
 * incoming stream reset by resetting its outgoing stream (RFC 8831 6.7), and exits when the
 * association ends.
 * usage: usrsctp_peer <remote udp port>; prints "PORT <local udp port>" first. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>

static int udp_fd;
static struct sockaddr_in peer;
static volatile int done = 0;
static struct socket *sock;

struct pending { size_t len; size_t cap; uint8_t *buf; };
static struct pending partial[65536];

static int conn_output(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t set_df) {
    (void)addr; (void)tos; (void)set_df;
    sendto(udp_fd, buffer, length, 0, (struct sockaddr *)&peer, sizeof(peer));
    return 0;
}

static void reset_outgoing(uint16_t sid) {
    size_t len = sizeof(struct sctp_reset_streams) + sizeof(uint16_t);
    struct sctp_reset_streams *srs = calloc(1, len);
    srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    srs->srs_number_streams = 1;
    srs->srs_stream_list[0] = sid;
    if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs, (socklen_t)len) < 0)
        printf("RESET-FAILED %d\n", errno);
    free(srs);
}

static void notification(union sctp_notification *n) {
    switch (n->sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE:
        printf("ASSOC %d\n", n->sn_assoc_change.sac_state);
        if (n->sn_assoc_change.sac_state == SCTP_SHUTDOWN_COMP ||
            n->sn_assoc_change.sac_state == SCTP_COMM_LOST)
            done = 1;
        break;
    case SCTP_STREAM_RESET_EVENT: {
        struct sctp_stream_reset_event *e = &n->sn_strreset_event;
        int count = (e->strreset_length - sizeof(*e)) / sizeof(uint16_t);
        for (int i = 0; i < count; i++) {
            printf("RESET flags=%d sid=%d\n", e->strreset_flags, e->strreset_stream_list[i]);
            if (e->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN)
                reset_outgoing(e->strreset_stream_list[i]);
        }
        break;
    }
    default:
        break;
    }
    fflush(stdout);
}

static int receive_cb(struct socket *s, union sctp_sockstore addr, void *data, size_t datalen,
                      struct sctp_rcvinfo rcv, int flags, void *ulp_info) {
    (void)s; (void)addr; (void)ulp_info;
    if (data == NULL) {
        done = 1;
        return 1;
    }
    if (flags & MSG_NOTIFICATION) {
        notification((union sctp_notification *)data);
        free(data);
        return 1;
    }
    struct pending *p = &partial[rcv.rcv_sid];
    if (p->len + datalen > p->cap) {
        p->cap = (p->len + datalen) * 2;
        p->buf = realloc(p->buf, p->cap);
    }
    memcpy(p->buf + p->len, data, datalen);
    p->len += datalen;
    free(data);
    if (flags & MSG_EOR) {
        struct sctp_sndinfo snd;
        memset(&snd, 0, sizeof(snd));
        snd.snd_sid = rcv.rcv_sid;
        snd.snd_ppid = rcv.rcv_ppid;
        if (rcv.rcv_flags & SCTP_UNORDERED)
            snd.snd_flags |= SCTP_UNORDERED;
        for (int tries = 0; tries < 2000; tries++) {
            if (usrsctp_sendv(sock, p->buf, p->len, NULL, 0, &snd, sizeof(snd),
                              SCTP_SENDV_SNDINFO, 0) >= 0)
                break;
            if (errno != EWOULDBLOCK && errno != EAGAIN) {
                printf("SEND-FAILED %d\n", errno);
                break;
            }
            usleep(1000);
        }
        p->len = 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me;
    memset(&me, 0, sizeof(me));
    me.sin_family = AF_INET;
    me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(udp_fd, (struct sockaddr *)&me, sizeof(me)) < 0) return 3;
    socklen_t ml = sizeof(me);
    getsockname(udp_fd, (struct sockaddr *)&me, &ml);
    memset(&peer, 0, sizeof(peer));
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    peer.sin_port = htons((uint16_t)atoi(argv[1]));
    printf("PORT %d\n", ntohs(me.sin_port));

    usrsctp_init(0, conn_output, NULL);
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    usrsctp_register_address((void *)&udp_fd);
    sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, receive_cb, NULL, 0, NULL);
    if (!sock) return 4;
    usrsctp_set_non_blocking(sock, 1);
    int on = 1;
    usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
    struct sctp_assoc_value av;
    av.assoc_id = SCTP_ALL_ASSOC;
    av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
    usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof(av));
    uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT};
    for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        struct sctp_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.se_assoc_id = SCTP_ALL_ASSOC;
        ev.se_on = 1;
        ev.se_type = types[i];
        usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
    }
    struct sctp_initmsg init;
    memset(&init, 0, sizeof(init));
    init.sinit_num_ostreams = 1024;
    init.sinit_max_instreams = 1024;
    usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init));
    struct sockaddr_conn sconn;
    memset(&sconn, 0, sizeof(sconn));
    sconn.sconn_family = AF_CONN;
    sconn.sconn_port = htons(5000);
    sconn.sconn_addr = (void *)&udp_fd;
    if (usrsctp_bind(sock, (struct sockaddr *)&sconn, sizeof(sconn)) < 0) return 5;
    int r = usrsctp_connect(sock, (struct sockaddr *)&sconn, sizeof(sconn));
    if (r < 0 && errno != EINPROGRESS) return 6;

    struct timeval tv = {0, 100000};
    setsockopt(udp_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    static uint8_t buf[65536];
    time_t start = time(NULL);
    while (!done && time(NULL) - start < 60) {
        ssize_t n = recv(udp_fd, buf, sizeof(buf), 0);
        if (n > 0) usrsctp_conninput((void *)&udp_fd, buf, (size_t)n, 0);
    }
    printf("DONE\n");
    usrsctp_close(sock);
    for (int i = 0; i < 50 && usrsctp_finish() != 0; i++) usleep(100000);
    return 0;
}
