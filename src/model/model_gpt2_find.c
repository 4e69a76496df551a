/* Finding a GPT-2 checkpoint on disk (gpt2.h): a file, a folder, or a
 * family name in the Hugging Face cache. The cache's layout
 * (huggingface_hub):
 *   <hub>/models--<org>--<name>/refs/main          the commit hash of "main"
 *   <hub>/models--<org>--<name>/snapshots/<hash>/   model.safetensors, config.json, ...
 * Old downloads of gpt2 have no org (models--gpt2); new ones are under
 * openai-community (distilgpt2 under distilbert). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attnviz/gpt2.h"
#include "model_private.h"

static const struct {
    const char *name, *org;
} FAMILY[] = {
    {"gpt2", "openai-community"},        {"distilgpt2", "distilbert"},
    {"gpt2-medium", "openai-community"}, {"gpt2-large", "openai-community"},
    {"gpt2-xl", "openai-community"},
};
#define FAMILY_N (sizeof FAMILY / sizeof *FAMILY)

int model_gpt2_is_family(const char *name) {
    for (size_t i = 0; name && i < FAMILY_N; i++)
        if (strcmp(name, FAMILY[i].name) == 0) return 1;
    return 0;
}

size_t model_gpt2_family_names(char *buf, size_t len) {
    size_t at = 0;
    if (len) buf[0] = '\0';
    for (size_t i = 0; i < FAMILY_N && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", FAMILY[i].name);
    return at;
}

static int is_file(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int is_dir(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* out = dir + "/" + name; 0 when it does not fit. */
static int join(char out[MODEL_GPT2_PATH_MAX], const char *dir, const char *name) {
    int n = snprintf(out, MODEL_GPT2_PATH_MAX, "%s/%s", dir, name);
    return n > 0 && n < MODEL_GPT2_PATH_MAX;
}

/* The files of a folder holding model.safetensors; 0 if it has none. */
static int from_folder(model_gpt2_files *out, const char *dir) {
    char p[MODEL_GPT2_PATH_MAX];
    if (!join(p, dir, "model.safetensors") || !is_file(p)) return 0;
    memcpy(out->weights, p, sizeof p);
    const char *names[3] = {"config.json", "vocab.json", "merges.txt"};
    char *slots[3] = {out->config, out->vocab, out->merges};
    for (int i = 0; i < 3; i++)
        if (join(p, dir, names[i]) && is_file(p)) memcpy(slots[i], p, sizeof p);
    return 1;
}

/* A snapshot of repo (models--…) with model.safetensors: the one refs/main
 * names, else the most recently changed. */
static int from_repo(model_gpt2_files *out, const char *repo) {
    char p[MODEL_GPT2_PATH_MAX], snaps[MODEL_GPT2_PATH_MAX], dir[MODEL_GPT2_PATH_MAX];
    if (!join(snaps, repo, "snapshots") || !is_dir(snaps)) return 0;
    if (join(p, repo, "refs/main")) {
        FILE *fp = fopen(p, "r");
        char hash[128] = "";
        if (fp) {
            if (!fgets(hash, sizeof hash, fp)) hash[0] = '\0';
            fclose(fp);
        }
        hash[strcspn(hash, "\r\n \t")] = '\0';
        if (hash[0] && !strchr(hash, '/') && strcmp(hash, "..") != 0 && join(dir, snaps, hash) &&
            from_folder(out, dir))
            return 1;
    }
    DIR *d = opendir(snaps);
    if (!d) return 0;
    struct dirent *e;
    long long newest = -1;
    char best[MODEL_GPT2_PATH_MAX] = "";
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        struct stat sb;
        if (!join(dir, snaps, e->d_name) || !join(p, dir, "model.safetensors") ||
            stat(p, &sb) != 0)
            continue;
        long long t = (long long)sb.st_mtime;
        if (t > newest || (t == newest && strcmp(dir, best) > 0)) {
            newest = t;
            memcpy(best, dir, sizeof best);
        }
    }
    closedir(d);
    return best[0] && from_folder(out, best);
}

