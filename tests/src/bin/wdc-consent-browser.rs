//! `wdc-consent-browser URL`: a browser for tests that consents like a person would. Used as
//! `$BROWSER` (or through `CommandBrowser`): it opens the authorize URL, fills in the simulated
//! tenant's consent form (`id="consent"`), submits the decision and follows Workday's redirect to
//! the app's loopback callback, one hop at a time.
//!
//! Environment:
//! - `WDC_CONSENT` = `allow` (default) | `deny` | `ignore` (do nothing and exit 0: a browser that
//!   never comes back);
//! - `WDC_CONSENT_LOG=FILE`: append each URL visited, one per line, for tests to assert on;
//! - `WDC_CONSENT_PAGE=FILE`: write the page the loopback callback answered (what the person
//!   would read in the tab) to FILE;
//! - `WDC_CONSENT_PRELUDE` = `wrong-state` | `flood`: before consenting, hit the loopback callback
//!   (the authorize URL's `redirect_uri`) with a forged callback carrying a wrong state, or with
//!   hundreds of concurrent stray requests (other paths, other methods, no or wrong state, a forged
//!   `error=access_denied`, malformed HTTP, connections closed at once). Each appends one
//!   `prelude ...` line with what the listener answered to the log; a stray request that gets a
//!   2xx fails the browser, since only the real callback may succeed.
//!
//! On failure it prints one line to stderr and exits non-zero. Every request has a timeout, so it
//! never hangs.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{Client, Response, Url};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// Redirect hops followed by hand before giving up (Workday's authorize needs none; SSO needs one).
const MAX_HOPS: usize = 5;

/// Stray requests of the `flood` prelude, and how many are in flight at once.
const FLOOD_REQUESTS: usize = 400;
const FLOOD_CONCURRENCY: usize = 64;

