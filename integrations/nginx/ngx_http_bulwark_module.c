/*
 * ngx_http_bulwark_module: Bulwark at the gateway. Bearer-JWT authentication, rate limits that
 * share keys and counts with Python's bulwark.ratelimit.RateLimiter (same storage, prefix and
 * strategy), IETF RateLimit / Retry-After headers, the security headers and CORS, all decided
 * by libbulwark. This file converts between nginx and the C ABI; the request path itself is
 * bulwark_gateway.c (tested under the sanitizers). Directives: integrations/nginx/README.md.
 */
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "bulwark.h"
#include "bulwark_gateway.h"

/* One `bulwark_jwt` directive: its verifier and where the subject goes. */
typedef struct {
    bw_jwt_verifier *verifier;
    ngx_str_t subject_header;
    ngx_str_t subject_header_lc;
    ngx_uint_t subject_hash;
} ngx_http_bulwark_jwt_t;

/* One `bulwark_jwt_require` directive. */
typedef struct {
    ngx_str_t roles;
    ngx_str_t permissions;
} ngx_http_bulwark_require_t;

/* One `bulwark_limit` directive. */
typedef struct {
    bw_limiter *limiter;
    ngx_http_complex_value_t key;
    ngx_uint_t cost;
} ngx_http_bulwark_limit_t;

typedef struct {
    ngx_http_bulwark_jwt_t *jwt;          /* NULL: off */
    ngx_http_bulwark_require_t *require;  /* NULL: nothing required */
    ngx_http_bulwark_limit_t *limit;      /* NULL: off */
    ngx_str_t *security_headers;          /* NULL: off; else the header lines */
    bw_cors_policy *cors;                 /* NULL: off */
    ngx_flag_t cors_set;
} ngx_http_bulwark_loc_conf_t;

/* Per request: the header lines the filter adds, and the verified subject. */
typedef struct {
    ngx_str_t lines;
    ngx_str_t subject;
    unsigned subject_set:1;
} ngx_http_bulwark_ctx_t;

static ngx_int_t ngx_http_bulwark_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_bulwark_init(ngx_conf_t *cf);
static void *ngx_http_bulwark_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_bulwark_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);
static char *ngx_http_bulwark_jwt(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_bulwark_jwt_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_bulwark_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_bulwark_security_headers(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_bulwark_cors(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_bulwark_subject_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
                                                   uintptr_t data);

static ngx_command_t ngx_http_bulwark_commands[] = {
    {ngx_string("bulwark_jwt"), NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_1MORE,
     ngx_http_bulwark_jwt, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
    {ngx_string("bulwark_jwt_require"), NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_1MORE,
     ngx_http_bulwark_jwt_require, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
    {ngx_string("bulwark_limit"), NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_1MORE,
     ngx_http_bulwark_limit, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
    {ngx_string("bulwark_security_headers"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_1MORE,
     ngx_http_bulwark_security_headers, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
    {ngx_string("bulwark_cors"), NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_1MORE,
     ngx_http_bulwark_cors, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL},
    ngx_null_command};

static ngx_http_module_t ngx_http_bulwark_module_ctx = {
    ngx_http_bulwark_add_variables,    /* preconfiguration */
    ngx_http_bulwark_init,             /* postconfiguration */
    NULL, NULL,                        /* main conf */
    NULL, NULL,                        /* server conf */
    ngx_http_bulwark_create_loc_conf,  /* create location configuration */
    ngx_http_bulwark_merge_loc_conf    /* merge location configuration */
};

ngx_module_t ngx_http_bulwark_module = {NGX_MODULE_V1,
                                        &ngx_http_bulwark_module_ctx,
                                        ngx_http_bulwark_commands,
                                        NGX_HTTP_MODULE,
                                        NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                        NGX_MODULE_V1_PADDING};

static ngx_http_output_header_filter_pt ngx_http_next_header_filter;

static ngx_str_t ngx_http_bulwark_subject_name = ngx_string("bulwark_jwt_subject");

/* ------------------------------------------------------------------------ configuration */

/* The directive's message for a failed Bulwark call: "<directive>: <Bulwark's message>". */
static char *ngx_http_bulwark_conf_error(ngx_conf_t *cf, ngx_command_t *cmd, const char *what) {
    char reason[BWG_REASON_CAPACITY];
    bwg_last_error(reason, sizeof reason);
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": %s: %s", &cmd->name, what, reason);
    return NGX_CONF_ERROR;
}

/* Frees the C handles when nginx destroys the configuration (reload, exit). */
static void ngx_http_bulwark_free_verifier(void *data) { (void)bw_jwt_verifier_free(data); }
static void ngx_http_bulwark_free_limiter(void *data) { (void)bw_limiter_free(data); }
static void ngx_http_bulwark_free_cors(void *data) { (void)bw_cors_policy_free(data); }

static ngx_int_t ngx_http_bulwark_on_cleanup(ngx_conf_t *cf, void (*handler)(void *), void *data) {
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        handler(data);
        return NGX_ERROR;
    }
    cln->handler = handler;
    cln->data = data;
    return NGX_OK;
}

/* Splits "name=value"; `value` is set when `arg` starts with `name=`. */
static ngx_int_t ngx_http_bulwark_param(ngx_str_t *arg, const char *name, ngx_str_t *value) {
    size_t n = ngx_strlen(name);
    if (arg->len <= n || ngx_strncmp(arg->data, name, n) != 0 || arg->data[n] != '=') return 0;
    value->data = arg->data + n + 1;
    value->len = arg->len - n - 1;
    return 1;
}

/* Reads a whole file into the configuration pool (a key, a JWK set). */
static ngx_int_t ngx_http_bulwark_read_file(ngx_conf_t *cf, ngx_command_t *cmd, ngx_str_t *path,
                                            ngx_str_t *out) {
    ngx_file_info_t fi;
    ngx_file_t file;
    ssize_t n;

    if (ngx_conf_full_name(cf->cycle, path, 1) != NGX_OK) return NGX_ERROR;
    ngx_memzero(&file, sizeof file);
    file.name = *path;
    file.log = cf->log;
    file.fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno, "\"%V\": cannot open \"%V\"", &cmd->name, path);
        return NGX_ERROR;
    }
    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR || ngx_file_size(&fi) > 1024 * 1024 ||
        ngx_file_size(&fi) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": \"%V\" is empty, unreadable or over 1 MiB", &cmd->name,
                           path);
        ngx_close_file(file.fd);
        return NGX_ERROR;
    }
    out->len = (size_t)ngx_file_size(&fi);
    out->data = ngx_pnalloc(cf->pool, out->len);
    if (out->data == NULL) {
        ngx_close_file(file.fd);
        return NGX_ERROR;
    }
    n = ngx_read_file(&file, out->data, out->len, 0);
    ngx_close_file(file.fd);
    if (n != (ssize_t)out->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": could not read \"%V\"", &cmd->name, path);
        return NGX_ERROR;
    }
    return NGX_OK;
}

