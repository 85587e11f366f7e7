//! C door for OAuth 2.0 (`bulwark::oauth`): PKCE, the authorization-code flow with a
//! single-use state store, client-credentials tokens, RFC 9068 access tokens, introspection and
//! the scope check. HTTP is the caller's: a `bw_http_post_fn` callback sends each POST.

use crate::guard::{ffi_guard, free_handle, out, slice, text, write_text};
use crate::result::{bw_result, Failure};
use bulwark::jwt::Algorithm;
use bulwark::oauth::{
    pkce, AccessToken, AccessTokenVerifier, AuthorizationStore, Client, ClientConfig, HttpRequest,
    HttpResponse, Introspector, IntrospectorOptions, TokenResponse, TokenSource, Transport,
};
use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

/// `bw_pkce_challenge` / `bw_pkce_verify` method: `BASE64URL(SHA-256(verifier))`.
pub const BW_PKCE_S256: u32 = 1;
/// `bw_pkce_challenge` / `bw_pkce_verify` method: the verifier itself (only when a client
/// cannot hash).
pub const BW_PKCE_PLAIN: u32 = 2;
/// Length of the verifiers `bw_pkce_verifier` writes (plus a NUL).
pub const BW_PKCE_VERIFIER_LEN: usize = 43;

/// `bw_oauth_token_text` field: the access token.
pub const BW_OAUTH_TOKEN_ACCESS: u32 = 0;
/// `bw_oauth_token_text` field: the refresh token ("" when none).
pub const BW_OAUTH_TOKEN_REFRESH: u32 = 1;
/// `bw_oauth_token_text` field: the scopes granted, space-separated ("" when the server did
/// not say, meaning those requested).
pub const BW_OAUTH_TOKEN_SCOPE: u32 = 2;

/// `bw_oauth_token_text` field: the OpenID Connect ID token ("" when none); check it with
/// `bw_oauth_token_check_id_token`.
pub const BW_OAUTH_TOKEN_ID: u32 = 3;

/// `bw_oauth_access_text` field: the subject (`sub`).
pub const BW_OAUTH_ACCESS_SUBJECT: u32 = 0;
/// `bw_oauth_access_text` field: the client the token was issued to (`client_id`).
pub const BW_OAUTH_ACCESS_CLIENT_ID: u32 = 1;
/// `bw_oauth_access_text` field: the scopes, space-separated.
pub const BW_OAUTH_ACCESS_SCOPE: u32 = 2;

fn method(m: u32) -> Result<pkce::ChallengeMethod, Failure> {
    match m {
        BW_PKCE_S256 => Ok(pkce::ChallengeMethod::S256),
        BW_PKCE_PLAIN => Ok(pkce::ChallengeMethod::Plain),
        _ => Err(bulwark::Error::invalid_input(format!(
            "unknown PKCE method {m} (BW_PKCE_S256 or BW_PKCE_PLAIN)"
        ))
        .into()),
    }
}

/// Writes a fresh PKCE code verifier (43 characters, 256 bits from the OS CSPRNG) into `buf`.
/// Text buffer contract as `bw_token_urlsafe`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_pkce_verifier(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        let verifier = pkce::CodeVerifier::generate_len(BW_PKCE_VERIFIER_LEN)?;
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(verifier.as_str(), buf, cap, out_len) }
    })
}

/// Writes the challenge of `verifier` (43 to 128 unreserved characters, else
/// `BW_ERR_INVALID_INPUT`) by `method` into `buf`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_pkce_challenge(
    verifier: *const c_char,
    verifier_len: usize,
    challenge_method: u32,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees verifier is valid for verifier_len bytes.
        let verifier = unsafe { text(verifier, verifier_len, "verifier") }?;
        let challenge = pkce::CodeVerifier::new(verifier)?.challenge(method(challenge_method)?);
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&challenge, buf, cap, out_len) }
    })
}

/// The authorization server's check: sets `*out_match` to whether `verifier` matches
/// `challenge` by `method`, compared in constant time (a malformed verifier is no match).
/// Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_pkce_verify(
    verifier: *const c_char,
    verifier_len: usize,
    challenge: *const c_char,
    challenge_len: usize,
    challenge_method: u32,
    out_match: *mut bool,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length.
        let (verifier, challenge) = unsafe {
            (
                text(verifier, verifier_len, "verifier")?,
                text(challenge, challenge_len, "challenge")?,
            )
        };
        let m = method(challenge_method)?;
        // SAFETY: the caller guarantees out_match is NULL or valid for a write.
        *unsafe { out(out_match, "out_match") }? = pkce::verify_challenge(verifier, challenge, m);
        Ok(())
    })
}