fn main() -> ExitCode {
    // `$BROWSER` conventions pass the URL last; anything before it is ignored.
    let Some(url) = std::env::args().skip(1).next_back() else {
        eprintln!("wdc-consent-browser: usage: wdc-consent-browser URL");
        return ExitCode::from(2);
    };
    let decision = std::env::var("WDC_CONSENT").unwrap_or_else(|_| "allow".into());
    let decision = match decision.as_str() {
        "allow" | "deny" | "ignore" => decision,
        other => {
            eprintln!(
                "wdc-consent-browser: WDC_CONSENT must be allow, deny or ignore, not {other:?}"
            );
            return ExitCode::from(2);
        }
    };
    let prelude = std::env::var("WDC_CONSENT_PRELUDE").unwrap_or_default();
    if !matches!(prelude.as_str(), "" | "wrong-state" | "flood") {
        eprintln!(
            "wdc-consent-browser: WDC_CONSENT_PRELUDE must be wrong-state or flood, not {prelude:?}"
        );
        return ExitCode::from(2);
    }
    log_visit(&url);
    if decision == "ignore" {
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wdc-consent-browser: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A last guard on top of the per-request timeouts: the whole visit is bounded.
    let outcome = runtime.block_on(async {
        let visit = async {
            if !prelude.is_empty() {
                run_prelude(&prelude, &url).await?;
            }
            consent(&url, &decision).await
        };
        tokio::time::timeout(Duration::from_secs(30), visit)
            .await
            .unwrap_or_else(|_| Err("gave up after 30 s".into()))
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wdc-consent-browser: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Appends a visited URL to `$WDC_CONSENT_LOG`, if set. Best effort: logging never fails a run.
fn log_visit(url: &str) {
    let Some(path) = std::env::var_os("WDC_CONSENT_LOG") else {
        return;
    };
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{url}");
    }
}

fn client() -> Result<Client, String> {
    Client::builder()
        .redirect(Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        // Everything is on loopback; a proxy from the environment must not intercept it.
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// The loopback callback the authorize URL names in `redirect_uri`.
fn callback_of(authorize: &str) -> Result<Url, String> {
    let url = Url::parse(authorize).map_err(|e| format!("not a URL: {authorize}: {e}"))?;
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .ok_or("the authorize URL has no redirect_uri")?;
    Url::parse(&redirect).map_err(|e| format!("redirect_uri {redirect:?} is not a URL: {e}"))
}

async fn run_prelude(kind: &str, authorize: &str) -> Result<(), String> {
    let callback = callback_of(authorize)?;
    let client = client()?;
    match kind {
        "wrong-state" => {
            let mut forged = callback.clone();
            forged
                .query_pairs_mut()
                .append_pair("code", "forged-code")
                .append_pair("state", "forged-state");
            let status = client
                .get(forged)
                .send()
                .await
                .map_err(|e| format!("the forged callback failed: {}", chain(&e.without_url())))?
                .status();
            log_visit(&format!("prelude wrong-state: {}", status.as_u16()));
            if status.is_success() {
                return Err(format!(
                    "the listener accepted a callback with a wrong state ({status})"
                ));
            }
            Ok(())
        }
        _ => flood(&client, &callback).await,
    }
}

/// One stray request of the flood; `Ok(status)` or `Ok(0)` when no HTTP answer came.
async fn stray(client: Client, callback: Url, i: usize) -> Result<u16, String> {
    let mut url = callback.clone();
    let send = |r: reqwest::RequestBuilder| async move {
        r.send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| chain(&e.without_url()))
    };
    match i % 8 {
        0 => {
            url.set_path("/favicon.ico");
            send(client.get(url)).await
        }
        1 => send(client.get(url)).await,
        2 => {
            url.set_query(Some(&format!("code=stolen-{i}&state=wrong-{i}")));
            send(client.get(url)).await
        }
        3 => {
            // A forged denial must not end the real sign-in either.
            url.set_query(Some(&format!("error=access_denied&state=wrong-{i}")));
            send(client.get(url)).await
        }
        4 => send(client.post(url).form(&[("code", "x"), ("state", "y")])).await,
        5 => {
            url.set_path("/elsewhere");
            url.set_query(Some("code=x&state=y"));
            send(client.get(url)).await
        }
        n => {
            let addr = format!(
                "{}:{}",
                callback.host_str().unwrap_or("127.0.0.1"),
                callback.port_or_known_default().unwrap_or(80)
            );
            let mut stream = TcpStream::connect(&addr)
                .await
                .map_err(|e| format!("connect {addr}: {e}"))?;
            if n == 6 {
                // Malformed HTTP: answered with an error or closed, never a panic.
                let _ = stream.write_all(b"GARBAGE \x00\x01 NOT HTTP\r\n\r\n").await;
                let mut sink = Vec::new();
                let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut sink))
                    .await;
                let status = std::str::from_utf8(&sink)
                    .ok()
                    .and_then(|s| s.strip_prefix("HTTP/1.1 "))
                    .and_then(|s| s.get(..3))
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                return Ok(status);
            }
            // Connected and gone at once.
            drop(stream);
            Ok(0)
        }
    }
}

/// Hundreds of concurrent stray requests at the listener; returns once all are answered.
async fn flood(client: &Client, callback: &Url) -> Result<(), String> {
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut record = |r: Result<Result<u16, String>, tokio::task::JoinError>| {
        let key = match r {
            Ok(Ok(0)) => "no-answer".to_string(),
            Ok(Ok(status)) => status.to_string(),
            Ok(Err(_)) | Err(_) => "error".to_string(),
        };
        *tally.entry(key).or_default() += 1;
    };
    let mut set = JoinSet::new();
    for i in 0..FLOOD_REQUESTS {
        while set.len() >= FLOOD_CONCURRENCY {
            if let Some(r) = set.join_next().await {
                record(r);
            }
        }
        set.spawn(stray(client.clone(), callback.clone(), i));
    }
    while let Some(r) = set.join_next().await {
        record(r);
    }
    let summary: Vec<String> = tally.iter().map(|(k, n)| format!("{k}={n}")).collect();
    log_visit(&format!(
        "prelude flood: {FLOOD_REQUESTS} requests: {}",
        summary.join(" ")
    ));
    if tally.keys().any(|k| k.starts_with('2')) {
        return Err(format!(
            "a stray request got a success answer: {}",
            summary.join(" ")
        ));
    }
    Ok(())
}

async fn consent(url: &str, decision: &str) -> Result<(), String> {
    let client = client()?;
    let start = Url::parse(url).map_err(|e| format!("not a URL: {url}: {e}"))?;
    let (page_url, page) = get_page(&client, start).await?;
    let form = Form::find(&page, "consent").ok_or_else(|| {
        format!(
            "no consent form (id=\"consent\") at {page_url}: {}",
            page_message(&page)
        )
    })?;
    let action = page_url
        .join(&form.action)
        .map_err(|e| format!("bad form action {:?}: {e}", form.action))?;
    let mut fields = form.hidden;
    fields.push(("decision".into(), decision.into()));
    log_visit(action.as_str());
    let answer = if form.method.eq_ignore_ascii_case("get") {
        let mut target = action.clone();
        target.query_pairs_mut().extend_pairs(&fields);
        client.get(target).send().await
    } else {
        client.post(action.clone()).form(&fields).send().await
    }
    .map_err(|e| {
        format!(
            "submitting the consent form to {action} failed: {}",
            chain(&e.without_url())
        )
    })?;
    let callback = location(&action, &answer).ok_or_else(|| {
        format!(
            "the consent form answered {} instead of a redirect",
            answer.status()
        )
    })?;
    log_visit(callback.as_str());
    let reply = client.get(callback.clone()).send().await.map_err(|e| {
        format!(
            "the callback {} failed: {}",
            without_query(&callback),
            chain(&e.without_url())
        )
    })?;
    if !reply.status().is_success() {
        return Err(format!(
            "the callback {} answered {}",
            without_query(&callback),
            reply.status()
        ));
    }
    // The page the person would read in the tab, for tests that check what it says.
    if let Some(path) = std::env::var_os("WDC_CONSENT_PAGE") {
        let body = reply
            .text()
            .await
            .map_err(|e| format!("reading the callback page failed: {e}"))?;
        std::fs::write(path, body).map_err(|e| format!("cannot write WDC_CONSENT_PAGE: {e}"))?;
    }
    Ok(())
}

/// GETs `url`, following redirects by hand (each hop logged), and returns the final page.
async fn get_page(client: &Client, mut url: Url) -> Result<(Url, String), String> {
    for _ in 0..=MAX_HOPS {
        let r = client.get(url.clone()).send().await.map_err(|e| {
            format!(
                "GET {} failed: {}",
                without_query(&url),
                chain(&e.without_url())
            )
        })?;
        if let Some(next) = location(&url, &r) {
            log_visit(next.as_str());
            url = next;
            continue;
        }
        let status = r.status();
        let body = r
            .text()
            .await
            .map_err(|e| format!("reading {} failed: {e}", without_query(&url)))?;
        if !status.is_success() {
            return Err(format!(
                "{} answered {status}: {}",
                without_query(&url),
                page_message(&body)
            ));
        }
        return Ok((url, body));
    }
    Err(format!("more than {MAX_HOPS} redirects"))
}

/// An error with its causes, on one line: reqwest's own message alone says only "error sending
/// request", the cause (refused, timed out) is what a test failure needs.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The resolved `Location` of a redirect answer.
fn location(base: &Url, r: &Response) -> Option<Url> {
    if !r.status().is_redirection() {
        return None;
    }
    let loc = r.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    base.join(loc).ok()
}

/// For messages: the callback's query holds the code and state, which stay out of stderr.
fn without_query(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

/// The error text of a tenant page (`id="message"`), or a hint that there was none.
fn page_message(page: &str) -> String {
    element_text(page, "message").unwrap_or_else(|| "(no message on the page)".into())
}

fn element_text(page: &str, id: &str) -> Option<String> {
    let at = page.find(&format!("id=\"{id}\""))?;
    let rest = &page[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')? + start;
    Some(unescape(rest[start..end].trim()))
}

/// A parsed `<form>`: where it goes, how, and its hidden fields.
#[derive(Debug)]
struct Form {
    action: String,
    method: String,
    hidden: Vec<(String, String)>,
}

impl Form {
    /// Finds `<form id="{id}" ...> ... </form>` in `page`.
    fn find(page: &str, id: &str) -> Option<Form> {
        let lower = page.to_ascii_lowercase();
        let mut from = 0;
        while let Some(rel) = lower[from..].find("<form") {
            let open = from + rel;
            let tag_end = open + page[open..].find('>')?;
            let attrs = attributes(&page[open + "<form".len()..tag_end]);
            from = tag_end + 1;
            if attr(&attrs, "id") != Some(id) {
                continue;
            }
            let close = lower[tag_end..]
                .find("</form")
                .map_or(page.len(), |c| tag_end + c);
            let inner = &page[tag_end + 1..close];
            return Some(Form {
                action: attr(&attrs, "action").unwrap_or_default().to_string(),
                method: attr(&attrs, "method").unwrap_or("get").to_string(),
                hidden: hidden_inputs(inner),
            });
        }
        None
    }
}

fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = lower[from..].find("<input") {
        let open = from + rel;
        let Some(len) = html[open..].find('>') else {
            break;
        };
        let attrs = attributes(&html[open + "<input".len()..open + len]);
        from = open + len + 1;
        let hidden = attr(&attrs, "type").is_some_and(|t| t.eq_ignore_ascii_case("hidden"));
        if let (true, Some(name)) = (hidden, attr(&attrs, "name")) {
            out.push((
                name.to_string(),
                attr(&attrs, "value").unwrap_or_default().to_string(),
            ));
        }
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The attributes inside a tag: `name="v"`, `name='v'`, `name=v` and bare `name`.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag.trim_start_matches('/');
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            break;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_string();
        rest = rest[name_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, remaining) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or_default())
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = unescape(v);
            rest = remaining;
        }
        if name.is_empty() {
            // Not an attribute at all (a stray `=`): skip one character and go on.
            rest = rest.get(1..).unwrap_or_default();
            continue;
        }
        out.push((name, value));
    }
    out
}

/// The entities the tenant's pages use.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_consent_form_and_its_hidden_fields() {
        let page = r#"<form id="other" action="/x"></form>
<FORM id="consent" method="post" action="/acme/authorize/decision">
<input type="hidden" name="request" value="a&amp;b">
<input type=text name=visible value=no>
<button name="decision" value="allow">Allow</button></FORM>"#;
        let f = Form::find(page, "consent").unwrap();
        assert_eq!(f.action, "/acme/authorize/decision");
        assert_eq!(f.method, "post");
        assert_eq!(f.hidden, vec![("request".to_string(), "a&b".to_string())]);
        assert!(Form::find(page, "missing").is_none());
    }

    #[test]
    fn reads_the_message_of_an_error_page() {
        let page = r#"<p id="message">The client_id is &lt;bad&gt;.</p>"#;
        assert_eq!(page_message(page), "The client_id is <bad>.");
    }
}