static char *ngx_http_bulwark_unknown(ngx_conf_t *cf, ngx_command_t *cmd, ngx_str_t *arg) {
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": unknown parameter \"%V\"", &cmd->name, arg);
    return NGX_CONF_ERROR;
}

/*
 * bulwark_jwt off;
 * bulwark_jwt key_file=PATH | jwks_file=PATH algorithms=A[,B] [issuer=I[,I]] [audience=A[,A]]
 *             [leeway=SECONDS] [subject_header=NAME];
 */
static char *ngx_http_bulwark_jwt(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    ngx_http_bulwark_loc_conf_t *lcf = conf;
    ngx_str_t *args = cf->args->elts, v, key = ngx_null_string, jwks = ngx_null_string;
    ngx_str_t algorithms = ngx_null_string, issuers = ngx_null_string, audiences = ngx_null_string;
    ngx_http_bulwark_jwt_t *jwt;
    bw_jwt_verifier_options o;
    ngx_int_t leeway = 0;
    ngx_uint_t i;

    if (lcf->jwt != NGX_CONF_UNSET_PTR) return "is duplicate";
    if (cf->args->nelts == 2 && ngx_strcmp(args[1].data, "off") == 0) {
        lcf->jwt = NULL;
        return NGX_CONF_OK;
    }
    jwt = ngx_pcalloc(cf->pool, sizeof *jwt);
    if (jwt == NULL) return NGX_CONF_ERROR;
    ngx_str_set(&jwt->subject_header, "X-Bulwark-Subject");

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_bulwark_param(&args[i], "key_file", &v)) {
            if (ngx_http_bulwark_read_file(cf, cmd, &v, &key) != NGX_OK) return NGX_CONF_ERROR;
        } else if (ngx_http_bulwark_param(&args[i], "jwks_file", &v)) {
            if (ngx_http_bulwark_read_file(cf, cmd, &v, &jwks) != NGX_OK) return NGX_CONF_ERROR;
        } else if (ngx_http_bulwark_param(&args[i], "algorithms", &v)) {
            algorithms = v;
        } else if (ngx_http_bulwark_param(&args[i], "issuer", &v)) {
            issuers = v;
        } else if (ngx_http_bulwark_param(&args[i], "audience", &v)) {
            audiences = v;
        } else if (ngx_http_bulwark_param(&args[i], "leeway", &v)) {
            leeway = ngx_atoi(v.data, v.len);
            if (leeway == NGX_ERROR || leeway > 86400) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": leeway \"%V\" is not 0..86400 seconds",
                                   &cmd->name, &v);
                return NGX_CONF_ERROR;
            }
        } else if (ngx_http_bulwark_param(&args[i], "subject_header", &v)) {
            jwt->subject_header = v;
        } else {
            return ngx_http_bulwark_unknown(cf, cmd, &args[i]);
        }
    }
    if (algorithms.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": algorithms= is required (e.g. algorithms=RS256)",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }
    if ((key.len == 0) == (jwks.len == 0)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": give exactly one of key_file= and jwks_file=",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }
    /* Each algorithm alone first, so the message names the one Bulwark does not know. */
    {
        u_char *p = algorithms.data, *end = algorithms.data + algorithms.len;
        while (p < end) {
            u_char *comma = ngx_strlchr(p, end, ',');
            size_t n = (size_t)((comma ? comma : end) - p);
            bool valid = false;
            bw_result rc = bw_jwt_verify_message((const char *)p, n, NULL, 0, NULL, 0, NULL, 0, 0, &valid);
            if (rc == BW_ERR_ALGORITHM_NOT_ALLOWED || rc == BW_ERR_INVALID_UTF8) {
                ngx_str_t alg = {n, p};
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": algorithm \"%V\" is not accepted", &cmd->name,
                                   &alg);
                return NGX_CONF_ERROR;
            }
            p += n + 1;
        }
    }
    if (bw_jwt_verifier_options_default(&o, sizeof o) != BW_OK) return NGX_CONF_ERROR;
    o.algorithms = (const char *)algorithms.data;
    o.algorithms_len = algorithms.len;
    o.key = key.data;
    o.key_len = key.len;
    o.jwks = (const char *)jwks.data;
    o.jwks_len = jwks.len;
    o.issuers = (const char *)issuers.data;
    o.issuers_len = issuers.len;
    o.audiences = (const char *)audiences.data;
    o.audiences_len = audiences.len;
    o.leeway_seconds = (uint32_t)leeway;
    if (bw_jwt_verifier_new(&o, &jwt->verifier) != BW_OK) {
        if (key.len) ngx_explicit_memzero(key.data, key.len);
        return ngx_http_bulwark_conf_error(cf, cmd, "the key and algorithms are refused");
    }
    /* The verifier holds its own copy of the key. */
    if (key.len) ngx_explicit_memzero(key.data, key.len);
    if (ngx_http_bulwark_on_cleanup(cf, ngx_http_bulwark_free_verifier, jwt->verifier) != NGX_OK) {
        return NGX_CONF_ERROR;
    }
    jwt->subject_header_lc.len = jwt->subject_header.len;
    jwt->subject_header_lc.data = ngx_pnalloc(cf->pool, jwt->subject_header.len);
    if (jwt->subject_header_lc.data == NULL) return NGX_CONF_ERROR;
    jwt->subject_hash = ngx_hash_strlow(jwt->subject_header_lc.data, jwt->subject_header.data,
                                        jwt->subject_header.len);
    lcf->jwt = jwt;
    return NGX_CONF_OK;
}

