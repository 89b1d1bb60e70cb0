/* libsrtp timing for benches/benches/srtp.rs: the same loop as ours, timed in C.
 *
 * usage: libsrtp_timing PROFILE OP SIZE COUNT SAMPLES
 *   PROFILE: cm128_80 gcm128 gcm256; OP: protect | unprotect; SIZE: RTP packet bytes.
 * Each sample creates a fresh session (untimed), then times COUNT operations, each copying
 * the packet into the work buffer first (as the Rust side does). Prints one line per sample:
 * nanoseconds per operation. */
#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void policy(const char *name, srtp_policy_t *p, unsigned char *key, int inbound) {
    memset(p, 0, sizeof *p);
    if (!strcmp(name, "cm128_80")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(name, "gcm128")) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
    } else if (!strcmp(name, "gcm256")) {
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
    } else {
        fprintf(stderr, "unknown profile %s\n", name);
        exit(2);
    }
    p->key = key;
    p->window_size = 128;
    p->ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void make_packet(unsigned char *p, int size, unsigned seq) {
    for (int i = 0; i < size; i++) p[i] = (unsigned char)(i * 7);
    p[0] = 0x80;
    p[1] = 96;
    p[2] = seq >> 8;
    p[3] = seq & 0xff;
    p[8] = 0xca; p[9] = 0xfe; p[10] = 0xba; p[11] = 0xbe;
}

int main(int argc, char **argv) {
    static unsigned char key[64];
    if (argc != 6) {
        fprintf(stderr, "usage: libsrtp_timing PROFILE OP SIZE COUNT SAMPLES\n");
        return 2;
    }
    const char *prof = argv[1], *op = argv[2];
    int size = atoi(argv[3]), count = atoi(argv[4]), samples = atoi(argv[5]);
    for (int i = 0; i < 64; i++) key[i] = (unsigned char)(i * 13 + 1);
    if (srtp_init() != srtp_err_status_ok) return 3;
    int stride = size + 64;
    unsigned char *pkts = malloc((size_t)stride * count);
    int *lens = malloc(sizeof(int) * count);
    unsigned char buf[4096];
    srtp_policy_t pol;
    srtp_t s;
    /* Packets to work on: plaintext for protect, protected for unprotect. */
    policy(prof, &pol, key, 0);
    if (srtp_create(&s, &pol)) return 4;
    for (int i = 0; i < count; i++) {
        make_packet(pkts + (size_t)stride * i, size, (unsigned)i);
        lens[i] = size;
        if (!strcmp(op, "unprotect") && srtp_protect(s, pkts + (size_t)stride * i, &lens[i])) return 5;
    }
    srtp_dealloc(s);
    int unprotect = !strcmp(op, "unprotect");
    for (int k = 0; k < samples; k++) {
        policy(prof, &pol, key, unprotect);
        if (srtp_create(&s, &pol)) return 4;
        double t0 = now_ns();
        for (int i = 0; i < count; i++) {
            int len = lens[i];
            memcpy(buf, pkts + (size_t)stride * i, len);
            srtp_err_status_t st = unprotect ? srtp_unprotect(s, buf, &len) : srtp_protect(s, buf, &len);
            if (st) {
                fprintf(stderr, "libsrtp error %d at %d\n", st, i);
                return 6;
            }
        }
        double t1 = now_ns();
        printf("%.2f\n", (t1 - t0) / count);
        srtp_dealloc(s);
    }
    free(pkts);
    free(lens);
    srtp_shutdown();
    return 0;
}