/// Where pending authorizations live (opaque): `memory://` or a Redis URI. Thread-safe.
/// Create with `bw_oauth_store_new`, free with `bw_oauth_store_free`.
#[allow(non_camel_case_types)]
pub struct bw_oauth_store(AuthorizationStore);

/// Creates a store of pending authorizations (state, nonce, PKCE verifier, single-use and
/// bound to a session) on `storage`: `memory://` (one process) or Redis (`redis://…`,
/// `rediss://…`, cluster, sentinel), so a replayed callback is refused by every process.
/// Another scheme or a malformed URI is `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_store_new(
    storage: *const c_char,
    storage_len: usize,
    out_store: *mut *mut bw_oauth_store,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees storage is valid for storage_len bytes.
        let storage = unsafe { text(storage, storage_len, "storage") }?;
        // SAFETY: the caller guarantees out_store is NULL or valid for a write.
        let slot = unsafe { out(out_store, "out_store") }?;
        let store = AuthorizationStore::new(storage, &Default::default())?;
        *slot = Box::into_raw(Box::new(bw_oauth_store(store)));
        Ok(())
    })
}

/// Frees a store. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_store_free(store: *mut bw_oauth_store) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle from this library, freed once (or NULL).
        unsafe { free_handle(store) };
        Ok(())
    })
}

/// A client's registration at one authorization server (opaque, immutable, thread-safe).
/// Create with `bw_oauth_client_new`, free with `bw_oauth_client_free`.
#[allow(non_camel_case_types)]
pub struct bw_oauth_client(Client);

/// Creates a client from JSON: `{"client_id": …, "client_secret": …,
/// "authorization_endpoint": …, "token_endpoint": …, "redirect_uri": …, "issuer": …,
/// "require_iss": false}` (`client_id` and `token_endpoint` required). Endpoints must be https
/// (http only to localhost) without a fragment; the redirect URI https, http to localhost or a
/// private-use scheme. Anything else is `BW_ERR_INVALID_INPUT`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_client_new(
    config_json: *const c_char,
    config_json_len: usize,
    out_client: *mut *mut bw_oauth_client,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees config_json is valid for config_json_len bytes.
        let json = unsafe { text(config_json, config_json_len, "config_json") }?;
        // SAFETY: the caller guarantees out_client is NULL or valid for a write.
        let slot = unsafe { out(out_client, "out_client") }?;
        let client = Client::new(ClientConfig::from_json(json)?)?;
        *slot = Box::into_raw(Box::new(bw_oauth_client(client)));
        Ok(())
    })
}

/// Frees a client. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_client_free(client: *mut bw_oauth_client) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle from this library, freed once (or NULL).
        unsafe { free_handle(client) };
        Ok(())
    })
}

/// Starts an authorization-code request for the session `binding`: a fresh state, nonce and
/// PKCE verifier are kept in `store` for `ttl_seconds` (1 to 3600), and the URL to send the
/// user to is written into `buf` (scopes space-separated; the client's redirect URI, which
/// must be configured). Text buffer contract as `bw_token_urlsafe`; a buffer of 4096 bytes
/// fits any URL a sane configuration makes (a retry after `BW_ERR_BUFFER_TOO_SMALL` starts a
/// new request; the first expires unused). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_authorize(
    client: *const bw_oauth_client,
    store: *const bw_oauth_store,
    binding: *const c_char,
    binding_len: usize,
    scopes: *const c_char,
    scopes_len: usize,
    ttl_seconds: u32,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees live handles or NULL.
        let (client, store) = unsafe { (client.as_ref(), store.as_ref()) };
        let client = client.ok_or_else(|| Failure::null("client"))?;
        let store = store.ok_or_else(|| Failure::null("store"))?;
        // SAFETY: the caller guarantees each pointer is valid for its length.
        let (binding, scopes) = unsafe {
            (
                text(binding, binding_len, "binding")?,
                text(scopes, scopes_len, "scopes")?,
            )
        };
        let scopes = bulwark::oauth::parse_scope(scopes)?;
        let ttl = Duration::from_secs(u64::from(ttl_seconds));
        let (url, _pending) = client
            .0
            .authorize(&store.0, binding, &scopes, &[], ttl, None)?;
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&url, buf, cap, out_len) }
    })
}