/* bulwark_jwt_require [roles=R[,R]] [permissions=P[,P] | scope=P[,P]]; roles: any one; permissions: all. */
static char *ngx_http_bulwark_jwt_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    ngx_http_bulwark_loc_conf_t *lcf = conf;
    ngx_str_t *args = cf->args->elts, v;
    ngx_http_bulwark_require_t *req;
    bool allowed = false;
    ngx_uint_t i;

    if (lcf->require != NGX_CONF_UNSET_PTR) return "is duplicate";
    req = ngx_pcalloc(cf->pool, sizeof *req);
    if (req == NULL) return NGX_CONF_ERROR;
    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_bulwark_param(&args[i], "roles", &v)) {
            req->roles = v;
        } else if (ngx_http_bulwark_param(&args[i], "permissions", &v) ||
                   ngx_http_bulwark_param(&args[i], "scope", &v)) {
            req->permissions = v; /* scope= is the same list: OAuth scopes count as permissions */
        } else {
            return ngx_http_bulwark_unknown(cf, cmd, &args[i]);
        }
    }
    /* Bulwark checks the lists now, on empty claims, so a malformed one stops `nginx -t`. */
    if (bw_jwt_claims_allow("{}", 2, (const char *)req->roles.data, req->roles.len,
                            (const char *)req->permissions.data, req->permissions.len, &allowed) != BW_OK) {
        return ngx_http_bulwark_conf_error(cf, cmd, "the roles or permissions are refused");
    }
    lcf->require = req;
    return NGX_CONF_OK;
}

/*
 * bulwark_limit off;
 * bulwark_limit RATES key=$variable [storage=URI] [prefix=P] [strategy=S] [on_failure=F]
 *               [timeout=MS] [local_share=X] [cost=N];
 */
