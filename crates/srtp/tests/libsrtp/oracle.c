/* libsrtp as an oracle for strata-srtp's interop test.
 *
 * usage: oracle PROFILE KEYHEX [IDS]
 *   PROFILE: cm128_80 cm128_32 cm256_80 cm256_32 gcm128 gcm256
 *   KEYHEX:  master key || master salt
 *   IDS:     comma-separated header extension ids to encrypt (RFC 6904)
 * stdin: one request per line, "<op> <hex>", op in protect_rtp unprotect_rtp protect_rtcp
 * unprotect_rtcp; stdout: "ok <hex>" or "err <srtp_err_status_t>", one line per request.
 * Protect uses an outbound session, unprotect an inbound one (ssrc_any_*). */
#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_policy(const char *name, srtp_policy_t *p) {
    if (!strcmp(name, "cm128_80")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(name, "cm128_32")) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(name, "cm256_80")) {
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(name, "cm256_32")) {
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
    } else if (!strcmp(name, "gcm128")) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
    } else if (!strcmp(name, "gcm256")) {
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
    } else {
        return -1;
    }
    return 0;
}

static int unhex(const char *s, unsigned char *out, int max) {
    int n = 0;
    while (s[0] && s[1] && s[0] != '\n' && n < max) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) return -1;
        out[n++] = (unsigned char)v;
        s += 2;
    }
    return n;
}

int main(int argc, char **argv) {
    static unsigned char key[64], buf[4096];
    static int ids[16];
    int nids = 0;
    static char line[10000];
    srtp_policy_t out_policy, in_policy;
    srtp_t out, in;
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: oracle PROFILE KEYHEX [IDS]\n");
        return 2;
    }
    if (srtp_init() != srtp_err_status_ok) return 3;
    memset(&out_policy, 0, sizeof out_policy);
    if (set_policy(argv[1], &out_policy)) {
        fprintf(stderr, "unknown profile %s\n", argv[1]);
        return 2;
    }
    if (unhex(argv[2], key, sizeof key) <= 0) return 2;
    out_policy.key = key;
    out_policy.window_size = 128;
    if (argc == 4) {
        for (char *t = strtok(argv[3], ","); t && nids < 16; t = strtok(NULL, ",")) ids[nids++] = atoi(t);
        out_policy.enc_xtn_hdr = ids;
        out_policy.enc_xtn_hdr_count = nids;
    }
    in_policy = out_policy;
    out_policy.ssrc.type = ssrc_any_outbound;
    in_policy.ssrc.type = ssrc_any_inbound;
    if (srtp_create(&out, &out_policy) || srtp_create(&in, &in_policy)) {
        fprintf(stderr, "srtp_create failed\n");
        return 4;
    }
    while (fgets(line, sizeof line, stdin)) {
        char op[32];
        char *sp = strchr(line, ' ');
        if (!sp || sp - line >= (long)sizeof op) continue;
        memcpy(op, line, sp - line);
        op[sp - line] = 0;
        int len = unhex(sp + 1, buf, 2048);
        srtp_err_status_t st;
        if (!strcmp(op, "protect_rtp")) st = srtp_protect(out, buf, &len);
        else if (!strcmp(op, "unprotect_rtp")) st = srtp_unprotect(in, buf, &len);
        else if (!strcmp(op, "protect_rtcp")) st = srtp_protect_rtcp(out, buf, &len);
        else if (!strcmp(op, "unprotect_rtcp")) st = srtp_unprotect_rtcp(in, buf, &len);
        else st = srtp_err_status_bad_param;
        if (st != srtp_err_status_ok) {
            printf("err %d\n", (int)st);
        } else {
            printf("ok ");
            for (int i = 0; i < len; i++) printf("%02x", buf[i]);
            printf("\n");
        }
        fflush(stdout);
    }
    srtp_dealloc(out);
    srtp_dealloc(in);
    srtp_shutdown();
    return 0;
}
