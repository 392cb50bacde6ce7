//! A small W3C WebDriver client over reqwest. It sends exactly the capabilities it is given:
//! `tauri-driver` + WebKitWebDriver want `tauri:options` alone (general-purpose clients add
//! browser-specific capabilities and BiDi requests that this pair does not expect).

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The W3C key under which an element reference travels.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

#[derive(Debug)]
pub struct Session {
    http: reqwest::Client,
    base: String,
}

#[derive(Debug, Clone)]
pub struct Element {
    id: String,
}

impl Session {
    /// Creates a session, retrying once: a dropped first request has been seen now and then.
    pub async fn create(driver_url: &str, capabilities: Value) -> Result<Session, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        let body = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let mut last = String::new();
        for _ in 0..2 {
            match http
                .post(format!("{driver_url}/session"))
                .json(&body)
                .send()
                .await
            {
                Ok(resp) => {
                    let value: Value = resp.json().await.map_err(|e| e.to_string())?;
                    if let Some(id) = value["value"]["sessionId"].as_str() {
                        return Ok(Session {
                            http,
                            base: format!("{driver_url}/session/{id}"),
                        });
                    }
                    last = value.to_string();
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Err(format!("could not create a WebDriver session: {last}"))
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let value: Value = resp.json().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!(
                "WebDriver {path} answered {status}: {}",
                value["value"]
            ));
        }
        Ok(value["value"].clone())
    }

    pub async fn find(&self, css: &str) -> Result<Element, String> {
        let v = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        let id = v[ELEMENT_KEY]
            .as_str()
            .ok_or_else(|| format!("no element id in {v}"))?;
        Ok(Element { id: id.to_string() })
    }

    pub async fn text(&self, element: &Element) -> Result<String, String> {
        let v = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{}/text", element.id),
                None,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    pub async fn click(&self, element: &Element) -> Result<(), String> {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.id),
            Some(json!({})),
        )
        .await
        .map(|_| ())
    }

    /// Every element matching `css`, in document order (none is not an error).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>, String> {
        let v = self
            .command(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(v.as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str())
                    .map(|id| Element { id: id.to_string() })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// An attribute of the element, or None when it has none.
    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>, String> {
        let v = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{}/attribute/{name}", element.id),
                None,
            )
            .await?;
        Ok(v.as_str().map(str::to_string))
    }

    /// Types `text` into the element (a real key sequence: the UI sees input events).
    pub async fn send_keys(&self, element: &Element, text: &str) -> Result<(), String> {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.id),
            Some(json!({ "text": text })),
        )
        .await
        .map(|_| ())
    }

    /// Empties an input.
    pub async fn clear(&self, element: &Element) -> Result<(), String> {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.id),
            Some(json!({})),
        )
        .await
        .map(|_| ())
    }

    /// Clicks the element matching `css`, waiting up to `timeout` for it to exist.
    pub async fn click_css(&self, css: &str, timeout: Duration) -> Result<(), String> {
        let el = self.wait_for(css, timeout).await?;
        self.click(&el).await
    }

    /// Replaces an input's value with `text`, as a person would: select all, delete, type. (The
    /// WebDriver clear command sends no `input` event, so a UI that owns the value puts it back.)
    pub async fn fill(&self, css: &str, text: &str) -> Result<(), String> {
        let el = self.find(css).await?;
        // Control+A, release the modifiers, Backspace (W3C key codes).
        self.send_keys(&el, "\u{E009}a\u{E000}\u{E003}").await?;
        self.send_keys(&el, text).await
    }

    /// Runs a script in the page; its return value comes back as JSON.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Runs an asynchronous script in the page: it ends by calling its last argument with the
    /// value that comes back as JSON.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.command(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Waits for two animation frames, so a screenshot shows the DOM as it is now, not the paint
    /// before the last change.
    pub async fn settle(&self) -> Result<(), String> {
        self.command(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[arguments.length - 1]; \
                           requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                "args": [],
            })),
        )
        .await
        .map(|_| ())
    }

    /// The handles of the windows (top-level browsing contexts) the session can reach.
    pub async fn window_handles(&self) -> Result<Vec<String>, String> {
        let v = self
            .command(reqwest::Method::GET, "/window/handles", None)
            .await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Makes `handle` the window later commands act on.
    pub async fn switch_to_window(&self, handle: &str) -> Result<(), String> {
        self.command(
            reqwest::Method::POST,
            "/window",
            Some(json!({ "handle": handle })),
        )
        .await
        .map(|_| ())
    }

    /// Closes the current window (WebDriver's own close, which destroys the webview).
    pub async fn close_window(&self) -> Result<(), String> {
        self.command(reqwest::Method::DELETE, "/window", None)
            .await
            .map(|_| ())
    }

    /// Waits until an element matches `css`.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(el) = self.find(css).await {
                return Ok(el);
            }
            if Instant::now() > deadline {
                return Err(format!("timed out waiting for {css}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element matching `css` has attribute `name` satisfying `check`; returns
    /// its value.
    pub async fn wait_for_attribute(
        &self,
        css: &str,
        name: &str,
        timeout: Duration,
        check: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        let mut last = String::from("(no element)");
        loop {
            if let Ok(el) = self.find(css).await
                && let Ok(value) = self.attribute(&el, name).await
            {
                let value = value.unwrap_or_default();
                if check(&value) {
                    return Ok(value);
                }
                last = value;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "timed out waiting for {css} [{name}]; last value: {last:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn title(&self) -> Result<String, String> {
        Ok(self
            .command(reqwest::Method::GET, "/title", None)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Waits until the element matching `css` exists and its text satisfies `check`; returns
    /// that text. Polls, since the UI renders asynchronously.
    pub async fn wait_for_text(
        &self,
        css: &str,
        timeout: Duration,
        check: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        let mut last = String::from("(no element)");
        loop {
            if let Ok(el) = self.find(css).await
                && let Ok(text) = self.text(&el).await
            {
                if check(&text) {
                    return Ok(text);
                }
                last = text;
            }
            if Instant::now() > deadline {
                return Err(format!("timed out waiting for {css}; last text: {last:?}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG of the window. Call it after waiting for the change it should show: a shot
    /// right after a DOM change can show the previous paint.
    pub async fn screenshot(&self, path: &Path) -> Result<(), String> {
        let v = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    pub async fn delete(self) -> Result<(), String> {
        self.http
            .delete(&self.base)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