static char *ngx_http_bulwark_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    ngx_http_bulwark_loc_conf_t *lcf = conf;
    ngx_str_t *args = cf->args->elts, v, storage = ngx_string("memory://"), prefix = ngx_null_string;
    ngx_str_t key = ngx_null_string;
    ngx_http_compile_complex_value_t ccv;
    ngx_http_bulwark_limit_t *limit;
    bw_limiter_options o;
    uint32_t strategy = BW_RL_SLIDING_WINDOW;
    ngx_uint_t i;

    if (lcf->limit != NGX_CONF_UNSET_PTR) return "is duplicate";
    if (cf->args->nelts == 2 && ngx_strcmp(args[1].data, "off") == 0) {
        lcf->limit = NULL;
        return NGX_CONF_OK;
    }
    limit = ngx_pcalloc(cf->pool, sizeof *limit);
    if (limit == NULL) return NGX_CONF_ERROR;
    limit->cost = 1;
    ngx_memzero(&o, sizeof o);
    o.size = sizeof o;
    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_http_bulwark_param(&args[i], "key", &v)) {
            key = v;
        } else if (ngx_http_bulwark_param(&args[i], "storage", &v)) {
            storage = v;
        } else if (ngx_http_bulwark_param(&args[i], "prefix", &v)) {
            prefix = v;
        } else if (ngx_http_bulwark_param(&args[i], "strategy", &v)) {
            static const char *const NAMES[] = {"fixed_window", "sliding_window", "moving_window", "gcra"};
            static const uint32_t CODES[] = {BW_RL_FIXED_WINDOW, BW_RL_SLIDING_WINDOW, BW_RL_MOVING_WINDOW,
                                             BW_RL_GCRA};
            ngx_uint_t k;
            for (k = 0; k < 4; k++) {
                if (v.len == ngx_strlen(NAMES[k]) && ngx_strncmp(v.data, NAMES[k], v.len) == 0) break;
            }
            if (k == 4) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\": strategy \"%V\" is not fixed_window, sliding_window, moving_window "
                                   "or gcra", &cmd->name, &v);
                return NGX_CONF_ERROR;
            }
            strategy = CODES[k];
        } else if (ngx_http_bulwark_param(&args[i], "on_failure", &v)) {
            if (v.len == 4 && ngx_strncmp(v.data, "deny", 4) == 0) {
                o.on_backend_failure = BW_RL_FAIL_CLOSED;
            } else if (v.len == 5 && ngx_strncmp(v.data, "allow", 5) == 0) {
                o.on_backend_failure = BW_RL_FAIL_OPEN;
            } else if (v.len == 5 && ngx_strncmp(v.data, "local", 5) == 0) {
                o.on_backend_failure = BW_RL_FAIL_LOCAL;
            } else {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": on_failure \"%V\" is not deny, allow or local",
                                   &cmd->name, &v);
                return NGX_CONF_ERROR;
            }
        } else if (ngx_http_bulwark_param(&args[i], "timeout", &v)) {
            ngx_msec_t ms = ngx_parse_time(&v, 0);
            if (ms == (ngx_msec_t)NGX_ERROR || ms == 0 || ms > 60000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": timeout \"%V\" is not 1ms..60s", &cmd->name, &v);
                return NGX_CONF_ERROR;
            }
            o.timeout_ms = (uint32_t)ms;
        } else if (ngx_http_bulwark_param(&args[i], "local_share", &v)) {
            char text[32];
            char *end = NULL;
            if (v.len >= sizeof text) return ngx_http_bulwark_unknown(cf, cmd, &args[i]);
            ngx_memcpy(text, v.data, v.len);
            text[v.len] = '\0';
            o.local_share = strtod(text, &end);
            if (end != text + v.len) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": local_share \"%V\" is not a number", &cmd->name,
                                   &v);
                return NGX_CONF_ERROR;
            }
        } else if (ngx_http_bulwark_param(&args[i], "cost", &v)) {
            ngx_int_t cost = ngx_atoi(v.data, v.len);
            if (cost == NGX_ERROR || cost == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": cost \"%V\" is not a positive integer",
                                   &cmd->name, &v);
                return NGX_CONF_ERROR;
            }
            limit->cost = (ngx_uint_t)cost;
        } else {
            return ngx_http_bulwark_unknown(cf, cmd, &args[i]);
        }
    }
    if (key.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": key= is required (e.g. key=$binary_remote_addr)",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }
    o.prefix = (const char *)prefix.data;
    o.prefix_len = prefix.len;
    /* Bulwark parses the rates, the storage URI and the options now: a bad one stops `nginx -t`. */
    if (bw_limiter_new((const char *)storage.data, storage.len, strategy, (const char *)args[1].data, args[1].len,
                       &o, &limit->limiter) != BW_OK) {
        return ngx_http_bulwark_conf_error(cf, cmd, "the rates, storage or options are refused");
    }
    if (ngx_http_bulwark_on_cleanup(cf, ngx_http_bulwark_free_limiter, limit->limiter) != NGX_OK) {
        return NGX_CONF_ERROR;
    }
    ngx_memzero(&ccv, sizeof ccv);
    ccv.cf = cf;
    ccv.value = &key;
    ccv.complex_value = &limit->key;
    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) return NGX_CONF_ERROR;
    lcf->limit = limit;
    return NGX_CONF_OK;
}

/* bulwark_security_headers on | off [hsts=SECONDS] [csp=POLICY] [frame_options=V] [referrer_policy=V]; */
static char *ngx_http_bulwark_security_headers(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    ngx_http_bulwark_loc_conf_t *lcf = conf;
    ngx_str_t *args = cf->args->elts, v, *lines;
    bw_security_headers_options o;
    size_t need = 0;
    ngx_uint_t i;

    if (lcf->security_headers != NGX_CONF_UNSET_PTR) return "is duplicate";
    if (ngx_strcmp(args[1].data, "off") == 0 && cf->args->nelts == 2) {
        lcf->security_headers = NULL;
        return NGX_CONF_OK;
    }
    if (ngx_strcmp(args[1].data, "on") != 0) return ngx_http_bulwark_unknown(cf, cmd, &args[1]);
    if (bw_security_headers_options_default(&o, sizeof o) != BW_OK) return NGX_CONF_ERROR;
    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_http_bulwark_param(&args[i], "hsts", &v)) {
            ngx_int_t s = ngx_atoi(v.data, v.len);
            if (s == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": hsts \"%V\" is not seconds", &cmd->name, &v);
                return NGX_CONF_ERROR;
            }
            o.hsts_max_age = (uint64_t)s;
        } else if (ngx_http_bulwark_param(&args[i], "csp", &v)) {
            o.content_security_policy = (const char *)v.data;
            o.content_security_policy_len = v.len;
        } else if (ngx_http_bulwark_param(&args[i], "frame_options", &v)) {
            o.frame_options = (const char *)v.data;
            o.frame_options_len = v.len;
        } else if (ngx_http_bulwark_param(&args[i], "referrer_policy", &v)) {
            o.referrer_policy = (const char *)v.data;
            o.referrer_policy_len = v.len;
        } else {
            return ngx_http_bulwark_unknown(cf, cmd, &args[i]);
        }
    }
    if (bw_security_headers(&o, NULL, 0, &need) != BW_ERR_BUFFER_TOO_SMALL) {
        return ngx_http_bulwark_conf_error(cf, cmd, "the header values are refused");
    }
    lines = ngx_palloc(cf->pool, sizeof *lines);
    if (lines == NULL) return NGX_CONF_ERROR;
    lines->data = ngx_pnalloc(cf->pool, need);
    if (lines->data == NULL) return NGX_CONF_ERROR;
    if (bw_security_headers(&o, (char *)lines->data, need, &lines->len) != BW_OK) {
        return ngx_http_bulwark_conf_error(cf, cmd, "the header values are refused");
    }
    lcf->security_headers = lines;
    return NGX_CONF_OK;
}