/// The answer a `bw_http_post_fn` fills in with `bw_http_response_set` (opaque).
#[allow(non_camel_case_types)]
pub struct bw_http_response(Option<HttpResponse>);

/// Sends one POST for the library: `url`, the headers as `Name: value\r\n` lines, the
/// form-encoded `body` (each NUL-terminated too, lengths without the NUL). Fill in the answer
/// with `bw_http_response_set` and return `BW_OK`; any other return (the server could not be
/// reached) is a `BW_ERR_BACKEND` for the caller, retried where the library retries. Called on
/// the thread that called the library; `ctx` is the pointer given with the callback (it must
/// be usable from every thread that calls the library with it).
#[allow(non_camel_case_types)]
pub type bw_http_post_fn = Option<
    unsafe extern "C" fn(
        ctx: *mut c_void,
        url: *const c_char,
        url_len: usize,
        headers: *const c_char,
        headers_len: usize,
        body: *const c_char,
        body_len: usize,
        response: *mut bw_http_response,
    ) -> bw_result,
>;

/// Records the server's answer in a `bw_http_post_fn`: the HTTP status and the body (UTF-8,
/// at most 256 KiB, else `BW_ERR_INVALID_INPUT`; copied). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_http_response_set(
    response: *mut bw_http_response,
    status: u16,
    body: *const c_char,
    body_len: usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees response is the handle it was given, or NULL.
        let response = unsafe { out(response, "response") }?;
        if body_len > bulwark::oauth::MAX_RESPONSE_LEN {
            return Err(bulwark::Error::invalid_input("the response body is over 256 KiB").into());
        }
        // SAFETY: the caller guarantees body is valid for body_len bytes.
        let body = unsafe { text(body, body_len, "body") }?;
        response.0 = Some(HttpResponse {
            status,
            body: body.to_owned(),
        });
        Ok(())
    })
}

/// A caller's callback as a core transport.
struct CTransport {
    post: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        usize,
        *const c_char,
        usize,
        *const c_char,
        usize,
        *mut bw_http_response,
    ) -> bw_result,
    ctx: *mut c_void,
}

// SAFETY: the caller promises (bw_http_post_fn's contract) that the callback and ctx may be
// used from every thread that calls the library with them.
unsafe impl Send for CTransport {}
// SAFETY: as above.
unsafe impl Sync for CTransport {}

impl Transport for CTransport {
    fn post(&self, request: &HttpRequest) -> bulwark::Result<HttpResponse> {
        let nul = |s: &str| {
            let mut v = Vec::with_capacity(s.len() + 1);
            v.extend_from_slice(s.as_bytes());
            v.push(0);
            zeroize::Zeroizing::new(v)
        };
        let headers: String = request
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {}\r\n", v.as_str()))
            .collect();
        let headers = zeroize::Zeroizing::new(headers);
        let (url, hdrs, body) = (nul(&request.url), nul(&headers), nul(&request.body));
        let mut response = bw_http_response(None);
        // SAFETY: the caller's callback, given valid NUL-terminated buffers that outlive the
        // call and a live response handle.
        let rc = unsafe {
            (self.post)(
                self.ctx,
                url.as_ptr().cast(),
                request.url.len(),
                hdrs.as_ptr().cast(),
                headers.len(),
                body.as_ptr().cast(),
                request.body.len(),
                &mut response,
            )
        };
        if rc != bw_result::BW_OK {
            return Err(bulwark::Error::backend(format!(
                "the HTTP callback failed (code {})",
                rc as u32
            )));
        }
        response
            .0
            .ok_or_else(|| bulwark::Error::backend("the HTTP callback set no response"))
    }
}

fn transport(post: bw_http_post_fn, ctx: *mut c_void) -> Result<CTransport, Failure> {
    let post = post.ok_or_else(|| Failure::null("post"))?;
    Ok(CTransport { post, ctx })
}

/// Tokens from a token endpoint (opaque). Read with `bw_oauth_token_text` and
/// `bw_oauth_token_expires_in`; free with `bw_oauth_token_free`.
#[allow(non_camel_case_types)]
pub struct bw_oauth_token {
    token: Arc<TokenResponse>,
    /// The nonce of the authorization request (code flow only), for the ID token.
    nonce: Option<String>,
}