attn_status model_gpt2_find(const char *what, const char *hf_home, const char *home,
                            model_gpt2_files *out, char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    if (!what || !what[0]) return model_fail(ATTN_ERR_INPUT, err, err_len, "no model given");
    if (strlen(what) >= MODEL_GPT2_PATH_MAX)
        return model_fail(ATTN_ERR_INPUT, err, err_len, "the model's path is too long");
    // a path first: a file or a folder the user named
    if (is_file(what)) {
        snprintf(out->weights, sizeof out->weights, "%s", what);
        char dir[MODEL_GPT2_PATH_MAX];
        const char *slash = strrchr(what, '/');
        if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - what) ? (int)(slash - what) : 1, what);
        else snprintf(dir, sizeof dir, ".");
        char p[MODEL_GPT2_PATH_MAX];
        if (join(p, dir, "config.json") && is_file(p)) memcpy(out->config, p, sizeof p);
        if (join(p, dir, "vocab.json") && is_file(p)) memcpy(out->vocab, p, sizeof p);
        if (join(p, dir, "merges.txt") && is_file(p)) memcpy(out->merges, p, sizeof p);
        return ATTN_OK;
    }
    if (is_dir(what)) {
        if (from_folder(out, what)) return ATTN_OK;
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s is a folder without model.safetensors: give the checkpoint's "
                          "file or its folder",
                          what);
    }
    size_t fam = FAMILY_N;
    for (size_t i = 0; i < FAMILY_N; i++)
        if (strcmp(what, FAMILY[i].name) == 0) fam = i;
    if (fam == FAMILY_N)
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s: no such file or folder, and not a GPT-2 name (gpt2, distilgpt2, "
                          "gpt2-medium, gpt2-large, gpt2-xl)",
                          what);
    // the Hugging Face cache
    char hub[MODEL_GPT2_PATH_MAX];
    int n;
    if (hf_home && hf_home[0]) n = snprintf(hub, sizeof hub, "%s/hub", hf_home);
    else if (home && home[0]) n = snprintf(hub, sizeof hub, "%s/.cache/huggingface/hub", home);
    else
        return model_fail(ATTN_ERR_INPUT, err, err_len,
                          "%s: neither HF_HOME nor HOME is set, so there is no Hugging Face "
                          "cache to look in: give the path of model.safetensors",
                          what);
    if (n < 0 || n >= (int)sizeof hub)
        return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: the cache's path is too long", what);
    char repos[2][MODEL_GPT2_PATH_MAX];
    char name0[64], name1[96];
    snprintf(name0, sizeof name0, "models--%s", FAMILY[fam].name);
    snprintf(name1, sizeof name1, "models--%s--%s", FAMILY[fam].org, FAMILY[fam].name);
    if (!join(repos[0], hub, name0) || !join(repos[1], hub, name1))
        return model_fail(ATTN_ERR_INPUT, err, err_len, "%s: the cache's path is too long", what);
    // the newer name first: a fresh download is there
    if (from_repo(out, repos[1]) || from_repo(out, repos[0])) {
        out->from_cache = 1;
        return ATTN_OK;
    }
    return model_fail(ATTN_ERR_INPUT, err, err_len,
                      "%s is not in the Hugging Face cache: looked for snapshots/*/"
                      "model.safetensors in %s and %s; get it with: huggingface-cli download "
                      "%s/%s model.safetensors config.json vocab.json merges.txt",
                      what, repos[1], repos[0], FAMILY[fam].org, what);
}

attn_status model_gpt2_find_env(const char *what, model_gpt2_files *out, char *err,
                                size_t err_len) {
    return model_gpt2_find(what, getenv("HF_HOME"), getenv("HOME"), out, err, err_len);
}