/*
 * bulwark_cors off;
 * bulwark_cors origins=O[,O] [methods=M[,M]] [headers=H[,H]] [expose=H[,H]] [credentials]
 *              [max_age=SECONDS];
 */
static char *ngx_http_bulwark_cors(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    ngx_http_bulwark_loc_conf_t *lcf = conf;
    ngx_str_t *args = cf->args->elts, v, origins = ngx_null_string, methods = ngx_null_string;
    ngx_str_t headers = ngx_null_string, expose = ngx_null_string;
    bool credentials = false;
    ngx_int_t max_age = 0;
    ngx_uint_t i;

    if (lcf->cors_set) return "is duplicate";
    lcf->cors_set = 1;
    if (cf->args->nelts == 2 && ngx_strcmp(args[1].data, "off") == 0) {
        lcf->cors = NULL;
        return NGX_CONF_OK;
    }
    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_bulwark_param(&args[i], "origins", &v)) {
            origins = v;
        } else if (ngx_http_bulwark_param(&args[i], "methods", &v)) {
            methods = v;
        } else if (ngx_http_bulwark_param(&args[i], "headers", &v)) {
            headers = v;
        } else if (ngx_http_bulwark_param(&args[i], "expose", &v)) {
            expose = v;
        } else if (ngx_http_bulwark_param(&args[i], "max_age", &v)) {
            max_age = ngx_atoi(v.data, v.len);
            if (max_age == NGX_ERROR || max_age > 86400 * 365) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": max_age \"%V\" is not seconds", &cmd->name, &v);
                return NGX_CONF_ERROR;
            }
        } else if (args[i].len == 11 && ngx_strncmp(args[i].data, "credentials", 11) == 0) {
            credentials = true;
        } else {
            return ngx_http_bulwark_unknown(cf, cmd, &args[i]);
        }
    }
    if (origins.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": origins= is required", &cmd->name);
        return NGX_CONF_ERROR;
    }
    if (bw_cors_policy_new((const char *)origins.data, origins.len, (const char *)methods.data, methods.len,
                           (const char *)headers.data, headers.len, (const char *)expose.data, expose.len,
                           credentials, (uint32_t)max_age, &lcf->cors) != BW_OK) {
        return ngx_http_bulwark_conf_error(cf, cmd, "the policy is refused");
    }
    if (ngx_http_bulwark_on_cleanup(cf, ngx_http_bulwark_free_cors, lcf->cors) != NGX_OK) return NGX_CONF_ERROR;
    return NGX_CONF_OK;
}

static void *ngx_http_bulwark_create_loc_conf(ngx_conf_t *cf) {
    ngx_http_bulwark_loc_conf_t *conf = ngx_pcalloc(cf->pool, sizeof *conf);
    if (conf == NULL) return NULL;
    conf->jwt = NGX_CONF_UNSET_PTR;
    conf->require = NGX_CONF_UNSET_PTR;
    conf->limit = NGX_CONF_UNSET_PTR;
    conf->security_headers = NGX_CONF_UNSET_PTR;
    conf->cors = NULL;
    conf->cors_set = 0;
    return conf;
}

/* A block without a directive inherits its parent's whole setting (the same handle, so the same
 * counters for a limit written once at server level). */
static char *ngx_http_bulwark_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child) {
    ngx_http_bulwark_loc_conf_t *prev = parent, *conf = child;
    (void)cf;
    ngx_conf_merge_ptr_value(conf->jwt, prev->jwt, NULL);
    ngx_conf_merge_ptr_value(conf->require, prev->require, NULL);
    ngx_conf_merge_ptr_value(conf->limit, prev->limit, NULL);
    ngx_conf_merge_ptr_value(conf->security_headers, prev->security_headers, NULL);
    if (!conf->cors_set) {
        conf->cors = prev->cors;
        conf->cors_set = prev->cors_set;
    }
    return NGX_CONF_OK;
}

/* ------------------------------------------------------------------------------ requests */

static ngx_http_bulwark_ctx_t *ngx_http_bulwark_ctx(ngx_http_request_t *r) {
    ngx_http_bulwark_ctx_t *ctx = ngx_http_get_module_ctx(r, ngx_http_bulwark_module);
    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof *ctx);
        if (ctx == NULL) return NULL;
        ngx_http_set_ctx(r, ctx, ngx_http_bulwark_module);
    }
    return ctx;
}