/// Finishes the authorization-code flow: reads the callback's `query` (the server's error is
/// `BW_ERR_OAUTH`, a wrong `iss` `BW_ERR_INVALID_ISSUER`), takes the pending authorization of
/// its state for `binding` from `store` once (unknown, used or expired: `BW_ERR_OTP_REPLAYED`;
/// another session's: `BW_ERR_VERIFICATION_FAILED`), exchanges the code with the PKCE verifier
/// through `post`, and sets `*out_token`. The server's refusal (`invalid_grant`, …) is
/// `BW_ERR_OAUTH`; an answer that is not a token `BW_ERR_MALFORMED`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_exchange_code(
    client: *const bw_oauth_client,
    store: *const bw_oauth_store,
    query: *const c_char,
    query_len: usize,
    binding: *const c_char,
    binding_len: usize,
    post: bw_http_post_fn,
    ctx: *mut c_void,
    out_token: *mut *mut bw_oauth_token,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees live handles or NULL.
        let (client, store) = unsafe { (client.as_ref(), store.as_ref()) };
        let client = client.ok_or_else(|| Failure::null("client"))?;
        let store = store.ok_or_else(|| Failure::null("store"))?;
        // SAFETY: the caller guarantees each pointer is valid for its length.
        let (query, binding) = unsafe {
            (
                text(query, query_len, "query")?,
                text(binding, binding_len, "binding")?,
            )
        };
        let transport = transport(post, ctx)?;
        // SAFETY: the caller guarantees out_token is NULL or valid for a write.
        let slot = unsafe { out(out_token, "out_token") }?;
        let (token, pending) = client
            .0
            .exchange_code(&store.0, query, binding, &transport)?;
        *slot = Box::into_raw(Box::new(bw_oauth_token {
            token: Arc::new(token),
            nonce: Some(pending.nonce),
        }));
        Ok(())
    })
}

/// Writes one text of a token (`BW_OAUTH_TOKEN_*`; another value is `BW_ERR_INVALID_INPUT`)
/// into `buf`; an absent one is "". Text buffer contract as `bw_token_urlsafe`. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_token_text(
    token: *const bw_oauth_token,
    field: u32,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let t = &unsafe { token.as_ref() }
            .ok_or_else(|| Failure::null("token"))?
            .token;
        let value = zeroize::Zeroizing::new(match field {
            BW_OAUTH_TOKEN_ACCESS => t.access_token.to_string(),
            BW_OAUTH_TOKEN_REFRESH => t
                .refresh_token
                .as_deref()
                .map(String::from)
                .unwrap_or_default(),
            BW_OAUTH_TOKEN_SCOPE => t.scope.as_ref().map(|s| s.join(" ")).unwrap_or_default(),
            BW_OAUTH_TOKEN_ID => t.id_token.clone().unwrap_or_default(),
            _ => {
                return Err(
                    bulwark::Error::invalid_input(format!("unknown token field {field}")).into(),
                )
            }
        });
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&value, buf, cap, out_len) }
    })
}

/// Sets `*out_seconds` to the token's `expires_in`, or -1 when the server did not say.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_token_expires_in(
    token: *const bw_oauth_token,
    out_seconds: *mut i64,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let t = &unsafe { token.as_ref() }
            .ok_or_else(|| Failure::null("token"))?
            .token;
        // SAFETY: the caller guarantees out_seconds is NULL or valid for a write.
        *unsafe { out(out_seconds, "out_seconds") }? = t
            .expires_in
            .map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX));
        Ok(())
    })
}