/* Appends header lines (as Bulwark writes them) for the header filter to add. */
static ngx_int_t ngx_http_bulwark_add_lines(ngx_http_request_t *r, ngx_http_bulwark_ctx_t *ctx, const char *lines,
                                            size_t len) {
    u_char *p;
    if (len == 0) return NGX_OK;
    p = ngx_pnalloc(r->pool, ctx->lines.len + len);
    if (p == NULL) return NGX_ERROR;
    if (ctx->lines.len) ngx_memcpy(p, ctx->lines.data, ctx->lines.len);
    ngx_memcpy(p + ctx->lines.len, lines, len);
    ctx->lines.data = p;
    ctx->lines.len += len;
    return NGX_OK;
}

/* A text output of the C ABI into the request pool, asking for the size first when needed. */
typedef bw_result (*ngx_http_bulwark_text_fn)(void *arg, char *buf, size_t cap, size_t *out_len);

static ngx_int_t ngx_http_bulwark_text(ngx_http_request_t *r, ngx_http_bulwark_text_fn fn, void *arg,
                                       ngx_str_t *out) {
    char small[1024];
    size_t n = 0;
    bw_result rc = fn(arg, small, sizeof small, &n);
    if (rc == BW_ERR_BUFFER_TOO_SMALL) {
        out->data = ngx_pnalloc(r->pool, n);
        if (out->data == NULL) return NGX_ERROR;
        rc = fn(arg, (char *)out->data, n, &out->len);
        return rc == BW_OK ? NGX_OK : NGX_ERROR;
    }
    if (rc != BW_OK) return NGX_ERROR;
    out->data = ngx_pnalloc(r->pool, n);
    if (out->data == NULL) return NGX_ERROR;
    ngx_memcpy(out->data, small, n);
    out->len = n;
    return NGX_OK;
}

static void ngx_http_bulwark_log(ngx_http_request_t *r, ngx_uint_t level, const char *what) {
    char reason[BWG_REASON_CAPACITY];
    bwg_last_error(reason, sizeof reason);
    ngx_log_error(level, r->connection->log, 0, "bulwark: %s: %s", what, reason);
}

/* Finds a request header by name (the first). */
static ngx_table_elt_t *ngx_http_bulwark_header_in(ngx_http_request_t *r, const char *name) {
    ngx_list_part_t *part = &r->headers_in.headers.part;
    ngx_table_elt_t *h = part->elts;
    size_t n = ngx_strlen(name);
    ngx_uint_t i;
    for (i = 0;; i++) {
        if (i >= part->nelts) {
            if (part->next == NULL) return NULL;
            part = part->next;
            h = part->elts;
            i = 0;
        }
        if (h[i].key.len == n && ngx_strncasecmp(h[i].key.data, (u_char *)name, n) == 0) return &h[i];
    }
}

/* Sets the subject header for the upstream, dropping any the client sent under that name. */
static ngx_int_t ngx_http_bulwark_set_subject(ngx_http_request_t *r, ngx_http_bulwark_jwt_t *jwt,
                                              const char *subject, size_t len) {
    ngx_list_t fresh;
    ngx_list_part_t *part = &r->headers_in.headers.part;
    ngx_table_elt_t *h = part->elts, *copy;
    ngx_uint_t i;

    if (ngx_list_init(&fresh, r->pool, 20, sizeof(ngx_table_elt_t)) != NGX_OK) return NGX_ERROR;
    for (i = 0;; i++) {
        if (i >= part->nelts) {
            if (part->next == NULL) break;
            part = part->next;
            h = part->elts;
            i = 0;
        }
        if (h[i].key.len == jwt->subject_header.len &&
            ngx_strncasecmp(h[i].key.data, jwt->subject_header.data, h[i].key.len) == 0) {
            continue;
        }
        copy = ngx_list_push(&fresh);
        if (copy == NULL) return NGX_ERROR;
        *copy = h[i];
    }
    if (len > 0) {
        copy = ngx_list_push(&fresh);
        if (copy == NULL) return NGX_ERROR;
        copy->hash = jwt->subject_hash;
        copy->key = jwt->subject_header;
        copy->lowcase_key = jwt->subject_header_lc.data;
        copy->value.data = ngx_pnalloc(r->pool, len);
        if (copy->value.data == NULL) return NGX_ERROR;
        ngx_memcpy(copy->value.data, subject, len);
        copy->value.len = len;
#if (nginx_version >= 1023000)
        copy->next = NULL;
#endif
    }
    r->headers_in.headers = fresh;
    return NGX_OK;
}

typedef struct {
    const bw_limiter *limiter;
    const bw_decision *decision;
} ngx_http_bulwark_headers_arg_t;

static bw_result ngx_http_bulwark_limit_headers(void *arg, char *buf, size_t cap, size_t *out_len) {
    ngx_http_bulwark_headers_arg_t *a = arg;
    return bw_limiter_headers(a->limiter, a->decision, buf, cap, out_len);
}

typedef struct {
    const bw_cors_policy *policy;
    ngx_str_t origin, method, request_headers;
    bool preflight;
    bool allowed;
} ngx_http_bulwark_cors_arg_t;

static bw_result ngx_http_bulwark_cors_headers(void *arg, char *buf, size_t cap, size_t *out_len) {
    ngx_http_bulwark_cors_arg_t *a = arg;
    if (a->preflight) {
        return bw_cors_check_preflight(a->policy, (const char *)a->origin.data, a->origin.len,
                                       (const char *)a->method.data, a->method.len,
                                       (const char *)a->request_headers.data, a->request_headers.len, &a->allowed,
                                       buf, cap, out_len);
    }
    return bw_cors_check_request(a->policy, (const char *)a->origin.data, a->origin.len, &a->allowed, buf, cap,
                                 out_len);
}

/* Marks, on the request pool, a limiter this request was counted by (see the access handler). */
static void ngx_http_bulwark_counted_marker(void *data) { (void)data; }

static ngx_int_t ngx_http_bulwark_counted(ngx_http_request_t *r, ngx_http_bulwark_limit_t *limit) {
    ngx_pool_cleanup_t *c;
    for (c = r->pool->cleanup; c != NULL; c = c->next) {
        if (c->handler == ngx_http_bulwark_counted_marker && c->data == limit) return 1;
    }
    return 0;
}

static ngx_int_t ngx_http_bulwark_mark_counted(ngx_http_request_t *r, ngx_http_bulwark_limit_t *limit) {
    ngx_pool_cleanup_t *c = ngx_pool_cleanup_add(r->pool, 0);
    if (c == NULL) return NGX_ERROR;
    c->handler = ngx_http_bulwark_counted_marker;
    c->data = limit;
    return NGX_OK;
}