/// Checks the OpenID Connect ID token of a code-flow `token` and writes its claims (JSON) into
/// `buf`: the signature by `key` (a JWK set `{"keys": [...]}`, or one public key or HMAC
/// secret) under `algorithms` (comma-separated), `iss` = `issuer`, `aud` naming `client_id`,
/// and its `nonce` equal to the authorization request's (kept by the library, compared in
/// constant time). No ID token, or a token not from `bw_oauth_exchange_code`, is
/// `BW_ERR_INVALID_INPUT`; a wrong nonce `BW_ERR_VERIFICATION_FAILED`; otherwise the JWT codes.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_token_check_id_token(
    token: *const bw_oauth_token,
    key: *const u8,
    key_len: usize,
    algorithms: *const c_char,
    algorithms_len: usize,
    issuer: *const c_char,
    issuer_len: usize,
    client_id: *const c_char,
    client_id_len: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let t = unsafe { token.as_ref() }.ok_or_else(|| Failure::null("token"))?;
        // SAFETY: the caller guarantees each pointer is valid for its length.
        let (key, algorithms, issuer, client_id) = unsafe {
            (
                slice(key, key_len, "key")?,
                text(algorithms, algorithms_len, "algorithms")?,
                text(issuer, issuer_len, "issuer")?,
                text(client_id, client_id_len, "client_id")?,
            )
        };
        let id_token =
            t.token.id_token.as_deref().ok_or_else(|| {
                bulwark::Error::invalid_input("the token response has no id_token")
            })?;
        let nonce = t.nonce.as_deref().ok_or_else(|| {
            bulwark::Error::invalid_input("the token is not from an authorization-code exchange")
        })?;
        let algorithms = parse_algorithms(algorithms)?;
        let claims = bulwark::oauth::check_id_token_with(
            id_token,
            key,
            bulwark::oauth::is_jwk_set(key),
            &algorithms,
            issuer,
            client_id,
            nonce,
        )?;
        let json = bulwark::serde_json::Value::Object(claims).to_string();
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&json, buf, cap, out_len) }
    })
}

fn parse_algorithms(list: &str) -> Result<Vec<Algorithm>, Failure> {
    Ok(crate::guard::comma_list(list)
        .iter()
        .map(|a| a.parse::<Algorithm>())
        .collect::<bulwark::Result<Vec<_>>>()?)
}

/// Frees a token (its secrets are zeroized). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_token_free(token: *mut bw_oauth_token) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle from this library, freed once (or NULL).
        unsafe { free_handle(token) };
        Ok(())
    })
}

/// Client-credentials tokens, cached and refreshed before expiry, one fetch at a time (opaque,
/// thread-safe). Create with `bw_oauth_token_source_new`, free with
/// `bw_oauth_token_source_free`.
#[allow(non_camel_case_types)]
pub struct bw_oauth_token_source(TokenSource<CTransport>);

/// Creates a client-credentials token source for `client` (with a secret) asking for `scopes`
/// (space-separated, may be empty), fetching through `post` (retried up to 3 times when the
/// server cannot be reached or answers 5xx / 429; an OAuth refusal is not retried).
/// Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_token_source_new(
    client: *const bw_oauth_client,
    scopes: *const c_char,
    scopes_len: usize,
    post: bw_http_post_fn,
    ctx: *mut c_void,
    out_source: *mut *mut bw_oauth_token_source,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let client = unsafe { client.as_ref() }.ok_or_else(|| Failure::null("client"))?;
        // SAFETY: the caller guarantees scopes is valid for scopes_len bytes.
        let scopes = bulwark::oauth::parse_scope(unsafe { text(scopes, scopes_len, "scopes") }?)?;
        let transport = transport(post, ctx)?;
        // SAFETY: the caller guarantees out_source is NULL or valid for a write.
        let slot = unsafe { out(out_source, "out_source") }?;
        let source = TokenSource::new(client.0.clone(), &scopes, transport, Default::default())?;
        *slot = Box::into_raw(Box::new(bw_oauth_token_source(source)));
        Ok(())
    })
}

/// Writes a valid access token (the cached one, or a new one) into `buf`. Text buffer
/// contract as `bw_token_urlsafe`. `BW_ERR_OAUTH` for the server's refusal, `BW_ERR_BACKEND`
/// when every attempt failed. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_token_source_token(
    source: *const bw_oauth_token_source,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let source = unsafe { source.as_ref() }.ok_or_else(|| Failure::null("source"))?;
        let token = source.0.token()?;
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&token.access_token, buf, cap, out_len) }
    })
}

/// Forgets the cached token (after a resource server refused it), so the next call fetches.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_token_source_invalidate(
    source: *const bw_oauth_token_source,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let source = unsafe { source.as_ref() }.ok_or_else(|| Failure::null("source"))?;
        source.0.invalidate();
        Ok(())
    })
}

/// Frees a token source. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_token_source_free(
    source: *mut bw_oauth_token_source,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle from this library, freed once (or NULL).
        unsafe { free_handle(source) };
        Ok(())
    })
}