static ngx_int_t ngx_http_bulwark_access(ngx_http_request_t *r) {
    ngx_http_bulwark_loc_conf_t *lcf = ngx_http_get_module_loc_conf(r, ngx_http_bulwark_module);
    ngx_http_bulwark_ctx_t *ctx;

    if (lcf->jwt == NULL && lcf->limit == NULL && lcf->cors == NULL) return NGX_DECLINED;
    if (r != r->main) return NGX_DECLINED; /* subrequests were decided with their request */
    ctx = ngx_http_bulwark_ctx(r);
    if (ctx == NULL) return NGX_HTTP_INTERNAL_SERVER_ERROR;

    /* 1. CORS: a preflight is answered here (204 or 403) and never reaches the upstream. */
    if (lcf->cors != NULL) {
        ngx_http_bulwark_cors_arg_t a;
        ngx_table_elt_t *origin = ngx_http_bulwark_header_in(r, "Origin");
        ngx_table_elt_t *method = ngx_http_bulwark_header_in(r, "Access-Control-Request-Method");
        ngx_table_elt_t *req_headers = ngx_http_bulwark_header_in(r, "Access-Control-Request-Headers");
        ngx_str_t lines;
        ngx_memzero(&a, sizeof a);
        a.policy = lcf->cors;
        if (origin) a.origin = origin->value;
        a.preflight = r->method == NGX_HTTP_OPTIONS && origin != NULL && method != NULL;
        if (a.preflight) {
            a.method = method->value;
            if (req_headers) a.request_headers = req_headers->value;
        }
        if (ngx_http_bulwark_text(r, ngx_http_bulwark_cors_headers, &a, &lines) != NGX_OK) {
            ngx_http_bulwark_log(r, NGX_LOG_INFO, "CORS request refused");
            return a.preflight ? NGX_HTTP_FORBIDDEN : NGX_HTTP_BAD_REQUEST;
        }
        if (ngx_http_bulwark_add_lines(r, ctx, (const char *)lines.data, lines.len) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        if (a.preflight) return a.allowed ? NGX_HTTP_NO_CONTENT : NGX_HTTP_FORBIDDEN;
    }

    /* 2. Bearer JWT, then the roles and permissions. */
    if (lcf->jwt != NULL) {
        ngx_table_elt_t *authz = r->headers_in.authorization;
        ngx_http_bulwark_require_t *req = lcf->require;
        bwg_auth *auth = ngx_palloc(r->pool, sizeof *auth);
        if (auth == NULL) return NGX_HTTP_INTERNAL_SERVER_ERROR;
        bwg_authenticate(lcf->jwt->verifier, authz ? (const char *)authz->value.data : NULL,
                         authz ? authz->value.len : 0, req ? (const char *)req->roles.data : NULL,
                         req ? req->roles.len : 0, req ? (const char *)req->permissions.data : NULL,
                         req ? req->permissions.len : 0, auth);
        if (auth->status != 0) {
            static const char CHALLENGE_401[] = "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n";
            static const char CHALLENGE_403[] = "WWW-Authenticate: Bearer error=\"insufficient_scope\"\r\n";
            ngx_uint_t level = auth->status == 500 ? NGX_LOG_ERR : NGX_LOG_INFO;
            ngx_log_error(level, r->connection->log, 0,
                          "bulwark: request refused (%d): %s", auth->status, auth->reason);
            if (auth->status == 401 &&
                ngx_http_bulwark_add_lines(r, ctx, CHALLENGE_401, sizeof CHALLENGE_401 - 1) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
            if (auth->status == 403 &&
                ngx_http_bulwark_add_lines(r, ctx, CHALLENGE_403, sizeof CHALLENGE_403 - 1) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
            return auth->status;
        }
        ctx->subject.data = ngx_pnalloc(r->pool, auth->subject_len + 1);
        if (ctx->subject.data == NULL) return NGX_HTTP_INTERNAL_SERVER_ERROR;
        ngx_memcpy(ctx->subject.data, auth->subject, auth->subject_len);
        ctx->subject.len = auth->subject_len;
        ctx->subject_set = 1;
        if (ngx_http_bulwark_set_subject(r, lcf->jwt, auth->subject, auth->subject_len) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    /* 3. The rate limit, keyed by any nginx variable (an empty key is not limited, as limit_req).
     * A request that an internal redirect (try_files, error_page) brings back through the access
     * phase is counted once per limiter: module contexts are cleared by the redirect, the
     * request pool's cleanup list is not, so it records which limiters this request has hit. */
    if (lcf->limit != NULL && !ngx_http_bulwark_counted(r, lcf->limit)) {
        ngx_str_t key, lines;
        bw_decision d;
        ngx_http_bulwark_headers_arg_t a = {lcf->limit->limiter, &d};
        ngx_memzero(&d, sizeof d);
        d.size = sizeof d;
        if (ngx_http_complex_value(r, &lcf->limit->key, &key) != NGX_OK) return NGX_HTTP_INTERNAL_SERVER_ERROR;
        if (key.len == 0) return NGX_DECLINED;
        if (bw_limiter_hit(lcf->limit->limiter, (const char *)key.data, key.len, lcf->limit->cost, &d) != BW_OK) {
            ngx_http_bulwark_log(r, NGX_LOG_ERR, "rate limit failed");
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        if (d.backend_error != BW_OK) {
            ngx_http_bulwark_log(r, NGX_LOG_ERR, "rate-limit store unreachable, the failure policy decided");
            if (!d.allowed) return NGX_HTTP_SERVICE_UNAVAILABLE;
        }
        if (ngx_http_bulwark_text(r, ngx_http_bulwark_limit_headers, &a, &lines) != NGX_OK ||
            ngx_http_bulwark_add_lines(r, ctx, (const char *)lines.data, lines.len) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        if (ngx_http_bulwark_mark_counted(r, lcf->limit) != NGX_OK) return NGX_HTTP_INTERNAL_SERVER_ERROR;
        if (!d.allowed) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "bulwark: rate limit exceeded (limit %uL)",
                          (unsigned long long)d.limit);
            return NGX_HTTP_TOO_MANY_REQUESTS;
        }
    }
    return NGX_DECLINED;
}

/* Adds one "Name: value" pair to the response headers (the header filter's callback). */
static int ngx_http_bulwark_push_header(void *arg, const char *name, size_t name_len, const char *value,
                                        size_t value_len) {
    ngx_http_request_t *r = arg;
    ngx_table_elt_t *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) return 1;
    h->hash = 1;
    h->key.data = (u_char *)name;
    h->key.len = name_len;
    h->value.data = (u_char *)value;
    h->value.len = value_len;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    return 0;
}

static ngx_int_t ngx_http_bulwark_header_filter(ngx_http_request_t *r) {
    ngx_http_bulwark_loc_conf_t *lcf = ngx_http_get_module_loc_conf(r, ngx_http_bulwark_module);
    ngx_http_bulwark_ctx_t *ctx = ngx_http_get_module_ctx(r, ngx_http_bulwark_module);

    if (r != r->main) return ngx_http_next_header_filter(r);
    if (lcf->security_headers != NULL &&
        bwg_each_header((const char *)lcf->security_headers->data, lcf->security_headers->len,
                        ngx_http_bulwark_push_header, r) != 0) {
        return NGX_ERROR;
    }
    if (ctx != NULL && ctx->lines.len &&
        bwg_each_header((const char *)ctx->lines.data, ctx->lines.len, ngx_http_bulwark_push_header, r) != 0) {
        return NGX_ERROR;
    }
    return ngx_http_next_header_filter(r);
}

static ngx_int_t ngx_http_bulwark_subject_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
                                                   uintptr_t data) {
    ngx_http_bulwark_ctx_t *ctx = ngx_http_get_module_ctx(r->main, ngx_http_bulwark_module);
    (void)data;
    if (ctx == NULL || !ctx->subject_set) {
        v->not_found = 1;
        return NGX_OK;
    }
    v->data = ctx->subject.data;
    v->len = ctx->subject.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    return NGX_OK;
}

/* $bulwark_jwt_subject: the verified `sub` of the request (for proxy_set_header, logs, keys). */
static ngx_int_t ngx_http_bulwark_add_variables(ngx_conf_t *cf) {
    ngx_http_variable_t *var = ngx_http_add_variable(cf, &ngx_http_bulwark_subject_name, NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) return NGX_ERROR;
    var->get_handler = ngx_http_bulwark_subject_variable;
    return NGX_OK;
}

static ngx_int_t ngx_http_bulwark_init(ngx_conf_t *cf) {
    ngx_http_core_main_conf_t *cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    ngx_http_handler_pt *h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);

    if (h == NULL) return NGX_ERROR;
    *h = ngx_http_bulwark_access;
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_bulwark_header_filter;

    /* A program built against one header must not run on another library's ABI. */
    if (bw_version_number() / 1000000 != BW_VERSION_NUMBER / 1000000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "bulwark: built against libbulwark %d, running with %s",
                           BW_VERSION_MAJOR, bw_version());
        return NGX_ERROR;
    }
    return NGX_OK;
}