/// An RFC 9068 access-token verifier (opaque, immutable, thread-safe). Create with
/// `bw_oauth_verifier_new`, free with `bw_oauth_verifier_free`.
#[allow(non_camel_case_types)]
pub struct bw_oauth_verifier(AccessTokenVerifier);

/// Creates a verifier of JWT access tokens (RFC 9068: `typ` at+jwt; `iss` = `issuer`; `aud`
/// naming `audience`; `exp`, `iat`, `sub`, `client_id`, `jti` present). `key` is a JWK set
/// (`{"keys": [...]}`, chosen by `kid`), a public key (PEM or JWK) or an HMAC secret;
/// `algorithms` a comma-separated allow-list (`"RS256,ES256"`). Bad input is
/// `BW_ERR_INVALID_INPUT`, `BW_ERR_ALGORITHM_NOT_ALLOWED` or `BW_ERR_INVALID_KEY`.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_verifier_new(
    key: *const u8,
    key_len: usize,
    algorithms: *const c_char,
    algorithms_len: usize,
    issuer: *const c_char,
    issuer_len: usize,
    audience: *const c_char,
    audience_len: usize,
    out_verifier: *mut *mut bw_oauth_verifier,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees each pointer is valid for its length.
        let (key, algorithms, issuer, audience) = unsafe {
            (
                slice(key, key_len, "key")?,
                text(algorithms, algorithms_len, "algorithms")?,
                text(issuer, issuer_len, "issuer")?,
                text(audience, audience_len, "audience")?,
            )
        };
        // SAFETY: the caller guarantees out_verifier is NULL or valid for a write.
        let slot = unsafe { out(out_verifier, "out_verifier") }?;
        let algorithms = parse_algorithms(algorithms)?;
        let verifier = if bulwark::oauth::is_jwk_set(key) {
            let set = std::str::from_utf8(key)
                .map_err(|_| bulwark::Error::invalid_input("the JWK set is not UTF-8"))?;
            AccessTokenVerifier::with_jwks(set, &algorithms, issuer, audience)?
        } else {
            AccessTokenVerifier::from_material(key, &algorithms, issuer, audience)?
        };
        *slot = Box::into_raw(Box::new(bw_oauth_verifier(verifier)));
        Ok(())
    })
}

/// Frees a verifier. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_verifier_free(verifier: *mut bw_oauth_verifier) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle from this library, freed once (or NULL).
        unsafe { free_handle(verifier) };
        Ok(())
    })
}

/// What a resource server knows about a caller once its token checked out (opaque). Read with
/// `bw_oauth_access_text`, check scopes with `bw_oauth_access_require_scopes`, free with
/// `bw_oauth_access_free`.
#[allow(non_camel_case_types)]
pub struct bw_oauth_access(AccessToken);

/// Verifies a JWT access token now and sets `*out_access`. Refusals carry the JWT codes
/// (`BW_ERR_VERIFICATION_FAILED`, `BW_ERR_EXPIRED`, `BW_ERR_INVALID_AUDIENCE`, …;
/// `BW_ERR_INVALID_CLAIM` for a `typ` other than at+jwt): answer 401. Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_verify(
    verifier: *const bw_oauth_verifier,
    token: *const c_char,
    token_len: usize,
    out_access: *mut *mut bw_oauth_access,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let verifier = unsafe { verifier.as_ref() }.ok_or_else(|| Failure::null("verifier"))?;
        // SAFETY: the caller guarantees token is valid for token_len bytes.
        let token = unsafe { text(token, token_len, "token") }?;
        // SAFETY: the caller guarantees out_access is NULL or valid for a write.
        let slot = unsafe { out(out_access, "out_access") }?;
        let access = verifier.0.verify(token)?;
        *slot = Box::into_raw(Box::new(bw_oauth_access(access)));
        Ok(())
    })
}

/// Writes one text of an access (`BW_OAUTH_ACCESS_*`; another value is
/// `BW_ERR_INVALID_INPUT`) into `buf`; an absent one is "". Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_access_text(
    access: *const bw_oauth_access,
    field: u32,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let a = &unsafe { access.as_ref() }
            .ok_or_else(|| Failure::null("access"))?
            .0;
        let value = match field {
            BW_OAUTH_ACCESS_SUBJECT => a.subject.clone().unwrap_or_default(),
            BW_OAUTH_ACCESS_CLIENT_ID => a.client_id.clone().unwrap_or_default(),
            BW_OAUTH_ACCESS_SCOPE => a.scopes.join(" "),
            _ => {
                return Err(
                    bulwark::Error::invalid_input(format!("unknown access field {field}")).into(),
                )
            }
        };
        // SAFETY: the caller guarantees the buffer contract.
        unsafe { write_text(&value, buf, cap, out_len) }
    })
}

/// Checks that the access carries every scope of `scopes` (space-separated):
/// `BW_ERR_INSUFFICIENT_SCOPE` naming the missing ones otherwise (answer 403 with
/// `WWW-Authenticate: Bearer error="insufficient_scope"`). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_access_require_scopes(
    access: *const bw_oauth_access,
    scopes: *const c_char,
    scopes_len: usize,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let a = &unsafe { access.as_ref() }
            .ok_or_else(|| Failure::null("access"))?
            .0;
        // SAFETY: the caller guarantees scopes is valid for scopes_len bytes.
        let scopes = bulwark::oauth::parse_scope(unsafe { text(scopes, scopes_len, "scopes") }?)?;
        a.require_scopes(&scopes)?;
        Ok(())
    })
}

/// Frees an access. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_access_free(access: *mut bw_oauth_access) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle from this library, freed once (or NULL).
        unsafe { free_handle(access) };
        Ok(())
    })
}

/// RFC 7662 introspection of opaque tokens with a bounded cache (opaque, thread-safe). Create
/// with `bw_oauth_introspector_new`, free with `bw_oauth_introspector_free`.
#[allow(non_camel_case_types)]
pub struct bw_oauth_introspector(Introspector<CTransport>);

/// Creates an introspector of `endpoint`, authenticating as `client` (with a secret), posting
/// through `post`, caching up to `capacity` answers (0: 10,000) for at most `max_ttl_seconds`
/// (0: 60; never past a token's `exp`). Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_introspector_new(
    client: *const bw_oauth_client,
    endpoint: *const c_char,
    endpoint_len: usize,
    post: bw_http_post_fn,
    ctx: *mut c_void,
    capacity: u32,
    max_ttl_seconds: u32,
    out_introspector: *mut *mut bw_oauth_introspector,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let client = unsafe { client.as_ref() }.ok_or_else(|| Failure::null("client"))?;
        // SAFETY: the caller guarantees endpoint is valid for endpoint_len bytes.
        let endpoint = unsafe { text(endpoint, endpoint_len, "endpoint") }?;
        let transport = transport(post, ctx)?;
        // SAFETY: the caller guarantees out_introspector is NULL or valid for a write.
        let slot = unsafe { out(out_introspector, "out_introspector") }?;
        let mut options = IntrospectorOptions::default();
        if capacity > 0 {
            options.capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        }
        if max_ttl_seconds > 0 {
            options.max_ttl = Duration::from_secs(u64::from(max_ttl_seconds));
        }
        let i = Introspector::new(client.0.clone(), endpoint, transport, options)?;
        *slot = Box::into_raw(Box::new(bw_oauth_introspector(i)));
        Ok(())
    })
}

/// Introspects `token` and sets `*out_access` when it is active; an inactive token is
/// `BW_ERR_VERIFICATION_FAILED` (answer 401), the server unreachable `BW_ERR_BACKEND`.
/// Thread-safe.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_introspect(
    introspector: *const bw_oauth_introspector,
    token: *const c_char,
    token_len: usize,
    out_access: *mut *mut bw_oauth_access,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle or NULL.
        let i = unsafe { introspector.as_ref() }.ok_or_else(|| Failure::null("introspector"))?;
        // SAFETY: the caller guarantees token is valid for token_len bytes.
        let token = unsafe { text(token, token_len, "token") }?;
        // SAFETY: the caller guarantees out_access is NULL or valid for a write.
        let slot = unsafe { out(out_access, "out_access") }?;
        let access = i.0.verify(token)?;
        *slot = Box::into_raw(Box::new(bw_oauth_access(access)));
        Ok(())
    })
}

/// Frees an introspector. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn bw_oauth_introspector_free(
    introspector: *mut bw_oauth_introspector,
) -> bw_result {
    ffi_guard!({
        // SAFETY: the caller guarantees a live handle from this library, freed once (or NULL).
        unsafe { free_handle(introspector) };
        Ok(())
    })
}
